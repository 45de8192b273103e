"""Signed subscription links (itsdangerous): the claims a confirmation or unsubscribe link
carries, signed with the status page's link key for one purpose, timestamped by our clock."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from bot.statuspage.subscribers_ports import BadLink, ExpiredLink


def _serializer(key: str, purpose: str, now: datetime) -> URLSafeTimedSerializer:
    at = int(now.timestamp())

    class ClockSigner(TimestampSigner):
        """Timestamps and ages from the clock passed in, not the machine's."""

        def get_timestamp(self) -> int:
            return at

    return URLSafeTimedSerializer(key, salt=purpose, signer=ClockSigner)


class ItsdangerousLinkSigner:
    """The status page's `LinkSigner`: URL-safe, timestamped, HMAC-signed tokens."""

    def sign(self, claims: Mapping[str, Any], *, key: str, purpose: str, now: datetime) -> str:
        """A token carrying `claims`, signed for `purpose` at `now`."""
        token = _serializer(key, purpose, now).dumps(dict(claims))
        return token if isinstance(token, str) else token.decode()

    def read(
        self, token: str, *, key: str, purpose: str, max_age: timedelta | None, now: datetime
    ) -> dict[str, Any]:
        """The claims of a token signed for `purpose`; `ExpiredLink`, `BadLink` otherwise."""
        seconds = None if max_age is None else int(max_age.total_seconds())
        try:
            claims = _serializer(key, purpose, now).loads(token, max_age=seconds)
        except SignatureExpired as expired:
            raise ExpiredLink(str(expired)) from None
        except (BadData, UnicodeError, ValueError) as bad:
            raise BadLink(str(bad)) from None
        if not isinstance(claims, dict):
            raise BadLink("the token carries no claims")
        return claims
