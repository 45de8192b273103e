"""Fetching iCal layers' feeds over HTTP(S): conditional, bounded in time and size."""

import asyncio
from urllib.parse import urlsplit

import httpx

from bot.oncall.ports import FeedUnavailable, FetchedFeed

TIMEOUT = 10.0  # seconds for the whole fetch, redirects and body included
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "Warroom calendar fetcher"


class HttpFeedFetcher:
    """GETs a feed with `If-None-Match`/`If-Modified-Since`; only http(s), at most `max_bytes`
    of body, all within `timeout` seconds."""

    def __init__(
        self,
        *,
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.transport = transport

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchedFeed:
        """The feed at `url`, or None as its body when it has not changed (304)."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FeedUnavailable("only http:// and https:// feeds can be fetched")
        headers = {"accept": "text/calendar, */*;q=0.1", "user-agent": USER_AGENT}
        if etag:
            headers["if-none-match"] = etag
        if last_modified:
            headers["if-modified-since"] = last_modified
        try:
            async with asyncio.timeout(self.timeout):
                return await self._get(url, headers, etag, last_modified)
        except TimeoutError:
            raise FeedUnavailable(f"no complete answer within {self.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise FeedUnavailable(f"cannot fetch the feed: {_why(error)}") from error

    async def _get(
        self, url: str, headers: dict[str, str], etag: str | None, last_modified: str | None
    ) -> FetchedFeed:
        async with (
            httpx.AsyncClient(
                transport=self.transport,
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                timeout=self.timeout,
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304:
                return FetchedFeed(None, etag, last_modified)
            if not 200 <= response.status_code < 300:
                raise FeedUnavailable(f"the feed answered HTTP {response.status_code}")
            body = await self._read(response)
            return FetchedFeed(
                _decode(body, response.charset_encoding),
                response.headers.get("etag"),
                response.headers.get("last-modified"),
            )

    async def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FeedUnavailable(f"the feed is larger than {self.max_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FeedUnavailable(f"the feed is larger than {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def _decode(body: bytes, charset: str | None) -> str:
    # iCalendar is UTF-8 (RFC 5545 3.1.4); a server naming another charset is believed. Some
    # servers start with a byte-order mark, which the parser would take for content.
    codec = charset or "utf-8"
    if codec.lower().replace("_", "-") in ("utf-8", "utf8"):
        codec = "utf-8-sig"
    try:
        return body.decode(codec, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _why(error: httpx.HTTPError) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200]}" if text else type(error).__name__
