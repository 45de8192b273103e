"""The status page's subscription routes, public and without cookies:

    POST /status/subscribe            form `email`, `components` (repeated): mails a confirmation
    GET  /status/confirm?token=       confirms (again is harmless)
    GET  /status/unsubscribe?token=   a page with one button
    POST /status/unsubscribe?token=   body `List-Unsubscribe=One-Click` (RFC 8058): unsubscribes

Browsers (they accept text/html) get pages; other clients JSON. Bad input is a 4xx with its
reason; a database that cannot be reached is a 503; never a 500.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.kernel.transactions import may_pass_later
from bot.statuspage.definitions import StatusPageConfig
from bot.statuspage.subscribers import LinkOutcome, LinkRefused, SignupRefused, SubscriberService
from bot.statuspage.subscribers_mail import template_folder
from bot.web.status_subscribe_forms import (
    BadForm,
    is_one_click,
    parse_signup,
    read_body,
    wants_html,
)

log = logging.getLogger(__name__)
RESULT = "status/subscribe_result.html.j2"
UNSUBSCRIBE_PAGE = "status/subscribe_unsubscribe.html.j2"
# The links carry secrets: no copies on the way, no Referer to the pages they link to.
PRIVATE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
Handler = Callable[[], Awaitable[Response]]


class Pages:
    """Answers as pages for browsers and JSON for the rest."""

    def __init__(self, config: StatusPageConfig, public_url: str, folder: Path | None) -> None:
        self.config = config
        self.page_url = f"{public_url.rstrip('/')}/status"
        self.env = Environment(
            loader=FileSystemLoader(str(folder or template_folder())),
            autoescape=True,
            undefined=StrictUndefined,
        )

    def answer(
        self,
        request: Request,
        status: int,
        code: str,
        text: str,
        *,
        title: str,
        template: str = RESULT,
        **extra: Any,
    ) -> Response:
        """`text` as a page (titled `title`) or as JSON: `ok` below 400, with `error` and
        `reason` from 400 on, `result` and `message` otherwise."""
        headers = dict(PRIVATE)
        if status in (429, 503):
            headers["retry-after"] = "3600" if status == 429 else "30"
        if wants_html(request):
            html = self.env.get_template(template).render(
                page=self.config.branding,
                page_url=self.page_url,
                title=title,
                text=text,
                failed=status >= 400,
                subscribe_components=[c.name for c in self.config.components],
                **extra,
            )
            return HTMLResponse(html, status_code=status, headers=headers)
        body: dict[str, Any] = {"ok": status < 400}
        body.update({"error": code, "reason": text} if status >= 400 else {"result": code})
        if status < 400:
            body["message"] = text
        return JSONResponse(body, status_code=status, headers=headers)


def build_status_subscribe_router(
    subscribers: SubscriberService,
    *,
    config: StatusPageConfig,
    public_url: str,
    folder: Path | None = None,
) -> APIRouter:
    """The subscribe, confirm and unsubscribe routes."""
    router = APIRouter()
    pages = Pages(config, public_url, folder)

    @router.post("/status/subscribe")
    async def subscribe(request: Request) -> Response:
        async def work() -> Response:
            form = parse_signup(request, await read_body(request))
            client = request.client.host if request.client else "unknown"
            signup = await subscribers.subscribe(form.email, form.components, client=client)
            text = (
                f"We sent a link to {signup.email}. Open it within 48 hours to confirm; "
                "nothing is sent to you before that."
            )
            return pages.answer(request, 202, "confirmation_sent", text, title="Check your inbox")

        return await _guarded(
            pages, request, work, "Your subscription was not taken", show_form=True
        )

    @router.get("/status/confirm")
    async def confirm(request: Request) -> Response:
        async def work() -> Response:
            outcome = await subscribers.confirm(request.query_params.get("token", ""))
            text = (
                "You are subscribed. You will get an e-mail with every incident update "
                "and maintenance notice."
            )
            if outcome is LinkOutcome.ALREADY_CONFIRMED:
                text = "This subscription was confirmed already; nothing changed."
            return pages.answer(request, 200, outcome.value, text, title="Subscription confirmed")

        return await _guarded(pages, request, work, "This link does not work")

    @router.get("/status/unsubscribe")
    async def unsubscribe_page(request: Request) -> Response:
        async def work() -> Response:
            token = request.query_params.get("token", "")
            email, already = await subscribers.unsubscribing(token)
            if already:
                text = f"{email} is unsubscribed already; nothing more is sent to it."
                return pages.answer(
                    request, 200, "already_unsubscribed", text, title="Unsubscribed"
                )
            text = f"Stop sending status updates to {email}?"
            return pages.answer(
                request,
                200,
                "confirm_unsubscribe",
                text,
                title="Unsubscribe",
                template=UNSUBSCRIBE_PAGE,
                action=f"{pages.page_url}/unsubscribe?token={quote(token, safe='')}",
            )

        return await _guarded(pages, request, work, "This link does not work")

    @router.post("/status/unsubscribe")
    async def unsubscribe(request: Request) -> Response:
        async def work() -> Response:
            body = await read_body(request, limit=4096)
            if not is_one_click(request, body):
                raise BadForm(400, "to unsubscribe, POST the body List-Unsubscribe=One-Click")
            outcome = await subscribers.unsubscribe(request.query_params.get("token", ""))
            text = "You are unsubscribed; nothing more will be sent to you."
            if outcome is LinkOutcome.ALREADY_UNSUBSCRIBED:
                text = "You were unsubscribed already; nothing changed."
            return pages.answer(request, 200, outcome.value, text, title="Unsubscribed")

        return await _guarded(pages, request, work, "You were not unsubscribed")

    return router


async def _guarded(
    pages: Pages, request: Request, work: Handler, title: str, **extra: Any
) -> Response:
    """Run a route's work; every refusal is its 4xx, every failure a 503, never a 500."""
    try:
        return await work()
    except BadForm as bad:
        return pages.answer(
            request, bad.status, "invalid_request", bad.reason, title=title, **extra
        )
    except SignupRefused as refused:
        code = {429: "rate_limited", 503: "unavailable"}.get(refused.status, "invalid_request")
        return pages.answer(request, refused.status, code, refused.reason, title=title, **extra)
    except LinkRefused as refused:
        return pages.answer(request, 400, "invalid_link", refused.reason, title=title)
    except Exception as failure:
        reference = uuid.uuid4().hex[:12]
        if may_pass_later(failure):
            log.warning("status subscription request failed (%s): %s", reference, failure)
        else:
            log.exception("status subscription request failed (%s)", reference)
        text = f"We could not do this just now; try again in a minute (reference {reference})."
        return pages.answer(request, 503, "unavailable", text, title=title)
