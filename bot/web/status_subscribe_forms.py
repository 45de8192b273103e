"""Reading what the subscription routes are sent: a bounded body, a sign-up form (or JSON), and
RFC 8058's one-click unsubscribe body in either of the two encodings the RFC allows."""

import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from fastapi import Request

MAX_BODY = 16 * 1024  # an address and a few dozen component names
ONE_CLICK = ("List-Unsubscribe", "One-Click")


class BadForm(ValueError):
    """A body that cannot be read: `status` (400, 413, 415) and one line saying why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class SignupForm:
    """What a sign-up asks for."""

    email: str
    components: tuple[str, ...]


def wants_html(request: Request) -> bool:
    """Whether the client is a browser (it accepts text/html), which gets pages, not JSON."""
    return "text/html" in request.headers.get("accept", "").lower()


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, refused with 413 past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadForm(413, f"the request body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BadForm(413, f"the request body is larger than {limit} bytes")
    return bytes(body)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def parse_signup(request: Request, body: bytes) -> SignupForm:
    """The address and components of a form (`email`, `components` repeated or
    comma-separated) or of a JSON object; `BadForm` saying what is wrong."""
    media = _media_type(request)
    if media == "application/json":
        return _signup_json(body)
    if media not in ("application/x-www-form-urlencoded", ""):
        raise BadForm(415, "send the sign-up as a form (application/x-www-form-urlencoded)")
    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise BadForm(400, "the form is not UTF-8") from None
    emails = [value for name, value in fields if name == "email"]
    if len(emails) != 1:
        raise BadForm(400, "the form needs exactly one field email")
    chosen = [value for name, value in fields if name == "components"]
    return SignupForm(emails[0], _split(chosen))


def _signup_json(body: bytes) -> SignupForm:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadForm(400, "the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("email"), str):
        raise BadForm(400, 'send a JSON object like {"email": "name@example.com"}')
    chosen = data.get("components", [])
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        raise BadForm(400, "components must be a list of component names")
    return SignupForm(data["email"], _split(chosen))


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(part for value in values for part in value.split(",") if part.strip())


def is_one_click(request: Request, body: bytes) -> bool:
    """Whether the body is exactly RFC 8058's `List-Unsubscribe=One-Click`, as a URL-encoded
    form or as multipart/form-data."""
    media = _media_type(request)
    if media == "multipart/form-data":
        return _multipart_fields(request, body) == [ONE_CLICK]
    if media not in ("application/x-www-form-urlencoded", ""):
        return False
    try:
        text = body.decode("ascii").strip()
    except UnicodeDecodeError:
        return False
    return parse_qsl(text, keep_blank_values=True) == [ONE_CLICK]


def _multipart_fields(request: Request, body: bytes) -> list[tuple[str, str]]:
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        return []
    fields = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            return []
        fields.append((name, payload.decode("utf-8", errors="replace").strip()))
    return fields
