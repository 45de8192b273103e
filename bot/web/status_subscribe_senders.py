"""What carries the status page's webhook posts out: httpx (5xx, 429 and timeouts may pass;
other refusals are for good)."""

from collections.abc import Mapping

import httpx

from bot import __version__
from bot.kernel.outbox import Permanent, Transient

TIMEOUT = 10.0  # seconds for a whole post
USER_AGENT = f"Warroom/{__version__} status page webhook"


class HttpWebhookPoster:
    """The status page's `WebhookPoster` over httpx; redirects are not followed."""

    def __init__(
        self, *, timeout: float = TIMEOUT, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.timeout = timeout
        self.transport = transport

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        """POST `body` to `url`: 2xx is done; 429, 5xx, timeouts and dropped connections
        `Transient`; anything else `Permanent`."""
        sent = {"user-agent": USER_AGENT, **headers}
        try:
            async with httpx.AsyncClient(
                transport=self.transport, timeout=self.timeout, follow_redirects=False
            ) as client:
                answer = await client.post(url, content=body, headers=sent)
        except httpx.TimeoutException as error:
            raise Transient(f"webhook timed out: {type(error).__name__}") from error
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
            raise Permanent(f"webhook URL cannot be posted to: {error}"[:200]) from error
        except httpx.TransportError as error:
            raise Transient(
                f"webhook unreachable: {type(error).__name__}: {error}"[:200]
            ) from error
        _sort(answer)


def _sort(answer: httpx.Response) -> None:
    status = answer.status_code
    if 200 <= status < 300:
        return
    reason = f"webhook answered HTTP {status}"
    if status == 429 or status >= 500:
        raise Transient(reason, retry_after=_retry_after(answer.headers.get("retry-after")))
    raise Permanent(reason)


def _retry_after(value: str | None) -> float | None:
    if value is None or not value.strip().isdigit():
        return None
    return min(float(value.strip()), 3600.0)
