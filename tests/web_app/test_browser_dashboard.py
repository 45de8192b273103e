"""The signed-in web app in a real browser: Debian's chromium, headless, opens the dashboard,
is sent to the sandbox's Sign in with Slack, picks a person like a person does, and lands on the
dashboard; it reads the headline numbers, loads each chart (an SVG image of its own) and sees
the tables behind them, narrows the figures with the form (the charts follow), and opens an
incident's page and its timeline. Nothing is logged (no error, no image or style the pages'
policy refused).

Screenshots of both pages are taken each run; WARROOM_SCREENSHOTS=1 copies them to
docs/app-dashboard.png and docs/app-incident.png, the ones the README shows."""

import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from app_site import PUBLIC_URL
from dashboard_stack import DASHBOARD, DashboardApp, dashboard_app, read_dashboard
from servers.headless_chromium import Chromium, Tab

from bot.sandbox import SandboxServer

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)",
)
DOCS = Path(__file__).parents[2] / "docs"
ALICE = "form:has(input[name='user'][value='U0ALICE']) button"


@pytest.fixture
def site(database_url: str) -> Iterator[DashboardApp]:
    with SandboxServer() as sandbox, dashboard_app(database_url, sandbox) as app:
        yield app


def host_rules(site: DashboardApp) -> str:
    """The app's public name mapped to where it really listens (DNS, for the browser)."""
    public, real = urlsplit(PUBLIC_URL), urlsplit(site.url)
    return f"MAP {public.hostname}:{public.port or 80} {real.hostname}:{real.port}"


def loaded_charts(tab: Tab) -> list[str]:
    """The addresses of the chart images the browser loaded and can show (its own reading of
    the image's size: an image refused or broken has none); failing if one did not load."""
    images = tab.evaluate(
        "Array.from(document.querySelectorAll('section.chart img'),"
        " i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.naturalHeight])"
    )
    assert [size for _, *size in images] == [[True, 720, 300]] * 3, images
    return [src for src, *_ in images]


# One backend is enough here: the figures are checked on both in test_dashboard.py.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_person_signs_in_and_reads_the_dashboard_and_an_incident(
    site: DashboardApp, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    with Chromium(CHROMIUM, tmp_path / "profile", host_rules=host_rules(site)) as browser:
        tab = browser.open(f"{DASHBOARD}?period=90d")
        # Nobody is signed in: the browser was sent to Slack's (the sandbox's) sign-in.
        assert "Choose who you are" in tab.html()
        assert "Headline numbers" not in tab.html()
        tab.click(ALICE)
        assert tab.url() == f"{DASHBOARD}?period=90d"
        page = tab.html()
        shown = read_dashboard(page)
        expected = site.trend("90d").current
        assert "Signed in as Alice Archer" in " ".join(
            lxml.html.fromstring(page).text_content().split()
        )
        assert shown.headlines["incidents"] == str(expected.incidents) == "8"
        assert shown.drills == 2
        assert loaded_charts(tab) == list(shown.charts.values())
        assert all(src.endswith(".svg?period=90d") for src in shown.charts.values())
        assert len(shown.tables["table-per-week"]) == len(expected.per_week)
        people = {row[0]: row[1:] for row in shown.tables["table-people"]}
        assert set(people) == {"alice", "bob"}  # as the people directory names them
        shot_dashboard = tmp_path / "app-dashboard.png"
        width, height = tab.screenshot(shot_dashboard)

        # The form narrows the figures without any script: tick SEV1, press Show.
        tab.choose("input[name='severity'][value='sev1']")
        tab.click("form.choose button[type='submit']")
        assert "severity=sev1" in tab.url()
        narrowed = read_dashboard(tab.html())
        sev1 = [s for s in site.seeded if s.days_ago < 90 and s.severity == "sev1" and not s.drill]
        assert narrowed.headlines["incidents"] == str(len(sev1))
        assert loaded_charts(tab) == list(narrowed.charts.values())
        assert all("severity=sev1" in src for src in narrowed.charts.values())

        tab.navigate(f"{PUBLIC_URL}/app/incidents/1")
        incident = lxml.html.fromstring(tab.html())
        title = " ".join(incident.xpath("//h1")[0].text_content().split())
        assert "Checkout returns 502 for card payments" in title
        timeline = [
            " ".join(r.text_content().split())
            for r in incident.xpath("//table[@class='timeline']/tbody/tr")
        ]
        assert any("Rolled back the last deploy" in row for row in timeline)
        assert len(timeline) == 5
        shot_incident = tmp_path / "app-incident.png"
        tab.screenshot(shot_incident)
        # No error, no refused style on any of our pages (the sandbox's sign-in page has no
        # icon, and the browser asks the sandbox for one).
        sandbox_icon = f"({site.warroom.settings.warroom_oidc_issuer}/favicon.ico)"
        assert [m for m in tab.messages() if not m.endswith(sandbox_icon)] == []
        tab.close()

    for shot in (shot_dashboard, shot_incident):
        header = shot.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", shot_dashboard.read_bytes()[16:24]) == (width, height)
    if os.environ.get("WARROOM_SCREENSHOTS") == "1":
        for shot in (shot_dashboard, shot_incident):
            shutil.copyfile(shot, DOCS / shot.name)
