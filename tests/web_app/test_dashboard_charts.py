"""The dashboard's charts as images of their own, through the whole app over HTTP on SQLite and
PostgreSQL: the page links three SVG images carrying its query (and inlines no drawing); each
image draws the period's figures from the ones the page just kept, as a standalone document
no script can run in; a browser asking again with its ETag gets 304; an unknown chart, a
refused query and a signed-out browser get no figure; a service name typed with markup never
comes out as markup."""

import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import urlencode

import httpx
import lxml.html
from app_site import PUBLIC_URL
from dashboard_seed import CHECKOUT, HOSTILE_SERVICE
from dashboard_stack import DASHBOARD, DashboardApp, read_dashboard
from sqlmodel import Session, select

from bot.insights.definitions import Insights
from bot.web.app.dashboard_cache import FRESH_FOR
from bot.web.app.safe_svg import ELEMENTS, SVG
from storage.models import Incident

CHARTS = f"{PUBLIC_URL}/app/insights/charts"
KEYS = ("per-week", "by-month", "severity")
TITLES = (
    "Incidents per week, by severity",
    "Time to acknowledge, mitigate and resolve, by month",
    "Severity mix",
)
AS_AN_IMAGE = {"accept": "image/avif,image/webp,image/svg+xml,image/*,*/*;q=0.8"}


def chart(
    client: httpx.Client, key: str, query: str, if_none_match: str | None = None
) -> httpx.Response:
    """One chart image, asked for as a browser asks for an image (again, with its ETag)."""
    again = {"if-none-match": if_none_match} if if_none_match is not None else {}
    return client.get(f"{CHARTS}/{key}.svg?{query}", headers={**AS_AN_IMAGE, **again})


def drawn_text(document: bytes) -> tuple[ET.Element, str]:
    """The parsed drawing and all the words written in it."""
    root = ET.fromstring(document)
    texts = (" ".join(t.itertext()) for t in root.iter(f"{{{SVG}}}text"))
    return root, " ".join(" ".join(texts).split())


def test_the_page_links_three_chart_images_carrying_its_query(site: DashboardApp) -> None:
    query = urlencode([("period", "90d"), ("severity", "sev2"), ("service", HOSTILE_SERVICE)])
    with site.signed_in() as client:
        page = client.get(f"{DASHBOARD}?{query}")
        assert page.status_code == 200
        tree = lxml.html.fromstring(page.text)
        images = tree.xpath("//section[@class='chart']/img")
        assert [image.get("src") for image in images] == [
            f"/app/insights/charts/{key}.svg?{query}" for key in KEYS
        ]
        assert [image.get("alt") for image in images] == [
            f"{title}: the table below gives its numbers" for title in TITLES
        ]
        assert {(image.get("width"), image.get("height")) for image in images} == {("720", "300")}
        # Nothing is drawn in the page any more, and its policy lets it show our images.
        assert tree.xpath("//*[local-name()='svg']") == [] and "<svg" not in page.text
        assert "img-src 'self'" in page.headers["content-security-policy"]
        assert "<b>eu</b>" not in page.text  # the service typed with markup, escaped in the src
        for image in images:
            answer = client.get(f"{PUBLIC_URL}{image.get('src')}", headers=AS_AN_IMAGE)
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "image/svg+xml; charset=utf-8"


def test_each_chart_draws_the_periods_figures_as_a_standalone_svg(site: DashboardApp) -> None:
    expected = site.trend("90d").current
    with site.signed_in() as client:
        client.get(DASHBOARD, params={"period": "90d"})
        answers = {key: chart(client, key, "period=90d") for key in KEYS}
    for key, title in zip(KEYS, TITLES, strict=True):
        answer = answers[key]
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "image/svg+xml; charset=utf-8"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["content-security-policy"] == (
            "default-src 'none'; style-src 'unsafe-inline'"
        )
        assert answer.headers["cache-control"] == (
            f"private, max-age={round(FRESH_FOR.total_seconds())}"
        )
        assert answer.headers["etag"].startswith('"')
        assert answer.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<svg ')
        root, _ = drawn_text(answer.content)
        assert root.tag == f"{{{SVG}}}svg"
        assert (root.get("width"), root.get("height"), root.get("role")) == ("720", "300", "img")
        assert root.find(f"{{{SVG}}}title").text == title  # type: ignore[union-attr]

    _, words = drawn_text(answers["per-week"].content)
    assert f"Incidents per week by severity, {expected.period.label}" in words
    assert _short_day(expected.per_week[0].key) in words and "SEV1" in words
    assert _bars(answers["per-week"].content) == _weeks_with_incidents(expected) > 0

    _, words = drawn_text(answers["by-month"].content)
    assert all(month in words for month in expected.per_month_metrics)
    assert "MTTA median" in words and "MTTR mean" in words

    _, words = drawn_text(answers["severity"].content)
    assert f"({expected.incidents} incidents)" in words
    for count in expected.by_severity:
        assert count.key.upper() in words and str(count.count) in words


def _short_day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day:%b} {day.day}"


def _bars(document: bytes) -> int:
    """The bars drawn: one path a bar, in each severity's collection."""
    root = ET.fromstring(document)
    groups = [g for g in root.iter(f"{{{SVG}}}g") if "PolyCollection" in g.get("id", "")]
    return sum(1 for g in groups for _ in g.iter(f"{{{SVG}}}path"))


def _weeks_with_incidents(insights: Insights) -> int:
    weekly = insights.per_week_by_severity.values()
    return sum(1 for counts in weekly for count in counts if count.count)


def test_a_chart_takes_the_figures_its_page_kept(site: DashboardApp) -> None:
    with site.signed_in() as client:
        page = read_dashboard(client.get(DASHBOARD, params={"period": "90d"}).text)
        # The database changes after the page: its charts still draw the figures it showed.
        with Session(site.warroom.engine) as session:
            incident = session.exec(select(Incident).where(Incident.number == 1)).one()
            incident.drill = True
            session.add(incident)
            session.commit()
        _, kept = drawn_text(chart(client, "severity", "period=90d").content)
        # A query never asked (every severity ticked) computes its figures, as its page does.
        every = "period=90d&" + "&".join(f"severity=sev{n}" for n in range(1, 5))
        _, fresh = drawn_text(chart(client, "severity", every).content)
        again = read_dashboard(client.get(f"{DASHBOARD}?{every}").text)
    assert f"({page.headlines['incidents']} incidents)" in kept
    assert int(again.headlines["incidents"]) == int(page.headlines["incidents"]) - 1
    assert f"({again.headlines['incidents']} incidents)" in fresh


def test_a_browser_asking_again_with_the_etag_gets_304(site: DashboardApp) -> None:
    with site.signed_in() as client:
        first = chart(client, "severity", "period=90d&severity=sev2&severity=sev1")
        tag = first.headers["etag"]
        for named in (tag, f"W/{tag}", f'"elsewhere", {tag}', "*"):
            again = chart(
                client, "severity", "period=90d&severity=sev2&severity=sev1", if_none_match=named
            )
            assert again.status_code == 304, named
            assert again.content == b"" and again.headers["etag"] == tag
            assert again.headers["cache-control"] == first.headers["cache-control"]
        # The same figures asked in another order are the same drawing; other figures are not.
        same = chart(client, "severity", "period=90d&severity=sev1&severity=sev2")
        other = chart(client, "severity", "period=90d&severity=sev1", if_none_match=tag)
        per_week = chart(client, "per-week", "period=90d", if_none_match=tag)
    assert first.status_code == same.status_code == other.status_code == per_week.status_code
    assert first.status_code == 200
    assert same.headers["etag"] == tag and same.content == first.content
    assert other.headers["etag"] != tag and other.content != first.content
    assert per_week.headers["etag"] != tag


REFUSED = [
    ("period=week", "unknown period 'week': use one of 7d, 30d, 90d, quarter, year."),
    ("period=7d&period=30d", "give one period, not 2: one of 7d, 30d, 90d, quarter, year."),
    ("severity=sev9", "unknown severity 'sev9': use sev1, sev2, sev3, sev4."),
    (
        urlencode({"service": "<script>alert(1)</script>"}),
        f"unknown service '<script>alert(1)</script>': the services are {CHECKOUT}, "
        f"{HOSTILE_SERVICE}.",
    ),
    ("colour=red", "unknown parameter 'colour': the dashboard takes period, severity, service."),
]


def test_an_unknown_chart_is_404_and_a_refused_query_400_in_one_line(site: DashboardApp) -> None:
    with site.signed_in() as client:
        unknown = chart(client, "pie", "period=90d")
        refused = [(chart(client, "severity", query), said) for query, said in REFUSED]
        not_svg = client.get(f"{CHARTS}/severity.png?period=90d")
    assert unknown.status_code == 404
    assert unknown.text == "unknown chart: the charts are per-week, by-month, severity."
    assert not_svg.status_code == 404
    for answer in [unknown, *(answer for answer, _ in refused)]:
        assert answer.headers["content-type"] == "text/plain; charset=utf-8"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "\n" not in answer.text and "<svg" not in answer.text
    for answer, said in refused:
        assert answer.status_code == 400, said
        assert answer.text == said


def test_nobody_signed_in_gets_no_chart(site: DashboardApp) -> None:
    with site.browser() as client:
        page_like = client.get(f"{CHARTS}/severity.svg?period=90d")
        image = chart(client, "severity", "period=90d")
        # An ETag learnt elsewhere reveals nothing either.
        guessed = chart(client, "severity", "period=90d", if_none_match="*")
    assert page_like.status_code == 303
    assert page_like.headers["location"].startswith(
        "/app/auth/login?next=/app/insights/charts/severity.svg"
    )
    assert image.status_code == guessed.status_code == 401
    assert image.json()["error"] == "unauthorized"
    for answer in (page_like, image, guessed):
        assert "<svg" not in answer.text and "SEV1" not in answer.text


def test_a_service_typed_with_markup_never_comes_out_as_markup(site: DashboardApp) -> None:
    query = urlencode({"period": "90d", "service": HOSTILE_SERVICE})
    with site.signed_in() as client:
        answers = [chart(client, key, query) for key in KEYS]
    for answer in answers:
        assert answer.status_code == 200
        root = ET.fromstring(answer.content)
        names = {element.tag for element in root.iter()}
        assert all(name.startswith(f"{{{SVG}}}") for name in names)
        assert {name.removeprefix(f"{{{SVG}}}") for name in names} <= ELEMENTS
        assert b"<b>" not in answer.content and b"<script" not in answer.content
