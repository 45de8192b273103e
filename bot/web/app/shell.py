"""The signed-in web app's shell: who is signed in, the common frame every page is drawn in,
and the sections other modules add to `/app`.

A section is a plain `APIRouter` whose paths are relative to `/app`:

    router = APIRouter()

    @router.get("/dashboard")  # served at /app/dashboard
    async def dashboard(request: Request, viewer: SignedIn) -> Response:
        return render_page(request, "app/dashboard.html.j2", {"title": "Dashboard", ...})

    build_app_router(config, ..., sections=[AppSection(router, "Dashboard", "/dashboard")])

Every route of a section is signed-in only and every unsafe request (POST, PUT, PATCH, DELETE)
must carry the session's CSRF token: `build_app_router` adds both checks to the whole section,
so a route cannot forget them. Declaring `viewer: SignedIn` (that is,
`Annotated[Viewer, Depends(require_viewer)]`) gives the route the person (computed once per
request). GET routes must never change state.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.kernel.timing import figure_duration as duration
from bot.web.app.session import Viewer, read_viewer
from bot.web.status.render import templates_root

APP_PATH = "/app"
# Pages show private data: never cached, never framed, no script, forms only to ourselves.
PAGE_HEADERS = {
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


@dataclass(frozen=True)
class AppSection:
    """A part of `/app` served by another module: its router (paths relative to `/app`), the
    words of its link in the navigation bar and the path that link opens (relative to `/app`).
    The first section given is the home page `/app/` leads to."""

    router: APIRouter
    title: str
    path: str


class SignInRequired(HTTPException):
    """Raised by `require_viewer` when nobody (or an expired session) is signed in. The app
    answers pages with a redirect to sign-in and other clients with 401 JSON."""

    def __init__(self, reason: str = "sign in to use /app") -> None:
        super().__init__(status_code=401, detail=reason)


class Shell:
    """What every page of one app shares: the templates, the navigation, the time zone."""

    def __init__(
        self,
        *,
        nav: Sequence[tuple[str, str]],
        zone: str = "UTC",
        templates: Path | None = None,
    ) -> None:
        self.nav = tuple((title, APP_PATH + path) for title, path in nav)
        self.zone = ZoneInfo(zone)
        self.env = Environment(
            loader=FileSystemLoader(str(templates or templates_root())),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(when=self.when, iso=iso, label=label, duration=duration)

    def when(self, moment: datetime | None) -> str:
        """`4 Dec 2026, 13:00 CET` in the app's zone (WARROOM_TIMEZONE); `—` for none."""
        if moment is None:
            return "—"
        at = _aware(moment).astimezone(self.zone)
        return f"{at.day} {at:%b %Y, %H:%M} {at.tzname()}"


async def require_viewer(request: Request) -> Viewer:
    """The signed-in person (a FastAPI dependency): `viewer: SignedIn` in a route.
    Raises `SignInRequired` when nobody is signed in or the session is past its lifetime."""
    viewer = read_viewer(request.session, datetime.now(UTC))
    if viewer is None:
        raise SignInRequired()
    request.state.viewer = viewer
    return viewer


# A route's parameter `viewer: SignedIn` is the signed-in person.
SignedIn = Annotated[Viewer, Depends(require_viewer)]


def render_page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """`template` (a name under templates/, e.g. "app/dashboard.html.j2", extending
    "app/base.html.j2") drawn with `context` plus what the frame needs: `viewer` (or None),
    `csrf_token` (put `{{ csrf_field() }}` in every POST form), `nav`, `app_path` ("/app"),
    `current` (the request's path) and the filters `when` (a datetime in WARROOM_TIMEZONE),
    `iso`, `label` (an enum in words) and `duration` (seconds in words). Served uncached, with
    a content security policy that allows inline styles and SVG but no script."""
    shell: Shell = request.app.state.shell
    session = request.scope.get("session") or {}
    viewer = getattr(request.state, "viewer", None) or read_viewer(session, datetime.now(UTC))
    token = str(session.get("csrf", "")) if viewer is not None else ""
    html = shell.env.get_template(template).render(
        {
            "viewer": viewer,
            "csrf_token": token,
            "csrf_field": lambda: _csrf_field(token),
            "nav": shell.nav,
            "app_path": APP_PATH,
            "current": request.url.path,
            **(context or {}),
        }
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def render_message(
    request: Request, status_code: int, title: str, message: str, *, sign_in: bool = False
) -> HTMLResponse:
    """A page saying one thing (a refusal, an error, a state), with a sign-in link if asked."""
    return render_page(
        request,
        "app/message.html.j2",
        {"title": title, "message": message, "sign_in": sign_in},
        status_code=status_code,
    )


def wants_html(request: Request) -> bool:
    """Whether the client is a browser (asks for HTML) rather than a program."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/xhtml+xml" in accept


def _csrf_field(token: str) -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(token))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC, for `<time datetime>`."""
    return _aware(moment).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def label(value: Any) -> str:
    """An enum or word in words: `sev1` → `SEV1`, `in_progress` → `In progress`."""
    word = value.value if isinstance(value, StrEnum) else str(value)
    if word.lower().startswith("sev") and word[3:].isdigit():
        return word.upper()
    return word.replace("_", " ").capitalize()
