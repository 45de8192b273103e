"""The on-call page of /app: who is on call in each schedule and layer, and the shifts ahead,
from warroom.yml's schedules and the database's rosters and overrides."""

import re
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from app_site import PUBLIC_URL, REDIRECT_URI, app_config, serve_app
from servers.oidc_provider import OidcProvider, OidcUser, sign_in, start_oidc_provider
from sqlalchemy.engine import Engine

from bot.oncall.config import LayerDef, ScheduleDef
from bot.oncall.service import OncallService

ANN = OidcUser("ann@example.com", "Ann", "Allowed")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 1, 14, 12, 0, tzinfo=BERLIN)  # a Wednesday: Bob's week


def weekly(name: str, *users: str) -> LayerDef:
    """A layer handing off on Mondays at 09:00, Alice's week first from 5 January 2026."""
    return LayerDef(
        name=name, users=users, rotation="weekly", handoff="monday 09:00", start=date(2026, 1, 5)
    )


SRE = ScheduleDef(
    name="sre",
    timezone="Europe/Berlin",
    layers=(weekly("primary", "U0ALICE", "U0BOB"), weekly("secondary", "U0BOB", "U0ALICE")),
)
DATABASES = ScheduleDef(name="databases", timezone="Europe/Berlin", layers=(weekly("dba"),))


@pytest.fixture(scope="module")
def okta() -> Iterator[OidcProvider]:
    """One provider for the module, knowing Ann."""
    with start_oidc_provider([REDIRECT_URI], [ANN]) as provider:
        yield provider


@pytest.fixture
def client(engine: Engine, okta: OidcProvider) -> Iterator[httpx.Client]:
    """A browser signed in as Ann, times shown in Berlin's zone."""
    oncall = OncallService(engine, [SRE, DATABASES], clock=lambda: NOW)
    config = app_config(okta.issuer, okta.client_id, okta.client_secret, timezone="Europe/Berlin")
    with serve_app(engine, config, oncall=oncall) as site, site.browser() as browser:
        assert sign_in(browser, f"{PUBLIC_URL}/app/oncall", ANN.email).status_code == 200
        yield browser


def rows(section: str, layer: str) -> list[tuple[str, str, str]]:
    """(who, from, until) of a layer's table of shifts."""
    part = section.split(f"<h3>{layer}", 1)[1].split("</table>", 1)[0]
    found = re.findall(
        r"<tr><td>([^<]+)</td>\s*<td><time[^>]*>([^<]+)</time></td>\s*"
        r"<td><time[^>]*>([^<]+)</time></td>",
        part,
    )
    return [(who, start, end) for who, start, end in found]


def test_the_page_says_who_is_on_call_now_and_the_shifts_ahead_per_layer(
    client: httpx.Client,
) -> None:
    page = client.get(f"{PUBLIC_URL}/app/oncall")
    assert page.status_code == 200
    sre = page.text.split("<h2>sre</h2>", 1)[1].split("</section>", 1)[0]
    # The later layer wins: Alice holds the secondary this week.
    assert "On call now: <strong>Alice Admin</strong>" in sre
    assert "until <time" in sre and "19 Jan 2026, 09:00 CET</time>, then Bob Builder." in sre
    assert "<h3>primary · now Bob Builder</h3>" in sre
    assert "<h3>secondary · now Alice Admin</h3>" in sre
    assert rows(sre, "primary") == [
        ("Bob Builder", "14 Jan 2026, 12:00 CET", "19 Jan 2026, 09:00 CET"),
        ("Alice Admin", "19 Jan 2026, 09:00 CET", "26 Jan 2026, 09:00 CET"),
        ("Bob Builder", "26 Jan 2026, 09:00 CET", "28 Jan 2026, 12:00 CET"),
    ]
    databases = page.text.split("<h2>databases</h2>", 1)[1].split("</section>", 1)[0]
    assert "Nobody is on call now" in databases
    assert "No shifts in the next 2 weeks." in databases


def test_weeks_ahead_is_chosen_and_checked(client: httpx.Client) -> None:
    page = client.get(f"{PUBLIC_URL}/app/oncall", params={"weeks": "1"})
    sre = page.text.split("<h2>sre</h2>", 1)[1]
    assert [who for who, _, _ in rows(sre, "primary")] == ["Bob Builder", "Alice Admin"]
    for bad in ("0", "9", "two"):
        refused = client.get(f"{PUBLIC_URL}/app/oncall", params={"weeks": bad})
        assert refused.status_code == 400 and "weeks must be 1 to 8" in refused.text
