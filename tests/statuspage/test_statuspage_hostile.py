"""Hostile text in every public field (titles, messages, maintenance, branding's neighbours)
stays text: escaped and inert in the HTML, the Atom feed and the JSON, whole at 10,000
characters, and never markup a browser, a feed reader or a page embedding the JSON would run."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import feedparser
import lxml.html
import pytest
from sqlalchemy.engine import Engine
from statuspage_core import NOW, add_incident
from statuspage_site import Site, serve_site

SCRIPT = "<script>alert('x')</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
MRKDWN = "<!channel> *bold* <https://evil.example|click> &amp; `code`"
CONTROL = "bell\x07 escape\x1b[31m nul\x00 end"
LONG = ("A" * 99 + " ") * 100  # 10,000 characters
TITLE = f"{SCRIPT}{ATTRIBUTE}"[:200]
MESSAGE = f"{SCRIPT}\n{ATTRIBUTE}\n{MRKDWN}\n{CONTROL}\n"


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[Site]:
    with serve_site(engine, tmp_path) as served:
        incident = add_incident(served.core.engine, title=SCRIPT)
        service = served.core.service
        served.run(
            service.publish(
                incident,
                title=TITLE,
                status="investigating",
                message=MESSAGE + LONG,
                components={"API": "major_outage"},
                by=ATTRIBUTE,
            )
        )
        served.run(
            service.add_maintenance(
                ATTRIBUTE,
                MRKDWN + SCRIPT,
                ["API"],
                NOW + timedelta(hours=1),
                NOW + timedelta(hours=2),
                SCRIPT,
            )
        )
        yield served


def assert_inert_html(body: bytes) -> None:
    """No element or attribute the hostile text could have made."""
    tree = lxml.html.fromstring(body)
    assert tree.xpath("//script") == []
    assert [img.get("src") for img in tree.xpath("//img")] == ["https://example.com/logo.png"]
    assert tree.xpath("//*[@onerror]") == []
    assert b"<script" not in body and b"<img src=x" not in body
    assert b"<!channel>" not in body


@pytest.mark.parametrize("path", ["/status", "/status/incidents/1", "/status/history"])
def test_html_shows_hostile_text_as_text(site: Site, path: str) -> None:
    page = site.get(path)
    assert page.status_code == 200
    assert_inert_html(page.content)
    text = lxml.html.fromstring(page.content).text_content()
    assert SCRIPT in text and ATTRIBUTE in text
    assert "&lt;script&gt;" in page.text
    if path != "/status/history":  # the history shows the first 300 characters
        assert "<!channel> *bold* <https://evil.example|click> &amp; `code`" in text
        assert "bell escape[31m nul end" in text  # control characters dropped


def test_the_whole_long_message_is_on_the_incident_page(site: Site) -> None:
    page = site.get("/status/incidents/1")
    [text] = lxml.html.fromstring(page.content).xpath("//ol[@class='updates']/li/p[@class='text']")

    assert text.text_content().endswith(LONG.strip())
    assert len(text.text_content()) > 10_000


def test_the_feed_carries_hostile_text_as_plain_text(site: Site) -> None:
    raw = site.get("/status/feed.atom").content
    feed = feedparser.parse(raw)

    assert not feed.bozo, feed.get("bozo_exception")
    assert b"<script" not in raw and b"<img" not in raw and b"<!channel>" not in raw
    incident = next(e for e in feed.entries if e.link.endswith("/incidents/1"))
    assert incident.title == f"{TITLE} (Investigating)"
    assert incident.content[0].type == "text/plain"
    assert SCRIPT in incident.content[0].value and MRKDWN in incident.content[0].value
    assert LONG.strip() in incident.content[0].value


def test_the_json_carries_hostile_text_exactly_and_no_markup(site: Site) -> None:
    response = site.get("/status/api/v2/summary.json")
    summary = response.json()

    assert b"<" not in response.content and b">" not in response.content
    [incident] = summary["incidents"]
    assert incident["name"] == TITLE
    assert incident["incident_updates"][0]["body"] == (
        f"{SCRIPT}\n{ATTRIBUTE}\n{MRKDWN}\nbell escape[31m nul end\n{LONG}".strip()
    )
    [maintenance] = summary["scheduled_maintenances"]
    assert maintenance["name"] == ATTRIBUTE
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
