"""Sign in with Slack through the sandbox, into `/app` as `warroom run` serves it (the whole app
built from settings): a member of the allowed workspace gets in, another workspace does not;
and the sandbox's provider holds to Slack's documented endpoints."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from app_site import PUBLIC_URL, add_incident, browser, slack_signin_settings
from joserfc import jwt
from joserfc.jwk import KeySet
from servers.oidc_provider import forms_of, pick_user

from bot.app import build_warroom
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.model import TEAM_ID
from bot.sandbox.oidc import CLIENT_ID, CLIENT_SECRET

TITLE = "Payments API timing out in eu-west"


@contextmanager
def warroom_app(database_url: str, sandbox: SandboxServer, **more: Any) -> Iterator[str]:
    """The whole app, signing in with the sandbox's Slack; its real address."""
    settings = slack_signin_settings(database_url, sandbox, **more)
    warroom = build_warroom(settings)
    add_incident(warroom.engine, 1, TITLE)
    try:
        with serve_in_thread(warroom.http) as handle:
            yield handle.url
    finally:
        warroom.engine.dispose()


def test_a_member_of_the_allowed_workspace_signs_in_with_slack(
    database_url: str, sandbox: SandboxServer
) -> None:
    with (
        warroom_app(database_url, sandbox, warroom_app_allowed_workspace=TEAM_ID) as url,
        browser(url) as client,
    ):
        assert TITLE not in client.get(f"{PUBLIC_URL}/app/incidents", follow_redirects=True).text
        picker = client.get(f"{PUBLIC_URL}/app/incidents", follow_redirects=True)
        assert str(picker.url).startswith(f"{sandbox.url}/openid/connect/authorize")
        assert "Carol Chen" in picker.text and "Warroom" not in picker.text  # no bot
        page = pick_user(client, picker, "Alice Archer")
        assert page.status_code == 200
        assert str(page.url) == f"{PUBLIC_URL}/app/incidents"
        assert TITLE in page.text
        assert "Signed in as <strong>Alice Archer</strong>" in page.text


def test_another_workspace_is_refused(database_url: str, sandbox: SandboxServer) -> None:
    with (
        warroom_app(database_url, sandbox, warroom_app_allowed_workspace="T0ELSEWHERE") as url,
        browser(url) as client,
    ):
        picker = client.get(f"{PUBLIC_URL}/app/incidents", follow_redirects=True)
        page = pick_user(client, picker, "Bob Baker")
        assert page.status_code == 403
        assert "You did not sign in with this Slack workspace." in page.text
        assert TITLE not in page.text
        assert client.get(f"{PUBLIC_URL}/app/incidents").status_code == 303


def test_the_sandbox_provider_follows_slacks_endpoints(sandbox: SandboxServer) -> None:
    with httpx.Client(base_url=sandbox.url, timeout=10) as slack:
        found = slack.get("/.well-known/openid-configuration").json()
        assert found["issuer"] == sandbox.url
        assert found["authorization_endpoint"] == f"{sandbox.url}/openid/connect/authorize"
        assert found["token_endpoint"] == f"{sandbox.url}/api/openid.connect.token"
        assert found["userinfo_endpoint"] == f"{sandbox.url}/api/openid.connect.userInfo"
        redirect = "http://client.test/callback"
        picker = slack.get(
            "/openid/connect/authorize",
            params={
                "response_type": "code",
                "client_id": CLIENT_ID,
                "scope": "openid email profile",
                "redirect_uri": redirect,
                "state": "s1",
                "nonce": "n1",
            },
        )
        chosen = next(f for f in forms_of(picker.text) if "Carol Chen" in f.text)
        back = slack.post("/openid/connect/authorize", data=chosen.fields)
        assert back.status_code == 302
        query = httpx.URL(back.headers["location"]).params
        assert query["state"] == "s1"
        exchange = {
            "code": query["code"],
            "redirect_uri": redirect,
            "grant_type": "authorization_code",
        }
        wrong = slack.post("/api/openid.connect.token", data=exchange, auth=(CLIENT_ID, "nope"))
        assert wrong.json() == {"ok": False, "error": "bad_client_secret"}
        token = slack.post(
            "/api/openid.connect.token", data=exchange, auth=(CLIENT_ID, CLIENT_SECRET)
        )
        answer = token.json()
        assert answer["ok"] is True
        keys = KeySet.import_key_set(slack.get(found["jwks_uri"]).json())
        claims = jwt.decode(answer["id_token"], keys).claims
        assert claims["sub"] == claims["https://slack.com/user_id"] == "U0CAROL"
        assert claims["https://slack.com/team_id"] == TEAM_ID
        assert (claims["iss"], claims["aud"], claims["nonce"]) == (sandbox.url, CLIENT_ID, "n1")
        assert claims["email"] == "carol@sandbox.example" and claims["email_verified"] is True
        assert claims["exp"] > claims["iat"]
        again = slack.post(
            "/api/openid.connect.token", data=exchange, auth=(CLIENT_ID, CLIENT_SECRET)
        )
        assert again.json() == {"ok": False, "error": "invalid_code"}
        bearer = {"authorization": f"Bearer {answer['access_token']}"}
        person = slack.get("/api/openid.connect.userInfo", headers=bearer).json()
        assert person["ok"] is True and person["name"] == "Carol Chen"
        assert slack.get("/api/openid.connect.userInfo").json()["error"] == "invalid_auth"
