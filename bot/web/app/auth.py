"""Signing in to `/app` with OpenID Connect (Authlib): the authorization code flow with PKCE
(S256), state and nonce as Authlib makes and checks them, the ID token verified against the
provider's keys, then the allow-lists (`admission`).

    GET  /app/auth/login?next=/app/...   to the provider (its discovery document names where)
    GET  /app/auth/callback              back from it: signed in, refused (403) or failed (400)
    POST /app/auth/logout                signs out (CSRF token required)
    GET  /app/auth/signed-out            says so
"""

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from joserfc.errors import JoseError

from bot.web.app.admission import SLACK_TEAM_CLAIM, admit
from bot.web.app.config import AppConfig
from bot.web.app.csrf import check_csrf
from bot.web.app.session import Viewer, end_session, read_viewer, start_session
from bot.web.app.shell import APP_PATH, render_message

log = logging.getLogger("warroom.app")
PROVIDER = "warroom"
SCOPES = "openid email profile"
PROVIDER_TIMEOUT = 10.0  # seconds for each call to the provider (discovery, token, keys)
# What a failed exchange with the provider can raise: its answers, the network (Authlib speaks
# through httpx2, or httpx where that is missing), the token.
PROVIDER_ERRORS = (
    AuthlibBaseError,
    JoseError,
    httpx2.HTTPError,
    httpx.HTTPError,
    ValueError,
    KeyError,
    TypeError,
)


def build_oauth(config: AppConfig) -> Any:
    """Authlib's client for the configured provider, found through its discovery document."""
    oauth = OAuth()
    oauth.register(
        name=PROVIDER,
        client_id=config.client_id,
        client_secret=config.client_secret,
        server_metadata_url=config.discovery_url,
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "timeout": PROVIDER_TIMEOUT,
        },
    )
    return oauth.create_client(PROVIDER)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path inside `/app` only (never another site)."""
    if (
        target
        and (target == APP_PATH or target.startswith(APP_PATH + "/"))
        and "//" not in target
        and "\\" not in target
        and not target.startswith(APP_PATH + "/auth/")
    ):
        return target
    return APP_PATH + "/"


def build_auth_router(config: AppConfig, client: Any) -> APIRouter:
    """The sign-in, callback and sign-out routes (relative to `/app`)."""
    router = APIRouter(prefix="/auth")

    @router.get("/login")
    async def login(request: Request, next: str | None = None) -> Response:
        target = safe_next(next)
        if read_viewer(request.session, datetime.now(UTC)) is not None:
            return RedirectResponse(target, status_code=303)
        try:
            answer: Response = await client.authorize_redirect(request, config.redirect_uri)
        except PROVIDER_ERRORS as error:
            return _unreachable(request, config, error)
        request.session["next"] = target
        return answer

    @router.get("/callback")
    async def callback(request: Request) -> Response:
        target = safe_next(request.session.get("next"))
        if "error" in request.query_params:
            end_session(request.session)
            return _refused_by_provider(request)
        try:
            token = await client.authorize_access_token(request)
        except PROVIDER_ERRORS as error:
            end_session(request.session)
            return _failed(request, error)
        claims = dict(token.get("userinfo") or {})
        decision = admit(claims, domains=config.allowed_domains, workspace=config.allowed_workspace)
        if not decision.allowed:
            end_session(request.session)
            log.info("sign-in refused for %s: %s", claims.get("email"), decision.reason)
            return render_message(request, 403, "You may not sign in here", decision.reason)
        start_session(request.session, _viewer(claims))
        return RedirectResponse(target, status_code=303)

    @router.post("/logout", dependencies=[Depends(check_csrf)])
    async def logout(request: Request) -> Response:
        end_session(request.session)
        return RedirectResponse(APP_PATH + "/auth/signed-out", status_code=303)

    @router.get("/signed-out")
    async def signed_out(request: Request) -> Response:
        return render_message(
            request, 200, "Signed out", "You are signed out of Warroom.", sign_in=True
        )

    return router


def _viewer(claims: dict[str, Any]) -> Viewer:
    team = claims.get(SLACK_TEAM_CLAIM)
    return Viewer(
        subject=str(claims.get("sub", "")),
        email=str(claims.get("email") or ""),
        name=str(claims.get("name") or claims.get("preferred_username") or ""),
        workspace=team if isinstance(team, str) else None,
        signed_in_at=datetime.now(UTC),
    )


def _refused_by_provider(request: Request) -> Response:
    error = request.query_params.get("error", "")[:100]
    description = request.query_params.get("error_description", "")[:300]
    said = f"{error}: {description}" if description else error
    return render_message(
        request,
        400,
        "Sign-in did not complete",
        f"The sign-in provider said “{said}”. Nothing was signed in.",
        sign_in=True,
    )


def _failed(request: Request, error: Exception) -> Response:
    # The provider's or the browser's fault, not ours: a page saying so, never a 500.
    reference = uuid.uuid4().hex[:8]
    log.warning("sign-in failed (reference %s): %r", reference, error)
    detail = getattr(error, "description", None) or getattr(error, "error", None)
    reason = (
        "The sign-in could not be checked: it may have been started in another tab or "
        "browser, taken too long, or the provider's answer was not valid"
    )
    if detail:
        reason += f" ({str(detail)[:200]})"
    return render_message(
        request,
        400,
        "Sign-in did not complete",
        f"{reason}. Start again. Reference {reference}.",
        sign_in=True,
    )


def _unreachable(request: Request, config: AppConfig, error: Exception) -> Response:
    reference = uuid.uuid4().hex[:8]
    log.warning("sign-in provider unreachable (reference %s): %r", reference, error)
    return render_message(
        request,
        502,
        "The sign-in provider cannot be reached",
        f"Warroom could not read {config.discovery_url} (WARROOM_OIDC_ISSUER). "
        f"Try again shortly. Reference {reference}.",
    )
