"""The signed-in session: one signed cookie (Starlette's SessionMiddleware, itsdangerous) that
holds who signed in, when, and their CSRF token, plus the sign-in flow's state while it runs.

The cookie is signed, not encrypted: it holds nothing secret beyond the CSRF token, which is
only worth anything to whoever already holds the cookie. It is HttpOnly, SameSite=Lax, limited
to `/app`, Secure when the public URL is https, and a session lasts `LIFETIME` from sign-in
whatever the activity (the cookie's own age is renewed on each answer, the sign-in time is not).
Signing out clears it in the browser; a copy taken before stays valid until its lifetime ends,
as with any stateless session (no table holds sessions).
"""

import hashlib
import hmac
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

LIFETIME = timedelta(hours=12)
COOKIE = "warroom_app"
_DERIVATION = b"warroom /app session cookies v1"


@dataclass(frozen=True)
class Viewer:
    """A signed-in person, as their provider vouched for them at sign-in."""

    subject: str  # the provider's stable id (`sub`)
    email: str
    name: str
    workspace: str | None  # Slack's team id when signed in with Slack
    signed_in_at: datetime

    @property
    def display(self) -> str:
        """How the person is named on pages: their name, else their address."""
        return self.name or self.email or self.subject


def session_secret(app_secret: str | None, slack_signing_secret: str) -> str:
    """The key cookies are signed with: WARROOM_APP_SECRET, else one derived from the Slack
    signing secret (HMAC-SHA256), so every replica agrees without another setting."""
    if app_secret:
        return app_secret
    return hmac.new(slack_signing_secret.encode(), _DERIVATION, hashlib.sha256).hexdigest()


def cookie_options(secret: str, public_url: str) -> dict[str, Any]:
    """SessionMiddleware's keyword arguments for `/app`'s cookie."""
    return {
        "secret_key": secret,
        "session_cookie": COOKIE,
        "max_age": int(LIFETIME.total_seconds()),
        "path": "/app",
        "same_site": "lax",
        "https_only": public_url.lower().startswith("https://"),
    }


def start_session(session: MutableMapping[str, Any], viewer: Viewer) -> None:
    """Forget everything the session held (the flow's state included) and sign `viewer` in,
    with a fresh CSRF token."""
    session.clear()
    session["viewer"] = {
        "sub": viewer.subject,
        "email": viewer.email,
        "name": viewer.name,
        "workspace": viewer.workspace,
    }
    session["at"] = int(viewer.signed_in_at.timestamp())
    session["csrf"] = secrets.token_urlsafe(32)


def read_viewer(session: MutableMapping[str, Any], now: datetime) -> Viewer | None:
    """Who the session says is signed in, or None (nobody, or past its lifetime)."""
    held = session.get("viewer")
    at = session.get("at")
    if not isinstance(held, dict) or not isinstance(at, int):
        return None
    signed_in_at = datetime.fromtimestamp(at, UTC)
    if not signed_in_at <= now < signed_in_at + LIFETIME:
        return None
    return Viewer(
        subject=str(held.get("sub", "")),
        email=str(held.get("email", "")),
        name=str(held.get("name", "")),
        workspace=held.get("workspace") if isinstance(held.get("workspace"), str) else None,
        signed_in_at=signed_in_at,
    )


def end_session(session: MutableMapping[str, Any]) -> None:
    """Sign out: the cookie is cleared in the answer."""
    session.clear()
