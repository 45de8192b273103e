"""Twilio's REST API (2010-04-01) over httpx: text messages and phone calls for paging.

Failures are sorted for the outbox: 429 (with its `Retry-After`), any 5xx, timeouts and
dropped connections are `Transient`; any other 4xx is `Permanent`, with Twilio's error code.
A retry first looks for what an earlier try whose answer was lost already made.
"""

import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from xml.sax.saxutils import escape

import httpx

from bot.kernel.outbox import Permanent, Transient
from bot.paging.ports import Delivered

log = logging.getLogger(__name__)
DEFAULT_API_URL = "https://api.twilio.com"
API_VERSION = "2010-04-01"
TIMEOUT_SECONDS = 10.0
SMS_LIMIT = 1600  # Twilio's limit on a message body, in UTF-16 code units
TWIML_LIMIT = 4000  # Twilio's limit on the `Twiml` parameter of a call
ELLIPSIS = "…"
NO_KEYPRESS = "No key was pressed. Goodbye."
LOOKBACK = 100  # most recent messages or calls to one number read when looking for a lost one
# A message that failed at the carrier was not delivered: a retry sends it again.
NOT_DELIVERED = frozenset({"failed", "undelivered", "canceled"})
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TwilioClient:
    """One Twilio account: basic auth with its SID and auth token, errors sorted for retrying."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        timeout: float = TIMEOUT_SECONDS,
        clock: Clock = _utc_now,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.account_sid = account_sid
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._base = f"{api_url.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}"
        self._timeout = timeout
        self.clock = clock
        self._transport = transport

    async def create(self, resource: str, form: dict[str, str]) -> dict[str, Any]:
        """POST `form` to `{resource}.json` (e.g. "Messages"); the resource Twilio made."""
        return await self._request("POST", resource, data=form)

    async def list(self, resource: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """The first page of `{resource}.json` filtered by `query`, newest first."""
        page = await self._request("GET", resource, params={**query, "PageSize": str(LOOKBACK)})
        records = page.get(resource.lower(), [])
        return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []

    async def _request(self, method: str, resource: str, **options: Any) -> dict[str, Any]:
        # A client per request: pages are rare, and nothing outlives the event loop it ran on.
        async with httpx.AsyncClient(
            auth=self._auth, timeout=self._timeout, transport=self._transport
        ) as client:
            try:
                answer = await client.request(method, f"{self._base}/{resource}.json", **options)
            except httpx.TimeoutException as error:
                raise Transient(f"twilio timeout ({type(error).__name__})") from error
            except httpx.TransportError as error:
                raise Transient(f"twilio unreachable ({type(error).__name__})") from error
        return self._sorted(answer)

    def _sorted(self, answer: httpx.Response) -> dict[str, Any]:
        status = answer.status_code
        if status == 429:
            wait = retry_after_seconds(answer.headers.get("retry-after"), self.clock())
            raise Transient(f"twilio 429: {_reason(answer)}", retry_after=wait)
        if status >= 500:
            raise Transient(f"twilio http {status}")
        if status >= 400:
            raise Permanent(f"twilio {_reason(answer)}")
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            # It may have been made: the retry looks for it before making another.
            raise Transient(f"twilio http {status} without a JSON object")
        return body


def _reason(answer: httpx.Response) -> str:
    """Twilio's error code and message ("21211: invalid To"), or the HTTP status."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        code = body.get("code")
        message = " ".join(str(body["message"]).split())[:200]
        return f"{code}: {message}" if code else f"http {answer.status_code}: {message}"
    return f"http {answer.status_code}"


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds from `now`: a number of seconds or an HTTP date."""
    if not value or not value.strip():
        return None
    try:
        return max(float(value.strip()), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def fit_sms(body: str) -> str:
    """`body` within Twilio's 1,600 characters (UTF-16 units), cut at a word with an ellipsis."""
    if _utf16_len(body) <= SMS_LIMIT:
        return body
    room, used, end = SMS_LIMIT - _utf16_len(ELLIPSIS), 0, 0
    for end, char in enumerate(body):  # noqa: B007  (`end` is where the room ran out)
        used += _utf16_len(char)
        if used > room:
            break
    cut = body[:end].rstrip()
    space = cut.rfind(" ", max(0, len(cut) - 40))
    if space > 0:
        cut = cut[:space].rstrip()
    return cut + ELLIPSIS


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def build_call_twiml(say: str, gather_url: str | None) -> str:
    """The TwiML of a paging call: `say` read out, and with `gather_url` one key taken."""
    if gather_url is None:
        skeleton = "<Response><Say>{}</Say></Response>"
    else:
        action = escape(gather_url, {'"': "&quot;"})
        skeleton = (
            f'<Response><Gather numDigits="1" action="{action}" method="POST">'
            f"<Say>{{}}</Say></Gather><Say>{escape(NO_KEYPRESS)}</Say></Response>"
        )
    room = TWIML_LIMIT - len(skeleton.format(""))
    if room <= 0:
        raise Permanent("the gather URL is too long for a call's TwiML")
    text = escape(say)
    if len(text) > room:
        used, end = 0, 0
        for end, char in enumerate(say):  # noqa: B007  (`end` is where the room ran out)
            used += len(escape(char))
            if used > room - len(ELLIPSIS):
                break
        text = escape(say[:end].rstrip()) + ELLIPSIS
    return skeleton.format(text)


class TwilioSmsSender:
    """Text messages through Twilio's Messages API (the paging `SmsSender`)."""

    def __init__(self, client: TwilioClient, from_number: str) -> None:
        self.client = client
        self.from_number = from_number

    async def send_sms(
        self, to: str, body: str, *, retry: bool, not_ours: Collection[str] = frozenset()
    ) -> Delivered:
        """Send `body` to `to`; on a retry, adopt a message with the very same body if the
        earlier try made one. A page's texts carry its code, but a repeated page says the same
        again: the caller names the messages that are another notification's in `not_ours`."""
        text = fit_sms(body)
        if not text.strip():
            raise Permanent("the text message is empty")
        if retry:
            found = await self._find(to, text, not_ours)
            if found is not None:
                return Delivered(str(found["sid"]), f"adopted ({found.get('status', '')})")
        made = await self.client.create(
            "Messages", {"To": to, "From": self.from_number, "Body": text}
        )
        return Delivered(_sid(made), str(made.get("status", "")))

    async def _find(self, to: str, text: str, not_ours: Collection[str]) -> dict[str, Any] | None:
        messages = await self.client.list("Messages", {"To": to, "From": self.from_number})
        for message in messages:
            if message.get("sid") in not_ours or message.get("body") != text:
                continue
            if message.get("status") not in NOT_DELIVERED:
                return message
        return None


class TwilioVoiceCaller:
    """Phone calls through Twilio's Calls API (the paging `VoiceCaller`).

    Twilio's call records show neither the TwiML nor the callback URLs they were made with,
    so a retry cannot recognise its own call for sure: it adopts the newest call to the same
    number from our number made within `adopt_within` (None: never adopt, always call again)
    that is not one of `not_ours` (calls other notifications are known to have made).
    """

    def __init__(
        self,
        client: TwilioClient,
        from_number: str,
        *,
        adopt_within: timedelta | None = timedelta(minutes=2),
    ) -> None:
        self.client = client
        self.from_number = from_number
        self.adopt_within = adopt_within

    async def call(
        self,
        to: str,
        say: str,
        *,
        gather_url: str | None,
        retry: bool,
        not_ours: Collection[str] = frozenset(),
    ) -> Delivered:
        """Call `to` and read `say`; with `gather_url`, Twilio posts the key pressed there."""
        twiml = build_call_twiml(say, gather_url)
        if retry and self.adopt_within is not None:
            found = await self._recent(to, self.adopt_within, not_ours)
            if found is not None:
                return Delivered(str(found["sid"]), f"adopted ({found.get('status', '')})")
        made = await self.client.create(
            "Calls", {"To": to, "From": self.from_number, "Twiml": twiml}
        )
        return Delivered(_sid(made), str(made.get("status", "")))

    async def _recent(
        self, to: str, within: timedelta, not_ours: Collection[str]
    ) -> dict[str, Any] | None:
        since = self.client.clock() - within
        for call in await self.client.list("Calls", {"To": to, "From": self.from_number}):
            made = _twilio_time(call.get("date_created"))
            if made is None or made < since or not call.get("sid") or call["sid"] in not_ours:
                continue
            return call
        return None


def _twilio_time(value: Any) -> datetime | None:
    """Twilio's RFC 2822 dates ("Wed, 04 Dec 2026 20:27:00 +0000") as aware datetimes."""
    if not isinstance(value, str):
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _sid(made: dict[str, Any]) -> str:
    sid = made.get("sid")
    if not isinstance(sid, str) or not sid:
        raise Transient("twilio answered without a sid")
    return sid
