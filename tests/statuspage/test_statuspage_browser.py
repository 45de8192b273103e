"""The status page in a real browser: Debian's chromium loads /status headless, with JavaScript
and without it, and a visitor sees the overall state, every component's state and the active
incident's latest public message either way; nothing is logged (an error, a style the page's
own policy refused). A screenshot of the page is taken each time; WARROOM_UPDATE_SCREENSHOT=1 copies
it to docs/status-page.png, the one the README shows."""

import asyncio
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest
from servers.headless_chromium import Chromium
from sqlalchemy.engine import Engine
from statuspage_core import NOW, STATUS_YML, Core, add_incident
from statuspage_site import Site, days_drawn, serve_site

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)",
)
SCREENSHOT = Path(__file__).parents[2] / "docs" / "status-page.png"
# No logo: the browser has no network to fetch one from.
BROWSER_YML = STATUS_YML.replace("  logo_url: https://example.com/logo.png\n", "")
PAST_OUTAGES = [  # days ago, component, state, hours
    (83, "API", "degraded_performance", 2),
    (61, "Email delivery", "partial_outage", 4),
    (44, "Payments", "partial_outage", 5),
    (23, "API", "major_outage", 1),
    (9, "Dashboard", "degraded_performance", 3),
]


async def seed_quarter(core: Core) -> None:
    """Four months of history with a few past outages, an open incident, maintenance ahead."""
    service, clock = core.service, core.clock
    clock.now = NOW - timedelta(days=120)
    await service.tick()
    for days, component, state, hours in PAST_OUTAGES:
        clock.now = NOW - timedelta(days=days, hours=4)
        made = await service.publish(
            None,
            title=f"{component}: {state.replace('_', ' ')}",
            status="investigating",
            message="We are looking into it.",
            components={component: state},
            by="U0ALICE",
        )
        clock.advance(hours=hours)
        await service.publish(
            None,
            public_id=made.public_incident_id,
            title="",
            status="resolved",
            message="Resolved.",
            components={},
            by="U0ALICE",
        )
    incident = add_incident(core.engine, title="internal: checkout 502s from pool exhaustion")
    clock.now = NOW - timedelta(minutes=50)
    await service.publish(
        incident,
        title="Elevated checkout errors",
        status="investigating",
        message="Some card payments fail. We are investigating.",
        components={"API": "partial_outage", "Payments": "partial_outage"},
        by="U0ALICE",
    )
    clock.now = NOW - timedelta(minutes=10)
    await service.publish(
        incident,
        title="",
        status="identified",
        message="A database connection limit was reached; we are raising it now.",
        components={"API": "degraded_performance"},
        by="U0ALICE",
    )
    await service.add_maintenance(
        "Database failover drill",
        "Writes may pause for up to a minute.",
        ["API", "Payments"],
        NOW + timedelta(days=1, hours=-2),
        NOW + timedelta(days=1),
        "cli",
    )
    clock.now = NOW


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[Site]:
    with serve_site(engine, tmp_path, BROWSER_YML) as served:
        asyncio.run(seed_quarter(served.core))
        yield served


def screenshot(url: str, profile: Path, shot: Path) -> None:
    """chromium's own --screenshot of `url` at 1200x1600."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *(["--no-sandbox"] if os.geteuid() == 0 else []),
        f"--screenshot={shot}",
        "--window-size=1200,1600",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


@dataclass(frozen=True)
class Seen:
    """What a visitor reads on the page."""

    overall: list[str]
    components: dict[str, str]
    incidents: list[str]
    maintenance: list[str]
    uptime: list[str]
    bars: int


def what_a_visitor_sees(dom: str) -> Seen:
    tree = lxml.html.fromstring(dom)

    def texts(xpath: str) -> list[str]:
        return [" ".join(node.text_content().split()) for node in tree.xpath(xpath)]

    return Seen(
        overall=texts("//*[@id='overall']"),
        components=dict(
            zip(
                texts("//div[contains(@class,'component')]//strong[@class='name']"),
                texts("//div[contains(@class,'component')]/span[@class='state']"),
                strict=True,
            )
        ),
        incidents=texts("//article[contains(@class,'incident')]"),
        maintenance=texts("//article[contains(@class,'maintenance')]/h3"),
        uptime=texts("//span[@class='uptime']"),
        bars=sum(len(days_drawn(bars)) for bars in tree.xpath("//div[@class='bars']")),
    )


PROBE = (
    "data:text/html,<p id=probe>off</p>"
    "<script>document.getElementById('probe').textContent = 'on'</script>"
)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_visitor_sees_the_state_and_the_latest_public_message(
    site: Site, tmp_path: Path, javascript: bool
) -> None:
    assert CHROMIUM is not None
    with Chromium(CHROMIUM, tmp_path / "profile", javascript=javascript) as browser:
        # The browser runs scripts exactly when it should: the rest proves the page needs none.
        probe = lxml.html.fromstring(browser.load(PROBE).html)
        assert probe.get_element_by_id("probe").text == ("on" if javascript else "off")
        loaded = browser.load(f"{site.url}/status")

    seen = what_a_visitor_sees(loaded.html)
    assert seen.overall == ["Partial System Outage"]
    assert seen.components == {
        "API": "Degraded performance",
        "Dashboard": "Operational",
        "Payments": "Partial outage",
        "Email delivery": "Operational",
    }
    [incident] = seen.incidents
    assert incident.startswith("Elevated checkout errors Identified")
    assert "A database connection limit was reached; we are raising it now." in incident
    assert "We are investigating" not in incident
    assert "internal:" not in loaded.html
    assert seen.maintenance == ["Database failover drill"]
    assert seen.bars == 4 * 90
    # API: down 2 h, 1 h and the last 50 minutes of the 89 days and 12 hours shown
    assert seen.uptime[0] == "99.82% uptime"
    assert loaded.messages == []  # no error, no refused style


def test_a_screenshot_of_the_page(site: Site, tmp_path: Path) -> None:
    shot = tmp_path / "status-page.png"
    screenshot(f"{site.url}/status", tmp_path / "profile", shot)

    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1200, 1600)
    if os.environ.get("WARROOM_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
