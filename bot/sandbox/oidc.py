"""Sign in with Slack, as Slack documents its OpenID Connect provider, for the sandbox's
workspace: an app signs its people in offline.

    GET  /.well-known/openid-configuration     discovery (the issuer is the sandbox's URL)
    GET  /openid/connect/authorize             a page to pick one of the workspace's people
    POST /openid/connect/authorize             the pick: back to redirect_uri with a code
    POST /api/openid.connect.token             code → access token and RS256 ID token
    GET|POST /api/openid.connect.userInfo      the person, for the access token (Bearer)
    GET  /openid/connect/keys                  the signing key (JWKS)

One client is registered: `CLIENT_ID` / `CLIENT_SECRET` (basic or post). Any http(s)
redirect URI is accepted (a real Slack app lists its own); the token request must repeat
the one the code was made for. Codes are single-use and live `CODE_SECONDS`; a PKCE challenge
(S256 or plain), when sent, is checked. Errors are Slack's: `{"ok": false, "error": ...}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.jwk import KeyParameters, RSAKey

from bot.sandbox.model import TEAM_DOMAIN, TEAM_ID, TEAM_NAME, User

CLIENT_ID = "sandbox-oidc-client"
CLIENT_SECRET = "sandbox-oidc-secret"
CODE_SECONDS = 600
TOKEN_SECONDS = 3600
KEY_ID = "sandbox-oidc-1"
SLACK = "https://slack.com/"


@dataclass
class _Grant:
    """What a code was issued for."""

    user_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    method: str
    expires: float


@dataclass
class OidcProvider:
    """The provider's state: its key, the codes and access tokens it gave out."""

    codes: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _key: RSAKey | None = None

    @property
    def key(self) -> RSAKey:
        """The signing key, made on first use (most sandboxes never sign anyone in)."""
        with self.lock:
            if self._key is None:
                parameters: KeyParameters = {"kid": KEY_ID, "use": "sig", "alg": "RS256"}
                self._key = RSAKey.generate_key(2048, parameters=parameters)
            return self._key


def discovery(issuer: str) -> dict[str, Any]:
    """Slack's discovery document, with the sandbox's address."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/openid/connect/authorize",
        "token_endpoint": f"{issuer}/api/openid.connect.token",
        "userinfo_endpoint": f"{issuer}/api/openid.connect.userInfo",
        "jwks_uri": f"{issuer}/openid/connect/keys",
        "scopes_supported": ["openid", "profile", "email"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["form_post"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "auth_time", "iss"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": True,
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
    }


def person_claims(user: User) -> dict[str, Any]:
    """What Slack says of a person (ID token and userInfo alike)."""
    given, _, family = user.real_name.partition(" ")
    return {
        "sub": user.id,
        f"{SLACK}user_id": user.id,
        f"{SLACK}team_id": TEAM_ID,
        f"{SLACK}team_name": TEAM_NAME,
        f"{SLACK}team_domain": TEAM_DOMAIN,
        "email": user.email or f"{user.name}@{TEAM_DOMAIN}.example",
        "email_verified": True,
        "name": user.real_name,
        "given_name": given,
        "family_name": family,
        "locale": "en-US",
    }


def _people(request: Request) -> dict[str, User]:
    users: dict[str, User] = request.app.state.world.users
    return {u.id: u for u in users.values() if not u.is_bot and not u.deleted}


def _issuer(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _refuse(error: str, status: int = 200) -> JSONResponse:
    # Slack answers its Web API errors with 200 and ok: false.
    return JSONResponse({"ok": False, "error": error}, status_code=status)


def _picker(query: dict[str, str], people: dict[str, User]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in query.items()
    )
    buttons = "".join(
        f'<form method="post" action="/openid/connect/authorize">{hidden}'
        f'<input type="hidden" name="user" value="{html.escape(u.id)}">'
        f'<button type="submit">{html.escape(u.real_name)} ({html.escape(u.name)})</button></form>'
        for u in people.values()
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Sign in to {TEAM_NAME}</title></head><body>"
        f"<h1>Sign in to {TEAM_NAME} (the Slack sandbox)</h1><p>Choose who you are:</p>"
        f"{buttons}</body></html>"
    )


def _authorize_error(query: dict[str, str]) -> str | None:
    if query.get("response_type") != "code":
        return "response_type must be code"
    if query.get("client_id") != CLIENT_ID:
        return "invalid_client_id"
    if "openid" not in query.get("scope", "").split():
        return "the scope must include openid"
    if urlsplit(query.get("redirect_uri", "")).scheme not in ("http", "https"):
        return "bad_redirect_uri"
    return None


def _client_of(request: Request, form: dict[str, str]) -> tuple[str, str]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            given, _, secret = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return "", ""
        return given, secret
    return form.get("client_id", ""), form.get("client_secret", "")


def _pkce_ok(grant: _Grant, verifier: str) -> bool:
    if not grant.challenge:
        return True
    if grant.method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(verifier, grant.challenge)


def _id_token(provider: OidcProvider, issuer: str, user: User, grant: _Grant) -> str:
    now = int(time.time())
    claims = {
        **person_claims(user),
        "iss": issuer,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + TOKEN_SECONDS,
        "auth_time": now,
    }
    if grant.nonce:
        claims["nonce"] = grant.nonce
    return jwt.encode({"alg": "RS256", "kid": KEY_ID, "typ": "JWT"}, claims, provider.key)


def build_oidc_router(provider: OidcProvider | None = None) -> APIRouter:
    """The provider's routes (before `/api/{method}`, which would take the token and userInfo
    calls for Web API methods)."""
    state = provider or OidcProvider()
    router = APIRouter()

    @router.get("/.well-known/openid-configuration")
    async def configuration(request: Request) -> JSONResponse:
        return JSONResponse(discovery(_issuer(request)))

    @router.get("/openid/connect/keys")
    async def keys() -> JSONResponse:
        return JSONResponse({"keys": [state.key.as_dict(private=False)]})

    @router.get("/openid/connect/authorize")
    async def authorize(request: Request) -> Response:
        query = dict(request.query_params)
        problem = _authorize_error(query)
        if problem is not None:
            return HTMLResponse(f"<p>{html.escape(problem)}</p>", status_code=400)
        return HTMLResponse(_picker(query, _people(request)))

    @router.post("/openid/connect/authorize")
    async def picked(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        problem = _authorize_error(form)
        user = _people(request).get(form.get("user", ""))
        if problem is not None or user is None:
            return HTMLResponse(f"<p>{html.escape(problem or 'no such user')}</p>", 400)
        code = secrets.token_urlsafe(24)
        with state.lock:
            state.codes[code] = _Grant(
                user.id,
                form["redirect_uri"],
                form.get("nonce", ""),
                form.get("code_challenge", ""),
                form.get("code_challenge_method", "plain"),
                time.monotonic() + CODE_SECONDS,
            )
        back = {"code": code, **({"state": form["state"]} if form.get("state") else {})}
        separator = "&" if urlsplit(form["redirect_uri"]).query else "?"
        return RedirectResponse(form["redirect_uri"] + separator + urlencode(back), 302)

    @router.post("/api/openid.connect.token")
    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        client, secret = _client_of(request, form)
        if client != CLIENT_ID or not hmac.compare_digest(secret, CLIENT_SECRET):
            return _refuse("invalid_client_id" if client != CLIENT_ID else "bad_client_secret")
        if form.get("grant_type", "authorization_code") != "authorization_code":
            return _refuse("invalid_grant_type")
        with state.lock:
            grant = state.codes.pop(form.get("code", ""), None)
        if grant is None or grant.expires < time.monotonic():
            return _refuse("invalid_code")
        if form.get("redirect_uri", grant.redirect_uri) != grant.redirect_uri:
            return _refuse("bad_redirect_uri")
        if not _pkce_ok(grant, form.get("code_verifier", "")):
            return _refuse("invalid_code_verifier")
        user = _people(request).get(grant.user_id)
        if user is None:
            return _refuse("user_not_found")
        access = "xoxp-sandbox-" + secrets.token_urlsafe(24)
        with state.lock:
            state.tokens[access] = (user.id, time.monotonic() + TOKEN_SECONDS)
        return JSONResponse(
            {
                "ok": True,
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": TOKEN_SECONDS,
                "id_token": _id_token(state, _issuer(request), user, grant),
            }
        )

    @router.api_route("/api/openid.connect.userInfo", methods=["GET", "POST"])
    async def user_info(request: Request) -> Response:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        with state.lock:
            held = state.tokens.get(given.strip()) if scheme.lower() == "bearer" else None
        if held is None or held[1] < time.monotonic():
            return _refuse("invalid_auth")
        user = _people(request).get(held[0])
        if user is None:
            return _refuse("user_not_found")
        return JSONResponse({"ok": True, **person_claims(user)})

    return router
