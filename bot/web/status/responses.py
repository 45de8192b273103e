"""How every public status page is answered: an ETag from the page's change marker, 304 when
the client has it, each rendering kept until the next change, gzip when the client takes it,
and headers that keep a hostile text inert (no script may run, nothing is sniffed)."""

import asyncio
import gzip
import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.responses import JSONResponse

HTML = "text/html; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
JSON = "application/json"
# The uptime percentages drift while a component is down: a rendering is kept this long at most.
DRIFT_SECONDS = 300
KEPT_RENDERINGS = 256


@dataclass(frozen=True)
class Rendered:
    """A page as sent: its status code, its body, and the body gzipped."""

    status: int
    body: bytes
    gzipped: bytes


Render = Callable[[], Awaitable[tuple[int, bytes]]]


class Renderings:
    """The newest rendering of each URL, kept while the change marker stays the same."""

    def __init__(self, size: int = KEPT_RENDERINGS) -> None:
        self.size = size
        self._kept: OrderedDict[str, tuple[str, Rendered]] = OrderedDict()

    def get(self, variant: str, marker: str) -> Rendered | None:
        """The rendering of `variant` made at `marker`, if kept."""
        kept = self._kept.get(variant)
        return kept[1] if kept is not None and kept[0] == marker else None

    def put(self, variant: str, marker: str, rendered: Rendered) -> None:
        """Keep a rendering, forgetting the oldest beyond `size`."""
        self._kept[variant] = (marker, rendered)
        self._kept.move_to_end(variant)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)


def security_headers(media_type: str, public_url: str) -> dict[str, str]:
    """Headers for a public page: no script, no framing, no sniffing; feeds and JSON may be
    read from any origin (status widgets on other sites do)."""
    headers = {
        "x-content-type-options": "nosniff",
        "cache-control": "public, no-cache",
        "referrer-policy": "strict-origin-when-cross-origin",
    }
    if media_type == HTML:
        parts = urlsplit(public_url)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
        headers["content-security-policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; "
            f"form-action 'self' {origin}; frame-ancestors 'none'; base-uri 'none'"
        ).replace("  ", " ")
    else:
        headers["access-control-allow-origin"] = "*"
    return headers


def entity_tag(marker: str, variant: str, gzipped: bool) -> str:
    """A strong ETag for one URL's representation at one change marker."""
    digest = hashlib.sha256(f"{marker}|{variant}".encode()).hexdigest()[:24]
    return f'"{digest}{"-gz" if gzipped else ""}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether the client's If-None-Match names `etag` (weak comparison, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


def accepts_gzip(request: Request) -> bool:
    """Whether the client takes gzip (and does not refuse it with q=0)."""
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


async def answer(
    request: Request,
    *,
    marker: str,
    variant: str,
    media_type: str,
    public_url: str,
    renderings: Renderings,
    render: Render,
) -> Response:
    """304 when the client's copy is current, else the kept or a fresh rendering."""
    gzipped = accepts_gzip(request)
    etag = entity_tag(marker, variant, gzipped)
    headers = {"etag": etag, "vary": "accept-encoding", **security_headers(media_type, public_url)}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    rendered = renderings.get(variant, marker)
    if rendered is None:
        status, body = await render()
        packed = await asyncio.to_thread(gzip.compress, body, 6)
        rendered = Rendered(status, body, packed)
        renderings.put(variant, marker, rendered)
    if gzipped:
        headers["content-encoding"] = "gzip"
    content = rendered.gzipped if gzipped else rendered.body
    return Response(content, status_code=rendered.status, media_type=media_type, headers=headers)


def json_bytes(document: Any) -> bytes:
    """JSON with `<`, `>`, `&` and the two line separators written as escapes: the same data
    for any reader, and inert if someone pastes it into a page."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text.encode("utf-8")


def refusal(status: int, error: str, reason: str) -> JSONResponse:
    """A refused request: its status, a code, and a one-line reason."""
    return JSONResponse(
        {"ok": False, "error": error, "reason": reason},
        status_code=status,
        headers={"x-content-type-options": "nosniff"},
    )
