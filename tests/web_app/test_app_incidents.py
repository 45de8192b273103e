"""The incident list and the incident page of /app, signed in through a real provider, on SQLite
and PostgreSQL."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from app_site import PUBLIC_URL, REDIRECT_URI, add_history, add_incident, app_config, serve_app
from servers.oidc_provider import OidcProvider, OidcUser, sign_in, start_oidc_provider
from sqlalchemy.engine import Engine

from storage.enums import Severity, Status

ANN = OidcUser("ann@example.com", "Ann", "Allowed")
POSTMORTEM = """# Postmortem: payments outage

## What happened
The **deploy** of `v2.3` broke card payments.

<script>alert("typed by a person")</script>

- [runbook](https://runbooks.example.com/payments)
- [bad link](javascript:alert(1))
"""


@pytest.fixture(scope="module")
def okta() -> Iterator[OidcProvider]:
    """One provider for the module, knowing Ann."""
    with start_oidc_provider([REDIRECT_URI], [ANN]) as provider:
        yield provider


@pytest.fixture
def client(engine: Engine, okta: OidcProvider) -> Iterator[httpx.Client]:
    """A browser signed in as Ann to /app on the test's database."""
    config = app_config(okta.issuer, okta.client_id, okta.client_secret)
    with serve_app(engine, config) as site, site.browser() as browser:
        assert sign_in(browser, f"{PUBLIC_URL}/app/incidents", ANN.email).status_code == 200
        yield browser


def listed(page: httpx.Response) -> list[int]:
    """The incident numbers in the list's table, top to bottom."""
    assert page.status_code == 200, page.text
    body = page.text.split("<tbody>", 1)[1] if "<tbody>" in page.text else ""
    return [int(n) for n in re.findall(r'<td><a href="/app/incidents/(\d+)">\1</a></td>', body)]


def test_the_list_searches_filters_and_pages_newest_first(
    engine: Engine, client: httpx.Client
) -> None:
    now = datetime.now(UTC)
    add_incident(
        engine,
        1,
        "Database failover stuck",
        severity=Severity.SEV1,
        status=Status.RESOLVED,
        services=["db"],
        declared_at=now - timedelta(days=40),
    )
    add_incident(
        engine,
        2,
        "Checkout latency high",
        severity=Severity.SEV2,
        services=["checkout", "api"],
        declared_at=now - timedelta(days=3),
    )
    add_incident(
        engine,
        3,
        "Checkout 100% errors",
        severity=Severity.SEV1,
        status=Status.MITIGATED,
        services=["checkout"],
        declared_at=now - timedelta(hours=2),
    )
    for n in range(4, 31):
        add_incident(
            engine,
            n,
            f"Flaky test alert {n}",
            severity=Severity.SEV4,
            services=["ci_runner"],
            declared_at=now - timedelta(days=60, minutes=n),
        )
    url = f"{PUBLIC_URL}/app/incidents"
    first = client.get(url)
    assert listed(first)[:3] == [3, 2, 1]
    assert len(listed(first)) == 25 and "page 1 of 2" in first.text
    second = client.get(f"{url}?page=2")
    assert listed(second) == [26, 27, 28, 29, 30]
    assert listed(client.get(url, params={"q": "checkout"})) == [3, 2]
    assert listed(client.get(url, params={"q": "#2"})) == [2]
    assert listed(client.get(url, params={"q": "100%"})) == [3]
    assert listed(client.get(url, params={"q": "ci_"})) == []
    assert listed(client.get(url, params={"severity": "sev1"})) == [3, 1]
    assert listed(client.get(url, params=[("status", "mitigated"), ("status", "resolved")])) == [
        3,
        1,
    ]
    assert listed(client.get(url, params={"service": "checkout"})) == [3, 2]
    assert listed(client.get(url, params={"service": "ci"})) == []
    assert listed(client.get(url, params={"period": "7d"})) == [3, 2]
    assert listed(client.get(url, params={"period": "90d", "severity": "sev1"})) == [3, 1]
    paged = client.get(url, params={"severity": "sev4", "page": "2"})
    assert listed(paged) == [29, 30]
    assert 'href="/app/incidents?severity=sev4&amp;page=1"' in paged.text


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"period": "5y"}, "period must be one of"),
        ({"severity": "sev9"}, "severity must be among"),
        ({"status": "gone"}, "status must be among"),
        ({"page": "0"}, "page must be a whole number"),
        ({"q": "x" * 201}, "longer than 200"),
    ],
    ids=["period", "severity", "status", "page", "search"],
)
def test_a_query_that_cannot_be_read_gets_a_400_page(
    client: httpx.Client, query: dict[str, str], said: str
) -> None:
    page = client.get(f"{PUBLIC_URL}/app/incidents", params=query)
    assert page.status_code == 400
    assert said in page.text


def test_the_incident_page_shows_roles_times_timeline_actions_and_postmortem(
    engine: Engine, client: httpx.Client
) -> None:
    incident = add_incident(
        engine,
        7,
        "Card payments failing",
        severity=Severity.SEV1,
        status=Status.RESOLVED,
        private=True,
        summary="Cards declined at checkout",
        resolved_at=datetime.now(UTC) - timedelta(minutes=30),
    )
    add_history(engine, incident, POSTMORTEM)
    page = client.get(f"{PUBLIC_URL}/app/incidents/7")
    assert page.status_code == 200
    text = page.text
    assert "#7 Card payments failing" in text
    assert '<span class="badge private"' in text
    assert "SEV1" in text and "Resolved" in text
    assert "<dt>Commander</dt><dd>Bob Builder</dd>" in text
    for moment in (
        "Impact started",
        "Declared",
        "Acknowledged",
        "Identified",
        "Mitigated",
        "Resolved",
    ):
        assert f'<th scope="row">{moment}</th>' in text
    assert "Rolled back the deploy, asked @Bob Builder to watch" in text
    assert "Status: mitigated" in text
    assert "Add a canary" in text
    # The postmortem is rendered from Markdown; what a person typed never becomes markup.
    assert "<h1>Postmortem: payments outage</h1>" in text
    assert "<strong>deploy</strong>" in text and "<code>v2.3</code>" in text
    assert '<a href="https://runbooks.example.com/payments">runbook</a>' in text
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&quot;typed by a person&quot;)&lt;/script&gt;" in text
    assert 'href="javascript:' not in text


def test_an_unknown_incident_is_a_404_page(client: httpx.Client) -> None:
    for number in ("999", "abc", "1" * 30):
        page = client.get(f"{PUBLIC_URL}/app/incidents/{number}")
        assert page.status_code == 404
        assert "No such incident" in page.text
