"""The insights dashboard through the whole app over HTTP, signed in with the sandbox's Sign in
with Slack, on SQLite and PostgreSQL: the figures shown are the insights service's, to the
second, for every period; filters narrow them; drills never count; bad queries get a 400 page
saying what is accepted; nobody signed in gets any figure."""

from app_site import PUBLIC_URL
from dashboard_seed import CHECKOUT, HOSTILE_SERVICE
from dashboard_stack import DASHBOARD, DashboardApp, Shown, read_dashboard
from sqlmodel import Session, select

from bot.insights.definitions import Count, Filters, Insights, MetricName, Trend
from bot.kernel.timing import figure_duration as duration
from storage.enums import Severity
from storage.models import Incident


def test_the_figures_shown_are_the_services_to_the_second(site: DashboardApp) -> None:
    with site.signed_in() as client:
        for period in ("7d", "30d", "90d", "quarter", "year"):
            page = client.get(DASHBOARD, params={"period": period})
            assert page.status_code == 200
            check_figures(read_dashboard(page.text), site.trend(period))


def check_figures(shown: Shown, trend: Trend) -> None:
    """Every figure on the page is the service's."""
    now = trend.current

    assert shown.headlines["incidents"] == str(now.incidents)
    assert shown.drills == now.drills
    for name in MetricName:
        spread = now.metrics[name]
        assert shown.metrics[name.value] == (spread.n, spread.mean_s, spread.median_s, spread.p90_s)
    for name in (MetricName.MTTA, MetricName.MTTI, MetricName.MTTM, MetricName.MTTR):
        assert shown.headlines[name.value] == duration(now.metrics[name].median_s)
    assert shown.tables["table-per-week"] == [
        [week.key, str(week.count), *(str(c.count) for c in _by_severity(now, week.key))]
        for week in now.per_week
    ]
    services = sorted(now.services, key=lambda s: (-s.incidents, s.service))
    assert [row[:2] for row in shown.tables["table-mtbf"] if len(row) == 4] == [
        [s.service, str(s.incidents)] for s in services
    ]
    assert [row[3] for row in shown.tables["table-mtbf"] if len(row) == 4] == [
        duration(s.mtbf_s) for s in services
    ]
    assert sorted(row[1:3] for row in shown.tables["table-people"] if len(row) == 4) == sorted(
        [str(p.pages), str(p.off_hours_pages)] for p in now.people
    )
    assert list(shown.charts) == [
        "Incidents per week, by severity",
        "Time to acknowledge, mitigate and resolve, by month",
        "Severity mix",
    ]


def _by_severity(insights: Insights, week: str) -> list[Count]:
    return [
        next(
            (c for c in insights.per_week_by_severity.get(s.value, ()) if c.key == week),
            Count(week, 0),
        )
        for s in Severity
    ]


def test_the_seeded_incidents_are_counted_and_drills_never_are(site: DashboardApp) -> None:
    in_90_days = [s for s in site.seeded if s.days_ago < 90]
    with site.signed_in() as client:
        shown = read_dashboard(client.get(DASHBOARD, params={"period": "90d"}).text)

        assert shown.headlines["incidents"] == str(sum(not s.drill for s in in_90_days))
        assert shown.drills == sum(s.drill for s in in_90_days) == 2
        assert "2 drills left out" in shown.text
        # Marking one more a drill takes it out of every figure (a query not yet shown).
        with Session(site.warroom.engine) as session:
            incident = session.exec(select(Incident).where(Incident.number == 1)).one()
            incident.drill = True
            session.add(incident)
            session.commit()
        again = read_dashboard(
            client.get(DASHBOARD, params={"period": "90d", "severity": "sev1"}).text
        )
    sev1 = [s for s in in_90_days if s.severity == Severity.SEV1]
    assert again.headlines["incidents"] == str(sum(not s.drill for s in sev1) - 1)
    assert again.drills == sum(s.drill for s in sev1) + 1


def test_filters_narrow_the_figures(site: DashboardApp) -> None:
    in_90_days = [s for s in site.seeded if s.days_ago < 90 and not s.drill]
    cases = [
        ({"severity": ["sev1", "sev2"]}, [s for s in in_90_days if s.severity in ("sev1", "sev2")]),
        ({"service": CHECKOUT}, [s for s in in_90_days if CHECKOUT in s.services]),
        ({"service": HOSTILE_SERVICE}, [s for s in in_90_days if HOSTILE_SERVICE in s.services]),
        (
            {"severity": "sev2", "service": CHECKOUT},
            [s for s in in_90_days if s.severity == "sev2" and CHECKOUT in s.services],
        ),
    ]
    with site.signed_in() as client:
        for params, expected in cases:
            page = client.get(DASHBOARD, params={"period": "90d", **params})
            shown = read_dashboard(page.text)
            assert shown.headlines["incidents"] == str(len(expected)), params
            filters = Filters(
                severities=tuple(Severity(v) for v in _listed(params.get("severity"))),
                services=tuple(_listed(params.get("service"))),
            )
            assert shown.headlines["incidents"] == str(site.trend("90d", filters).current.incidents)
            assert 0 < len(expected) < len(in_90_days)
            # The form shows the choice made, and a service typed with markup stays text.
            assert "<b>eu</b>" not in page.text
            assert "search &lt;b&gt;eu&lt;/b&gt; &amp; &#34;beta&#34;" in page.text


def _listed(value: str | list[str] | None) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else value


REFUSED = [
    ("period=week", "unknown period 'week': use one of 7d, 30d, 90d, quarter, year"),
    ("period=7d&period=30d", "give one period, not 2"),
    ("severity=sev9", "unknown severity 'sev9': use sev1, sev2, sev3, sev4"),
    ("service=nowhere", "unknown service 'nowhere': the services are checkout, search &lt;b&gt;"),
    ("colour=red", "unknown parameter 'colour': the dashboard takes period, severity, service"),
]


def test_a_bad_query_gets_a_400_page_saying_what_is_accepted(site: DashboardApp) -> None:
    with site.signed_in() as client:
        for query, said in REFUSED:
            page = client.get(f"{DASHBOARD}?{query}")
            assert page.status_code == 400, query
            assert said.replace("'", "&#39;") in page.text, page.text[-800:]
            assert "table-metrics" not in page.text


def test_nobody_signed_in_gets_no_figure(site: DashboardApp) -> None:
    with site.browser() as client:
        page = client.get(DASHBOARD, params={"period": "90d"})
        assert page.status_code == 303
        assert page.headers["location"].startswith("/app/auth/login?next=/app/insights")
        program = client.get(DASHBOARD, headers={"accept": "application/json"})
        assert program.status_code == 401
        assert program.json()["error"] == "unauthorized"
        home = client.get(f"{PUBLIC_URL}/app/", follow_redirects=False)
        assert home.status_code in (303, 307) and "Incidents" not in home.text
    for text in (page.text, program.text):
        assert "checkout" not in text and "MTTA" not in text
    # Signed in, the app's home is the dashboard.
    with site.signed_in() as client:
        home = client.get(f"{PUBLIC_URL}/app/", follow_redirects=True)
    assert str(home.url) == DASHBOARD
    assert "Headline numbers" in home.text
