"""CSRF protection for `/app`: every unsafe request (POST, PUT, PATCH, DELETE) carries the
session's token, as the hidden form field `csrf_token` or the header `X-CSRF-Token`.

The token is made at sign-in and kept in the signed session cookie; a forged form on another
site cannot read it. SameSite=Lax already keeps the cookie off cross-site POSTs in current
browsers; the token covers older ones and same-site subdomains.
"""

import hmac
from urllib.parse import parse_qs

from fastapi import Request

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 64 * 1024  # the app's forms are a few fields; more is not a person typing


class CsrfRefused(Exception):
    """An unsafe request without the session's CSRF token; answered 403 with a page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FormTooLarge(Exception):
    """A form body past `MAX_FORM_BYTES`; answered 413."""


async def read_form(request: Request) -> dict[str, list[str]]:
    """The request's url-encoded form fields (each with its values), read once and kept; a
    body that is not a form reads as no fields. Raises `FormTooLarge` past the limit."""
    cached = getattr(request.state, "form_fields", None)
    if cached is not None:
        return dict(cached)
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge()
    fields: dict[str, list[str]] = {}
    if media == "application/x-www-form-urlencoded":
        fields = parse_qs(bytes(body).decode("utf-8", "replace"), keep_blank_values=True)
    request.state.form_fields = fields
    return dict(fields)


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose token is missing or not the session's (a FastAPI
    dependency; `build_app_router` adds it to every section)."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not expected:
        raise CsrfRefused("you are not signed in, so this form cannot be accepted")
    given = request.headers.get(HEADER)
    if given is None:
        given = next(iter((await read_form(request)).get(FIELD, [])), None)
    if not given:
        raise CsrfRefused("the form carried no CSRF token")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRefused(
            "the form's CSRF token is not this session's (it may be from an old page)"
        )
