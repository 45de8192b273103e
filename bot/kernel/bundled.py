"""Files shipped with Warroom that are not Python: the templates and the examples.

In the repository they live where a reader looks for them (templates/, and the example
settings, routing file and Slack manifest at the root). The wheel carries a copy of each under
`bot/_bundled/` (setup.py puts them there); an editable install, or a run from a checkout,
reads the source tree. Either way they are found from any working directory.
"""

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

POSTMORTEM_TEMPLATE = "templates/postmortem.md.j2"
MANIFEST = "manifest.yml"
EXAMPLE_CONFIG = "warroom.example.yml"
EXAMPLE_ENV = ".env.example"
# Keep in step with setup.py and MANIFEST.in (tests/test_packaging.py checks all three).
# The status page's and its mails' templates, read as folders (bot/web/status/render.py,
# bot/statuspage/subscribers_mail.py); every file under templates/ is here (a test checks).
PAGE_TEMPLATES = (
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
)
BUNDLED = (POSTMORTEM_TEMPLATE, *PAGE_TEMPLATES, MANIFEST, EXAMPLE_CONFIG, EXAMPLE_ENV)

_SOURCE_TREE = Path(__file__).resolve().parents[2]


class BundledFileMissing(Exception):
    """A file Warroom ships with is not where the installation should have put it."""


def bundled(name: str) -> Traversable:
    """The bundled file `name` (one of BUNDLED): the wheel's copy, else the source tree's."""
    if name not in BUNDLED:
        raise ValueError(f"{name!r} is not a file Warroom ships with")
    packaged = resources.files("bot").joinpath("_bundled", *name.split("/"))
    if packaged.is_file():
        return packaged
    source = _SOURCE_TREE.joinpath(*name.split("/"))
    if source.is_file() and (_SOURCE_TREE / "pyproject.toml").is_file():
        return source
    raise BundledFileMissing(
        f"{name} is missing from this installation of warroom; reinstall it "
        "(pip install --force-reinstall warroom)"
    )


def bundled_path(name: str) -> Path:
    """The bundled file `name` as a path on disk (wheels are always unpacked)."""
    found = bundled(name)
    if not isinstance(found, Path):
        raise BundledFileMissing(f"{name} is inside an archive; install warroom unpacked")
    return found


def bundled_text(name: str) -> str:
    """The bundled file `name`, decoded as UTF-8."""
    return bundled(name).read_text(encoding="utf-8")
