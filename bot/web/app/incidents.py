"""The incident pages of `/app`: the list (search by title or number, filters by status,
severity, service and period, newest first, paginated) and one page per incident (status,
severity, roles, every lifecycle time, timeline, alerts, action items, the postmortem).

Private incidents are shown to everyone signed in, marked as private: the sign-in allow-list
is the boundary, and responders need to find them."""

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from bot.web.app.incident_reads import IncidentQuery, IncidentReads, IncidentRecord, since
from bot.web.app.shell import render_message, render_page
from storage.enums import Severity, Status

PERIODS: dict[str, tuple[str, int | None]] = {
    "7d": ("Last 7 days", 7),
    "30d": ("Last 30 days", 30),
    "90d": ("Last 90 days", 90),
    "365d": ("Last year", 365),
    "all": ("All time", None),
}
MAX_SEARCH = 200
Choice = TypeVar("Choice", Status, Severity)
_NUMBER = re.compile(r"(?:#|inc-?)?\s*(\d{1,9})", re.IGNORECASE)
_MENTION = re.compile(r"@([UWS][A-Z0-9]{1,31})")
# CommonMark with raw HTML off: whatever a person typed in the postmortem stays text.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


class BadQuery(ValueError):
    """A list query that cannot be read; its message says what is accepted."""


def parse_query(params: Mapping[str, Sequence[str]], now: datetime) -> IncidentQuery:
    """The list's query from the URL's parameters (`q`, `status`, `severity` repeated,
    `service`, `period`, `page`); `BadQuery` naming what is wrong."""
    text = _one(params, "q").strip()
    if len(text) > MAX_SEARCH:
        raise BadQuery(f"the search is longer than {MAX_SEARCH} characters")
    number = _NUMBER.fullmatch(text)
    period = _one(params, "period") or "all"
    if period not in PERIODS:
        raise BadQuery("period must be one of " + ", ".join(PERIODS))
    page = _one(params, "page") or "1"
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        raise BadQuery("page must be a whole number from 1")
    return IncidentQuery(
        text=text,
        number=int(number.group(1)) if number else None,
        statuses=_choices(params, "status", Status),
        severities=_choices(params, "severity", Severity),
        service=_one(params, "service").strip()[:100],
        since=since(now, PERIODS[period][1]),
        page=int(page),
    )


def _one(params: Mapping[str, Sequence[str]], key: str) -> str:
    values = [v for v in params.get(key, ()) if v]
    if len(values) > 1:
        raise BadQuery(f"give {key} once")
    return values[0] if values else ""


def _choices(
    params: Mapping[str, Sequence[str]], key: str, kind: type[Choice]
) -> tuple[Choice, ...]:
    chosen = [v for v in params.get(key, ()) if v]
    allowed = [member.value for member in kind]
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise BadQuery(f"{key} must be among {', '.join(allowed)} (not {unknown[0][:30]!r})")
    return tuple(kind(v) for v in dict.fromkeys(chosen))


def render_markdown(text: str) -> Markup:
    """A postmortem's Markdown as HTML; raw HTML in it is shown as text, never as markup."""
    return Markup(_MARKDOWN.render(text))


def with_names(text: str, names: Mapping[str, str]) -> str:
    """Plain text with each `@<id>` shown as `@Name` (still plain text, escaped when drawn)."""
    return _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)


def build_incident_pages(reads: IncidentReads) -> APIRouter:
    """`GET /incidents` (the list) and `GET /incidents/<number>` (one incident)."""
    router = APIRouter()

    @router.get("/incidents")
    async def incident_list(request: Request) -> Response:
        params = {k: request.query_params.getlist(k) for k in request.query_params}
        try:
            query = parse_query(params, datetime.now(UTC))
        except BadQuery as error:
            return render_message(request, 400, "This search cannot be read", f"{error}.")
        found = await reads.page(query)
        return render_page(
            request,
            "app/incidents.html.j2",
            {
                "title": "Incidents",
                "found": found,
                "query": query,
                "period": _one(params, "period") or "all",
                "periods": PERIODS,
                "statuses": list(Status),
                "severities": list(Severity),
                "services": await reads.services(),
                "page_link": lambda page: _page_link(request, page),
            },
        )

    @router.get("/incidents/{number}")
    async def incident_page(request: Request, number: str) -> Response:
        record = await reads.record(int(number)) if number.isdigit() and len(number) < 10 else None
        if record is None:
            return render_message(
                request, 404, "No such incident", f"There is no incident {number[:20]}."
            )
        return render_page(request, "app/incident.html.j2", _incident_context(record))

    return router


def _incident_context(record: IncidentRecord) -> dict[str, Any]:
    incident = record.incident
    lifecycle = [
        ("Impact started", incident.detected_at),
        ("Declared", incident.declared_at),
        ("Acknowledged", incident.acknowledged_at),
        ("Identified", incident.identified_at),
        ("Mitigated", incident.mitigated_at),
        ("Resolved", incident.resolved_at),
        ("Closed", incident.closed_at),
        ("Reviewed", incident.reviewed_at),
    ]
    postmortem = record.postmortem
    return {
        "title": f"#{incident.number} {incident.title}",
        "record": record,
        "incident": incident,
        "lifecycle": lifecycle,
        "names": record.names,
        "person": lambda person: record.names.get(person or "", person or "—"),
        "text": lambda text: with_names(text or "", record.names),
        "postmortem": render_markdown(postmortem.markdown) if postmortem else None,
    }


def _page_link(request: Request, page: int) -> str:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return request.url.path + "?" + urlencode([*kept, ("page", str(page))])
