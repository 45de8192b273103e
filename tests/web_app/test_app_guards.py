"""What guards /app once someone is signed in: CSRF tokens on every unsafe request, a cookie
that cannot be forged or altered, a bounded session; and /app off until configured."""

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from app_site import PUBLIC_URL, REDIRECT_URI, SECRET, add_incident, app_config, serve_app
from fastapi import APIRouter, Request, Response
from itsdangerous import TimestampSigner
from servers.oidc_provider import OidcProvider, OidcUser, sign_in, start_oidc_provider
from sqlalchemy.engine import Engine

from bot.web.app import AppSection, SignedIn, read_form, render_page
from bot.web.app.session import LIFETIME

ANN = OidcUser("ann@example.com", "Ann", "Allowed")
TITLE = "Search results empty for every query"


@pytest.fixture(scope="module")
def okta() -> Iterator[OidcProvider]:
    """One provider for the module, knowing Ann."""
    with start_oidc_provider([REDIRECT_URI], [ANN]) as provider:
        yield provider


def notes_section(received: list[str]) -> AppSection:
    """A section with a form that changes state (as another module's would)."""
    router = APIRouter()

    @router.get("/notes")
    async def notes(request: Request, viewer: SignedIn) -> Response:
        return render_page(
            request, "app/message.html.j2", {"title": "Notes", "message": viewer.email}
        )

    @router.get("/broken")
    async def broken() -> Response:
        raise RuntimeError("a bug in a section, with internal details")

    @router.post("/notes")
    async def add_note(request: Request) -> Response:
        received.extend((await read_form(request)).get("note", []))
        return Response(status_code=204)

    return AppSection(router, "Notes", "/notes")


def token_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "no CSRF field on the page"
    return found.group(1)


def test_every_post_needs_the_sessions_csrf_token(engine: Engine, okta: OidcProvider) -> None:
    received: list[str] = []
    config = app_config(okta.issuer, okta.client_id, okta.client_secret)
    with serve_app(engine, config, sections=[notes_section(received)]) as site:
        with site.browser() as client:
            page = sign_in(client, f"{PUBLIC_URL}/app/notes", ANN.email)
            assert page.status_code == 200 and "ann@example.com" in page.text
            token = token_of(page)
            url = f"{PUBLIC_URL}/app/notes"
            missing = client.post(url, data={"note": "no token"})
            assert missing.status_code == 403
            assert "carried no CSRF token" in missing.text
            wrong = client.post(url, data={"note": "wrong", "csrf_token": token[::-1]})
            assert wrong.status_code == 403
            assert "not this session" in wrong.text
            logout = client.post(f"{PUBLIC_URL}/app/auth/logout", data={})
            assert logout.status_code == 403
            assert received == []
            ok = client.post(url, data={"note": "kept", "csrf_token": token})
            assert ok.status_code == 204
            by_header = client.post(url, data={"note": "header"}, headers={"x-csrf-token": token})
            assert by_header.status_code == 204
            assert received == ["kept", "header"]
            # Still signed in after the refusals; then signing out with the token works.
            out = client.post(
                f"{PUBLIC_URL}/app/auth/logout", data={"csrf_token": token}, follow_redirects=True
            )
            assert out.status_code == 200 and "You are signed out" in out.text
            assert client.get(url).status_code == 303
        with site.browser() as stranger:
            posted = stranger.post(
                f"{PUBLIC_URL}/app/notes", data={"note": "x", "csrf_token": token}
            )
            assert posted.status_code == 401
            assert received == ["kept", "header"]


def test_an_altered_or_forged_cookie_is_not_a_session(engine: Engine, okta: OidcProvider) -> None:
    add_incident(engine, 1, TITLE)
    config = app_config(okta.issuer, okta.client_id, okta.client_secret)
    with serve_app(engine, config) as site, site.browser() as client:
        assert TITLE in sign_in(client, f"{PUBLIC_URL}/app/incidents", ANN.email).text
        real = client.cookies["warroom_app"]
        data, _, rest = real.partition(".")
        payload = data.replace(data[5], "A" if data[5] != "A" else "B", 1)
        forged_with_other_key = TimestampSigner("another-secret-of-32-characters-xx").sign(data)
        for value in (f"{payload}.{rest}", forged_with_other_key.decode(), real[:-2] + "xx"):
            with site.browser() as other:
                other.cookies.set("warroom_app", value, domain="warroom.test", path="/app")
                page = other.get(f"{PUBLIC_URL}/app/incidents")
                assert page.status_code == 303
                assert TITLE not in page.text
        # The genuine cookie, signed with the app's key, still works.
        assert TimestampSigner(SECRET).unsign(real)
        assert TITLE in client.get(f"{PUBLIC_URL}/app/incidents").text


def test_without_sign_in_settings_app_is_off_and_says_how_to_turn_it_on(engine: Engine) -> None:
    add_incident(engine, 1, TITLE)
    with serve_app(engine, app_config(None, None, None)) as site, site.browser() as client:
        page = client.get(f"{PUBLIC_URL}/app/incidents")
        assert page.status_code == 503
        for setting in (
            "WARROOM_OIDC_ISSUER",
            "WARROOM_OIDC_CLIENT_ID",
            "WARROOM_OIDC_CLIENT_SECRET",
        ):
            assert setting in page.text
        assert TITLE not in page.text
        program = client.get(f"{PUBLIC_URL}/app/", headers={"accept": "application/json"})
        assert program.status_code == 503 and program.json()["error"] == "app_off"


def test_without_an_allow_list_app_stays_off(engine: Engine, okta: OidcProvider) -> None:
    config = app_config(okta.issuer, okta.client_id, okta.client_secret, allowed_domains=())
    with serve_app(engine, config) as site, site.browser() as client:
        page = client.get(f"{PUBLIC_URL}/app/auth/login")
        assert page.status_code == 503
        assert "WARROOM_APP_ALLOWED_DOMAINS" in page.text
        assert "WARROOM_APP_ALLOWED_WORKSPACE" in page.text


def session_cookie(at: datetime) -> str:
    """A session cookie as the app signs it, for Ann, signed in at `at`."""
    session = {
        "viewer": {"sub": "00u1", "email": ANN.email, "name": "Ann", "workspace": None},
        "at": int(at.timestamp()),
        "csrf": "token",
    }
    data = base64.b64encode(json.dumps(session).encode())
    return TimestampSigner(SECRET).sign(data).decode()


def test_a_session_ends_twelve_hours_after_sign_in(engine: Engine, okta: OidcProvider) -> None:
    add_incident(engine, 1, TITLE)
    config = app_config(okta.issuer, okta.client_id, okta.client_secret)
    now = datetime.now(UTC)
    with serve_app(engine, config) as site:
        for signed_in, shown in ((now - timedelta(minutes=1), True), (now - LIFETIME, False)):
            with site.browser() as client:
                client.cookies.set(
                    "warroom_app", session_cookie(signed_in), domain="warroom.test", path="/app"
                )
                page = client.get(f"{PUBLIC_URL}/app/incidents")
                assert (TITLE in page.text) is shown
                assert page.status_code == (200 if shown else 303)


def test_a_failing_page_says_so_with_a_reference_and_no_details(
    engine: Engine, okta: OidcProvider
) -> None:
    config = app_config(okta.issuer, okta.client_id, okta.client_secret)
    sections = [notes_section([])]
    with serve_app(engine, config, sections=sections) as site, site.browser() as client:
        sign_in(client, f"{PUBLIC_URL}/app/notes", ANN.email)
        page = client.get(f"{PUBLIC_URL}/app/broken")
        assert page.status_code == 500
        assert "This page failed. Reference " in page.text
        assert "internal details" not in page.text and "Traceback" not in page.text
        assert "Signed in as" in page.text
        assert client.get(f"{PUBLIC_URL}/app/notes").status_code == 200
