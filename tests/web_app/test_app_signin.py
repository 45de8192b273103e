"""Signing in to /app against a real OpenID Connect provider (emulate's Okta) over real HTTP:
an allowed person sees the incidents; nobody else gets any of them."""

from collections.abc import Iterator

import httpx
import pytest
from app_site import PUBLIC_URL, REDIRECT_URI, add_incident, app_config, serve_app
from servers.oidc_provider import OidcProvider, OidcUser, forms_of, sign_in, start_oidc_provider
from sqlalchemy.engine import Engine

ANN = OidcUser("ann@example.com", "Ann", "Allowed")
EVE = OidcUser("eve@elsewhere.test", "Eve", "Outsider")
TITLE = "Checkout returns 502 for card payments"


@pytest.fixture(scope="module")
def okta() -> Iterator[OidcProvider]:
    """One provider for the module, knowing Ann (example.com) and Eve (elsewhere)."""
    with start_oidc_provider([REDIRECT_URI], [ANN, EVE]) as provider:
        yield provider


def config_for(okta: OidcProvider, **more: object) -> object:
    return app_config(okta.issuer, okta.client_id, okta.client_secret, **more)


def test_an_allowed_person_signs_in_and_sees_the_incident_list(
    engine: Engine, okta: OidcProvider
) -> None:
    add_incident(engine, 1, TITLE)
    with serve_app(engine, config_for(okta)) as site, site.browser() as client:
        page = sign_in(client, f"{PUBLIC_URL}/app/incidents", ANN.email)
        assert page.status_code == 200
        assert str(page.url) == f"{PUBLIC_URL}/app/incidents"
        assert TITLE in page.text
        assert "Signed in as <strong>Ann Allowed</strong>" in page.text
        cookie = next(
            h for h in page.history[-1].headers.get_list("set-cookie") if "warroom_app=" in h
        )
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        assert "path=/app" in cookie.lower()
        # The same browser stays signed in.
        again = client.get(f"{PUBLIC_URL}/app/incidents/1")
        assert again.status_code == 200 and TITLE in again.text


def test_nobody_signed_in_gets_no_incident(engine: Engine, okta: OidcProvider) -> None:
    add_incident(engine, 1, TITLE)
    with serve_app(engine, config_for(okta)) as site, site.browser() as client:
        for path in ("/app/incidents", "/app/incidents/1", "/app/incidents?q=Checkout", "/app/"):
            page = client.get(f"{PUBLIC_URL}{path}")
            assert page.status_code == 303, path
            assert page.headers["location"].startswith("/app/auth/login?next=")
            assert TITLE not in page.text
        program = client.get(f"{PUBLIC_URL}/app/incidents", headers={"accept": "application/json"})
        assert program.status_code == 401
        assert program.json()["error"] == "unauthorized"
        assert TITLE not in program.text


def test_a_person_outside_the_allowed_domain_is_refused_and_gets_no_data(
    engine: Engine, okta: OidcProvider
) -> None:
    add_incident(engine, 1, TITLE)
    with serve_app(engine, config_for(okta)) as site, site.browser() as client:
        page = sign_in(client, f"{PUBLIC_URL}/app/incidents", EVE.email)
        assert page.status_code == 403
        assert "Accounts of elsewhere.test may not sign in here." in page.text
        assert TITLE not in page.text
        assert not [c for c in client.cookies.jar if c.name == "warroom_app"]
        after = client.get(f"{PUBLIC_URL}/app/incidents", follow_redirects=False)
        assert after.status_code == 303 and TITLE not in after.text


def test_a_slack_workspace_allow_list_refuses_a_provider_without_it(
    engine: Engine, okta: OidcProvider
) -> None:
    config = config_for(okta, allowed_domains=(), allowed_workspace="T0WARROOM")
    with serve_app(engine, config) as site, site.browser() as client:
        page = sign_in(client, f"{PUBLIC_URL}/app/incidents", ANN.email)
        assert page.status_code == 403
        assert "did not sign in with Slack" in page.text


def test_the_provider_saying_no_or_a_forged_callback_gets_a_400_page(
    engine: Engine, okta: OidcProvider
) -> None:
    with serve_app(engine, config_for(okta)) as site, site.browser() as client:
        denied = client.get(
            f"{PUBLIC_URL}/app/auth/callback",
            params={"error": "access_denied", "error_description": "The user said no"},
        )
        assert denied.status_code == 400
        assert "access_denied: The user said no" in denied.text
        # A callback with a state this browser never started.
        forged = client.get(f"{PUBLIC_URL}/app/auth/callback", params={"code": "x", "state": "y"})
        assert forged.status_code == 400
        assert "Sign-in did not complete" in forged.text
        # A real flow, then its code replayed with a state that is not the one sent.
        picker = client.get(f"{PUBLIC_URL}/app/auth/login", follow_redirects=True)
        form = forms_of(picker.text)[0]
        form.fields["state"] = "tampered"
        back = client.post(
            httpx.URL(str(picker.url)).join(form.action), data=form.fields, follow_redirects=True
        )
        assert back.status_code == 400
        assert client.get(f"{PUBLIC_URL}/app/incidents").status_code == 303


def test_next_never_leads_off_the_app(engine: Engine, okta: OidcProvider) -> None:
    with serve_app(engine, config_for(okta)) as site, site.browser() as client:
        client.get(
            f"{PUBLIC_URL}/app/auth/login",
            params={"next": "//evil.example/x"},
            follow_redirects=False,
        )
        page = sign_in(client, f"{PUBLIC_URL}/app/auth/login?next=https://evil.example/", ANN.email)
        assert str(page.url).startswith(f"{PUBLIC_URL}/app/")


def test_a_provider_out_of_reach_gets_a_page_saying_so(engine: Engine) -> None:
    add_incident(engine, 1, TITLE)
    with start_oidc_provider([REDIRECT_URI], [ANN]) as okta:
        config = config_for(okta)
        app = serve_app(engine, config)
        site = app.__enter__()
        client = site.browser()
        picker = client.get(f"{PUBLIC_URL}/app/incidents", follow_redirects=True)
        form = next(f for f in forms_of(picker.text) if ANN.email in f.text)
        chosen = client.post(httpx.URL(str(picker.url)).join(form.action), data=form.fields)
        callback = chosen.headers["location"]
        assert callback.startswith(f"{REDIRECT_URI}?code=")
    try:
        # The provider is gone now: the code cannot be exchanged, nor a new sign-in begun.
        exchanged = client.get(callback)
        assert exchanged.status_code == 400
        assert "Sign-in did not complete" in exchanged.text and TITLE not in exchanged.text
        with serve_app(engine, config) as fresh, fresh.browser() as other:
            started = other.get(f"{PUBLIC_URL}/app/auth/login")
            assert started.status_code == 502
            assert "The sign-in provider cannot be reached" in started.text
            assert okta.issuer in started.text
    finally:
        client.close()
        app.__exit__(None, None, None)
