"""`/app` assembled: a FastAPI app of its own mounted at `/app` (so it has its own session
cookie, refusal pages and error handling), holding the sign-in routes, the incident and
on-call pages and the sections other modules add (the dashboard)."""

import logging
import uuid
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.oncall.service import OncallService
from bot.web.app.auth import build_auth_router, build_oauth
from bot.web.app.config import AppConfig
from bot.web.app.csrf import CsrfRefused, FormTooLarge, check_csrf
from bot.web.app.incident_reads import IncidentReads, Names
from bot.web.app.incidents import build_incident_pages
from bot.web.app.oncall import build_oncall_page
from bot.web.app.session import cookie_options
from bot.web.app.shell import (
    APP_PATH,
    AppSection,
    Shell,
    SignInRequired,
    render_message,
    require_viewer,
    wants_html,
)

log = logging.getLogger("warroom.app")


def build_app_router(
    config: AppConfig,
    *,
    incidents: IncidentReads | None = None,
    oncall: OncallService | None = None,
    names: Names | None = None,
    sections: Sequence[AppSection] = (),
    templates: Path | None = None,
) -> APIRouter:
    """The router serving everything under `/app`: add it to the HTTP app. `sections` are
    other modules' routers (paths relative to `/app`), signed-in only and CSRF-checked like
    every page here; the first one is the home page. The incident list and pages need
    `incidents`, the on-call page `oncall` (people named by `names`, ids to names). Without
    working sign-in settings every path answers 503 with a page naming the settings to set
    (`AppConfig.problem`)."""
    nav = [(s.title, s.path) for s in sections]
    if incidents is not None:
        nav.append(("Incidents", "/incidents"))
    if oncall is not None:
        nav.append(("On call", "/oncall"))
    shell = Shell(nav=nav, zone=config.timezone, templates=templates)
    problem = config.problem()
    if problem is not None:
        log.info("/app is off: %s", problem)  # the default: `warroom doctor` says it
        app = _off(shell, problem)
    else:
        home = sections[0].path if sections else "/incidents" if incidents else "/oncall"
        app = _on(config, shell, _pages(incidents, oncall, names, sections), home)
    router = APIRouter()

    @router.get(APP_PATH, include_in_schema=False)
    async def app_root() -> Response:
        return RedirectResponse(APP_PATH + "/", status_code=307)

    router.mount(APP_PATH, app)
    return router


def _pages(
    incidents: IncidentReads | None,
    oncall: OncallService | None,
    names: Names | None,
    sections: Sequence[AppSection],
) -> list[APIRouter]:
    routers = [section.router for section in sections]
    if incidents is not None:
        routers.append(build_incident_pages(incidents))
    if oncall is not None:
        routers.append(build_oncall_page(oncall, names))
    return routers


def _on(config: AppConfig, shell: Shell, pages: Sequence[APIRouter], home: str) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.shell = shell
    app.add_middleware(PageFailures)
    # Added last, so outside PageFailures: a failure's page still knows who is signed in.
    app.add_middleware(SessionMiddleware, **cookie_options(config.secret, config.public_url))
    app.include_router(build_auth_router(config, build_oauth(config)))
    guarded = [Depends(require_viewer), Depends(check_csrf)]
    for page in pages:
        app.include_router(page, dependencies=guarded)

    @app.get("/", dependencies=guarded)
    async def home_page() -> Response:
        return RedirectResponse(APP_PATH + home, status_code=303)

    _handle_refusals(app, config)
    return app


def _off(shell: Shell, problem: str) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.shell = shell

    @app.api_route("/{path:path}", methods=["GET", "HEAD", "POST"])
    async def off(request: Request, path: str) -> Response:
        if not wants_html(request):
            return JSONResponse(
                {"ok": False, "error": "app_off", "reason": problem}, status_code=503
            )
        return render_message(request, 503, "The web app is off", problem)

    return app


def _handle_refusals(app: FastAPI, config: AppConfig) -> None:
    sign_in = f"{config.public_url}{APP_PATH}/auth/login"

    @app.exception_handler(SignInRequired)
    async def signed_out(request: Request, error: SignInRequired) -> Response:
        if wants_html(request) and request.method in ("GET", "HEAD"):
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                f"{APP_PATH}/auth/login?next={quote(here, safe='/')}", status_code=303
            )
        return JSONResponse(
            {"ok": False, "error": "unauthorized", "reason": f"{error.detail} at {sign_in}"},
            status_code=401,
        )

    @app.exception_handler(CsrfRefused)
    async def forged(request: Request, error: CsrfRefused) -> Response:
        reason = f"This form was refused: {error.reason}. Reload the page and try again."
        if not wants_html(request):
            return JSONResponse({"ok": False, "error": "csrf", "reason": reason}, status_code=403)
        return render_message(request, 403, "Form refused", reason)

    @app.exception_handler(FormTooLarge)
    async def too_large(request: Request, _error: FormTooLarge) -> Response:
        return render_message(request, 413, "Form too large", "The form sent was too large.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if not wants_html(request):
            return JSONResponse(
                {"ok": False, "error": "http_error", "reason": str(error.detail)},
                status_code=error.status_code,
            )
        title = "Not found" if error.status_code == 404 else "Request refused"
        return render_message(request, error.status_code, title, str(error.detail))


class PageFailures:
    """A fault of ours answers a page with a reference the person can quote, never a trace;
    the error is logged, and not raised further (the server would drop the connection)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; answer 500 if it fails before its answer began."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            reference = uuid.uuid4().hex[:8]
            log.error("/app failed (reference %s)", reference, exc_info=error)
            if started:
                return
            page = render_message(
                Request(scope),
                500,
                "Something went wrong",
                f"This page failed. Reference {reference}.",
            )
            await page(scope, receive, send)
