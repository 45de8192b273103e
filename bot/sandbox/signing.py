"""Slack request signing (v0): the one place the HMAC recipe lives."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_VERSION = "v0"


def sign(secret: str, timestamp: str | int, body: str | bytes) -> str:
    """Return the `X-Slack-Signature` value for a request body sent at `timestamp`."""
    raw = body.encode() if isinstance(body, str) else body
    base = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + raw
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def build_signed_headers(
    secret: str, timestamp: str | int, body: str | bytes, content_type: str
) -> dict[str, str]:
    """Return the headers Slack puts on a signed request."""
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(secret, timestamp, body),
    }
