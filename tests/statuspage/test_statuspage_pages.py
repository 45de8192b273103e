"""The public pages over real HTTP on SQLite and PostgreSQL: what a visitor reads on /status,
an incident's page, the history, the Atom feed (read by feedparser), the Statuspage-shaped
summary (checked against its schema), ETag and 304 on every page, and nothing unpublished."""

import json
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import jsonschema
import lxml.html
import pytest
from sqlalchemy.engine import Engine
from statuspage_core import NOW, add_incident
from statuspage_site import PUBLIC_URL, Seeded, Site, days_drawn, seed, serve_site

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "statuspage" / "summary.schema.json").read_text()
)
PAGES = [
    "/status",
    "/status/incidents/1",
    "/status/history",
    "/status/feed.atom",
    "/status/api/v2/summary.json",
    "/status/api/v2/status.json",
]


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[Site]:
    with serve_site(engine, tmp_path) as served:
        yield served


@pytest.fixture
def seeded(site: Site) -> Seeded:
    return site.run(seed(site.core))


def text_of(html: bytes, xpath: str) -> list[str]:
    """The visible text of each element `xpath` finds, whitespace folded."""
    tree = lxml.html.fromstring(html)
    return [" ".join(node.text_content().split()) for node in tree.xpath(xpath)]


def test_status_shows_the_state_components_incidents_and_maintenance(
    site: Site, seeded: Seeded
) -> None:
    page = site.get("/status")

    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    html = page.content
    assert text_of(html, "//*[@id='overall']") == ["Minor Service Outage"]
    assert text_of(html, "//header//a[@class='brand']") == ["Acme Status"]
    components = {
        name: state
        for name, state in zip(
            text_of(html, "//div[contains(@class,'component')]//strong[@class='name']"),
            text_of(html, "//div[contains(@class,'component')]/span[@class='state']"),
            strict=True,
        )
    }
    assert components == {
        "API": "Operational",
        "Dashboard": "Degraded performance",
        "Payments": "Operational",
        "Email delivery": "Under maintenance",
    }
    assert text_of(html, "//section[contains(@class,'group')]/h3") == ["Platform"]
    [incident] = text_of(html, "//article[contains(@class,'incident')]")
    assert "Dashboard is slow" in incident
    assert "A fix is rolling out; pages load again within the hour." in incident
    assert "take long to load" not in incident  # only the latest update
    assert "Identified" in incident
    assert "Affects: Dashboard" in incident
    maintenance = text_of(html, "//article[contains(@class,'maintenance')]/h3")
    assert maintenance == ["Mail relay upgrade", "Database failover drill"]
    headings = text_of(html, "//main/h2")
    assert headings == [
        "Active incidents",
        "Maintenance in progress",
        "Scheduled maintenance",
        "Components",
    ]
    assert "Card payments failing" not in page.text  # resolved: in the history only


def test_uptime_bars_show_each_days_worst_state(site: Site, seeded: Seeded) -> None:
    html = site.get("/status").content
    tree = lxml.html.fromstring(html)
    [api_bars] = tree.xpath("//div[@id='component-1']/following-sibling::div[@class='bars'][1]")
    days = days_drawn(api_bars)

    assert len(days) == 90
    assert days[-4:] == ["operational", "major_outage", "operational", "operational"]
    assert set(days[:-4]) == {"none"}  # before the history began
    [outage] = api_bars.xpath(".//rect")
    assert outage.findtext("title") == "2 Dec 2026: 87.50% up, major outage"
    assert " ".join(api_bars.xpath(".//span[@class='uptime']")[0].text.split()) == (
        "95.83% uptime"  # 3 hours down of the 72 known
    )


def test_an_incident_page_shows_every_update_newest_first(site: Site, seeded: Seeded) -> None:
    page = site.get(f"/status/incidents/{seeded.checkout}")

    assert page.status_code == 200
    updates = text_of(page.content, "//ol[@class='updates']/li")
    assert [u.split(" UTC ", 1)[1] for u in updates] == [
        "Payments work again.",
        "Card payments fail for some customers.",
    ]
    assert updates[0].startswith("Resolved 2 Dec 2026, 15:00 UTC")
    assert text_of(page.content, "//h1") == ["Card payments failing"]


def test_unknown_and_malformed_addresses_are_refused_plainly(site: Site, seeded: Seeded) -> None:
    missing = site.get("/status/incidents/999")
    assert missing.status_code == 404
    assert text_of(missing.content, "//main//p[@class='card']") == [
        "No incident 999 was published here."
    ]
    for path, reason in [
        ("/status/incidents/abc", "'abc' is not an incident number"),
        ("/status/incidents/0", "'0' is not an incident number"),
        ("/status/history?page=x", "page 'x' is not a page number (1, 2, …)"),
        ("/status/history?page=0", "page '0' is not a page number (1, 2, …)"),
    ]:
        refused = site.get(path)
        assert refused.status_code == 400, path
        assert refused.json() == {"ok": False, "error": "bad_request", "reason": reason}


def test_history_lists_every_public_incident_a_page_at_a_time(site: Site) -> None:
    for number in range(1, 24):
        site.run(
            site.core.service.publish(
                None,
                title=f"Incident number {number}",
                status="resolved",
                message=f"Over: {number}.",
                components={},
                by="U0ALICE",
            )
        )
    first, second = site.get("/status/history"), site.get("/status/history?page=2")

    titles = text_of(first.content, "//article/h2")
    assert titles[:2] == ["Incident number 23", "Incident number 22"] and len(titles) == 20
    assert text_of(second.content, "//article/h2") == [
        "Incident number 3",
        "Incident number 2",
        "Incident number 1",
    ]
    assert text_of(first.content, "//nav[@class='pager']//a") == ["Older"]
    assert text_of(second.content, "//nav[@class='pager']//a") == ["Newer"]
    assert site.get("/status/history?page=7").status_code == 200  # past the end: the last page


def test_the_atom_feed_reads_in_a_feed_reader(site: Site, seeded: Seeded) -> None:
    response = site.get("/status/feed.atom")
    feed = feedparser.parse(response.content)

    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Acme Status: status"
    titles = [entry.title for entry in feed.entries]
    assert titles == [  # the newest change first
        "Maintenance: Mail relay upgrade (In progress)",
        "Dashboard is slow (Identified)",
        "Maintenance: Database failover drill (Scheduled)",
        "Card payments failing (Resolved)",
    ]
    dashboard = feed.entries[1]
    assert dashboard.link == f"{PUBLIC_URL}/status/incidents/{seeded.dashboard}"
    assert dashboard.content[0].value.startswith(
        "Identified, 4 Dec 2026, 11:00 UTC\nA fix is rolling out"
    )


def test_the_summary_has_statuspages_shape(site: Site, seeded: Seeded) -> None:
    response = site.get("/status/api/v2/summary.json")
    summary = response.json()

    jsonschema.Draft202012Validator(SCHEMA).validate(summary)
    assert response.headers["access-control-allow-origin"] == "*"
    assert summary["status"] == {"indicator": "minor", "description": "Minor Service Outage"}
    assert summary["page"]["name"] == "Acme Status"
    assert summary["page"]["url"] == f"{PUBLIC_URL}/status"
    names = [(c["name"], c["status"], c.get("group")) for c in summary["components"]]
    assert names == [
        ("Platform", "degraded_performance", True),
        ("API", "operational", False),
        ("Dashboard", "degraded_performance", False),
        ("Payments", "operational", False),
        ("Email delivery", "under_maintenance", False),
    ]
    [incident] = summary["incidents"]
    assert (incident["name"], incident["status"], incident["impact"]) == (
        "Dashboard is slow",
        "identified",
        "minor",
    )
    assert [u["body"] for u in incident["incident_updates"]] == [
        "A fix is rolling out; pages load again within the hour.",
        "Dashboard pages take long to load.",
    ]
    assert [(m["name"], m["status"]) for m in summary["scheduled_maintenances"]] == [
        ("Mail relay upgrade", "in_progress"),
        ("Database failover drill", "scheduled"),
    ]
    status = site.get("/status/api/v2/status.json").json()
    assert status == {"page": summary["page"], "status": summary["status"]}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_304_while_nothing_changed(
    site: Site, seeded: Seeded, path: str
) -> None:
    first = site.get(path)
    etag = first.headers["etag"]

    again = site.get(path, **{"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert site.get(path, **{"if-none-match": f'"other", W/{etag}'}).status_code == 304
    assert site.get(path, **{"if-none-match": '"other"'}).status_code == 200
    head = httpx.head(f"{site.url}{path}", headers={"if-none-match": etag}, timeout=30)
    assert head.status_code == 304 and head.headers["etag"] == etag
    plain = site.get(path, **{"accept-encoding": "identity"})
    assert plain.headers["etag"] != etag and "content-encoding" not in plain.headers
    assert plain.content == first.content

    site.run(
        site.core.service.publish(
            None,
            public_id=seeded.checkout,
            title="",
            status="monitoring",
            message="Watching payments again.",
            components={"Payments": "degraded_performance"},
            by="U0ALICE",
        )
    )
    changed = site.get(path, **{"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_html_pages_forbid_scripts_and_framing(site: Site, seeded: Seeded) -> None:
    policy = site.get("/status").headers["content-security-policy"]

    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # none allowed: default-src 'none' covers scripts
    assert "frame-ancestors 'none'" in policy
    assert f"form-action 'self' {PUBLIC_URL}" in policy
    assert site.get("/status").headers["x-content-type-options"] == "nosniff"


def test_an_unpublished_private_incident_appears_nowhere(site: Site, seeded: Seeded) -> None:
    add_incident(site.core.engine, title="Secret breach of the vault", private=True, number=3)

    for path in [*PAGES, f"/status/incidents/{seeded.dashboard}", "/status/incidents/3"]:
        body = site.get(path).text
        assert "Secret breach" not in body, path
        assert "db primary is on fire" not in body, path  # internal summaries neither
        assert "internal: dash pods OOM" not in body, path  # nor internal titles
    assert site.get("/status/incidents/3").status_code == 404


def test_an_empty_page_says_all_is_well(site: Site) -> None:
    page = site.get("/status")
    summary = site.get("/status/api/v2/summary.json").json()

    assert text_of(page.content, "//*[@id='overall']") == ["All Systems Operational"]
    jsonschema.Draft202012Validator(SCHEMA).validate(summary)
    assert summary["incidents"] == [] and summary["scheduled_maintenances"] == []
    assert summary["page"]["updated_at"] == NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert not feedparser.parse(site.get("/status/feed.atom").content).bozo
