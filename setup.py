"""Build hook: the files `warroom` reads at run time travel inside the wheel.

They stay where a reader of the repository expects them (the template in templates/, the
example settings, routing file and Slack manifest at the root); the wheel gets a copy of each
under `bot/_bundled/`, where `bot.kernel.bundled` finds them. An editable install reads them
from the source tree instead. Everything else about the package is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Keep in step with bot/kernel/bundled.py and MANIFEST.in (tests/test_packaging.py checks).
BUNDLED = (
    "templates/postmortem.md.j2",
    "templates/status/base.html.j2",
    "templates/status/history.html.j2",
    "templates/status/incident.html.j2",
    "templates/status/maintenance.html.j2",
    "templates/status/not_found.html.j2",
    "templates/status/page.html.j2",
    "templates/status/subscribe_form.html.j2",
    "templates/status/subscribe_result.html.j2",
    "templates/status/subscribe_unsubscribe.html.j2",
    "templates/status/update.html.j2",
    "templates/status/uptime.html.j2",
    "templates/email/status_confirm.html.j2",
    "templates/email/status_confirm.txt.j2",
    "templates/email/status_publication.html.j2",
    "templates/email/status_publication.txt.j2",
    "templates/insights/report.html.j2",
    "templates/app/base.html.j2",
    "templates/app/message.html.j2",
    "templates/app/incidents.html.j2",
    "templates/app/incident.html.j2",
    "templates/app/oncall.html.j2",
    "templates/app/dashboard.html.j2",
    "manifest.yml",
    "warroom.example.yml",
    ".env.example",
)


class BuildWithBundledFiles(build_py):
    """`build_py`, then a copy of each bundled file into `bot/_bundled/` of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them where they are
        target = Path(self.build_lib) / "bot" / "_bundled"
        for name in BUNDLED:
            source = ROOT / name
            if not source.is_file():
                raise SystemExit(f"cannot build warroom: {name} is missing from the source tree")
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)


setup(cmdclass={"build_py": BuildWithBundledFiles})
