"""The demo's last story: alice signs in to the web app with Slack (the sandbox's Sign in with
Slack, through an ordinary HTTP client doing what a browser does) and reads the insights
dashboard the demo's incidents made.

`sign_in_with_slack` is the same walk for anything that needs a signed-in session without a
browser (the bench uses it too): open a page of `/app`, follow the redirects to the sign-in
page, press the button of the person chosen, follow the redirects back.
"""

import re
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import httpx

from bot.demo.narrator import Demo
from bot.sandbox.model import TEAM_ID
from bot.sandbox.oidc import CLIENT_ID, CLIENT_SECRET

# Where the demo's app believes it lives; the client below reaches it where it really listens.
PUBLIC_URL = "http://warroom.demo"
DASHBOARD = "/app/insights"
HEADLINES = ("incidents", "mtta", "mtti", "mttm", "mttr")


def app_settings(sandbox_url: str, public_url: str = PUBLIC_URL) -> dict[str, Any]:
    """Settings turning `/app` on, signing in the sandbox's workspace with Slack."""
    return {
        "warroom_public_url": public_url,
        "warroom_oidc_issuer": sandbox_url,
        "warroom_oidc_client_id": CLIENT_ID,
        "warroom_oidc_client_secret": CLIENT_SECRET,
        "warroom_app_allowed_workspace": TEAM_ID,
    }


class _Forms(HTMLParser):
    """Each form of a page: its action and its fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append((found.get("action", ""), {}))
        elif tag == "input" and self.forms and found.get("name"):
            self.forms[-1][1][found["name"]] = found.get("value", "")


def sign_in_with_slack(client: httpx.Client, url: str, user_id: str) -> httpx.Response:
    """Open `url` (a page of /app) signed out, choose `user_id` on Slack's sign-in page, and
    land back on `url`: the final response."""
    picker = client.get(url, follow_redirects=True)
    parser = _Forms()
    parser.feed(picker.text)
    chosen = [(action, fields) for action, fields in parser.forms if fields.get("user") == user_id]
    if not chosen:
        raise RuntimeError(f"{user_id} is not offered at {picker.url} ({picker.status_code})")
    action, fields = chosen[0]
    return client.post(urljoin(str(picker.url), action), data=fields, follow_redirects=True)


class ToApp(httpx.BaseTransport):
    """Requests for `PUBLIC_URL` go to where the app really listens (what DNS would do)."""

    def __init__(self, real_url: str) -> None:
        self.real = httpx.URL(real_url)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward to the real host and port; the Host header stays the public one."""
        url = request.url.copy_with(
            scheme=self.real.scheme, host=self.real.host, port=self.real.port
        )
        forwarded = httpx.Request(
            request.method, url, headers=request.headers, content=request.read()
        )
        return self.inner.handle_request(forwarded)

    def close(self) -> None:
        """Close the connections."""
        self.inner.close()


def show_insights(demo: Demo, app_url: str) -> None:
    """alice signs in with Slack and reads the dashboard of the last 30 days."""
    demo.say("\n━━━━━━━━ insights: the web app ━━━━━━━━")
    demo.say(
        f"▶ alice opens {PUBLIC_URL}{DASHBOARD}, is sent to Sign in with Slack (the sandbox's), "
        "picks herself and comes back signed in"
    )
    with httpx.Client(
        mounts={PUBLIC_URL: ToApp(app_url)}, headers={"accept": "text/html"}, timeout=30
    ) as client:
        page = sign_in_with_slack(client, f"{PUBLIC_URL}{DASHBOARD}?period=30d", "U0ALICE")
        if page.status_code != 200 or str(page.url) != f"{PUBLIC_URL}{DASHBOARD}?period=30d":
            raise RuntimeError(f"the dashboard answered {page.status_code} at {page.url}")
        # The images the page shows, fetched as a browser does once it has the page.
        answers = [client.get(urljoin(str(page.url), src)) for src in chart_images(page.text)]
    drawn = sum(a.status_code == 200 and _is_svg(a) for a in answers)
    for line in dashboard_lines(page.text, drawn):
        demo.say(f"  {line}")


def chart_images(html: str) -> list[str]:
    """The addresses of the chart images the dashboard page shows (as written in the page)."""
    return [unescape(src) for src in re.findall(r'<img src="(/app/insights/charts/[^"]+)"', html)]


def _is_svg(answer: httpx.Response) -> bool:
    return answer.headers.get("content-type", "").startswith("image/svg+xml")


def dashboard_lines(html: str, charts: int) -> list[str]:
    """A few lines of what the dashboard shows: the period, the headline numbers, and how many
    of its `charts` came drawn."""
    period = re.search(r'<p class="muted" id="period">(.*?)</p>', html, re.S)
    values = dict(re.findall(r'id="headline-([a-z_]+)" data-value="([^"]*)"', html))
    drills = re.search(r'<p id="drills">.*?<strong>(\d+)</strong>', html, re.S)
    version = re.search(r"definitions version (\d+)", html)
    return [
        _plain(period.group(1)) if period else "(no period shown)",
        f"Incidents {values.get('incidents', '?')} (drills left out: "
        f"{drills.group(1) if drills else '?'})",
        " · ".join(f"{key.upper()} {_plain(values.get(key, '?'))}" for key in HEADLINES[1:])
        + " (medians)",
        f"{charts} charts drawn on the server as SVG images, each with the table of its numbers; "
        f"definitions version {version.group(1) if version else '?'} on the page",
        "(`warroom run` serves it at /app/insights once sign-in is set: WARROOM_OIDC_* and an "
        "allow-list)",
    ]


def _plain(text: str) -> str:
    """Page text as a terminal shows it: no tags, entities read, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
