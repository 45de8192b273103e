"""emulate's Okta service (npm `emulate`, tests/servers/emulate) as a real OpenID Connect
provider in a Node subprocess, and a person signing in through its user picker.

    with start_oidc_provider(redirect_uri, users=[OidcUser("ann@example.com")]) as okta:
        okta.issuer  # http://127.0.0.1:<port>/oauth2/default, discovery under it
        sign_in(client, f"{app}/app/incidents", "ann@example.com")

Its authorize page lists every seeded user as a form of hidden fields (the request's state,
nonce, PKCE challenge, redirect URI) that POSTs to `.../v1/authorize/callback`; the emulator
then redirects to the client's redirect URI with a code. Tests skip, saying how to install,
only when Node or the npm package is missing.
"""

import socket
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

from servers.emulate_process import run_emulate

CLIENT_ID = "warroom-test-client"
CLIENT_SECRET = "warroom-test-client-secret"
AUTH_SERVER = "default"


@dataclass(frozen=True)
class OidcUser:
    """A seeded person: their login (also their e-mail) and name."""

    email: str
    first_name: str = "Test"
    last_name: str = "Person"


@dataclass
class OidcProvider:
    """A running provider: its issuer and the client registered with it."""

    url: str
    process: subprocess.Popen[str]
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    @property
    def issuer(self) -> str:
        """The issuer (WARROOM_OIDC_ISSUER): its discovery document is under it."""
        return f"{self.url}/oauth2/{AUTH_SERVER}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def okta_seed(url: str, redirect_uris: Sequence[str], users: Sequence[OidcUser]) -> dict:  # type: ignore[type-arg]
    """emulate's Okta seed: its base URL, the users, one confidential client."""
    return {
        "baseUrl": url,
        "users": [
            {
                "login": user.email,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
            }
            for user in users
        ],
        "oauth_clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "name": "Warroom",
                "redirect_uris": list(redirect_uris),
                "auth_server_id": AUTH_SERVER,
            }
        ],
    }


@contextmanager
def start_oidc_provider(
    redirect_uris: Sequence[str], users: Sequence[OidcUser]
) -> Iterator[OidcProvider]:
    """Start emulate's Okta on a free port with `users` and our client, stop it at the end."""
    port = _free_port()
    # Told its own address, so the issuer it puts in tokens is the one we reach it at.
    url = f"http://127.0.0.1:{port}"
    seed = okta_seed(url, redirect_uris, users)
    with run_emulate("okta", port=port, seed=seed) as (_, process):
        yield OidcProvider(url=url, process=process)


@dataclass
class PageForm:
    """A form on a page: where it posts, its fields, the words shown in it."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    text: str = ""


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[PageForm] = []
        self._open: PageForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._open = PageForm(found.get("action", ""), found.get("method", "get").lower())
        elif tag in ("input", "button") and self._open is not None and found.get("name"):
            self._open.fields[found["name"]] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._open is not None:
            self.forms.append(self._open)
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.text += data


def forms_of(html: str) -> list[PageForm]:
    """Every form on a page."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def submit(client: httpx.Client, page: httpx.Response, form: PageForm) -> httpx.Response:
    """Submit `form` of `page` as a browser would, following redirects."""
    target = urljoin(str(page.url), form.action or str(page.url))
    if form.method == "post":
        return client.post(target, data=form.fields, follow_redirects=True)
    return client.get(target, params=form.fields, follow_redirects=True)


def pick_user(client: httpx.Client, page: httpx.Response, login: str) -> httpx.Response:
    """On a provider's user picker, choose `login` (the form showing it) and submit."""
    chosen = [f for f in forms_of(page.text) if login in f.text or login in f.fields.values()]
    assert chosen, f"{login} is not offered on {page.url}: {page.text[:500]}"
    return submit(client, page, chosen[0])


def sign_in(client: httpx.Client, url: str, login: str) -> httpx.Response:
    """Open `url` (a page of /app) signed out, pick `login` at the provider, and land back:
    the final response (the page asked for, or a refusal)."""
    picker = client.get(url, follow_redirects=True)
    return pick_user(client, picker, login)
