"""Twilio's request signature (`X-Twilio-Signature`), written with the standard library.

Twilio signs a webhook with a base64 HMAC-SHA1, keyed with the account's auth token, of the
full URL it requested followed by every POST parameter's name and value, sorted by name.
The `twilio` package's `RequestValidator` does the same in about as many lines, but brings the
whole REST SDK (and its HTTP stacks) along; these lines need nothing.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The signature Twilio sends for a POST of `params` to `url`."""
    # A repeated name is signed once per distinct value, in order of value, as Twilio's own
    # validators do.
    signed = url + "".join(name + value for name, value in sorted(set(params)))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_twilio_signature(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str
) -> bool:
    """Whether `signature` is Twilio's for this request, with or without the default port in
    the URL (Twilio signs the URL as configured, which a proxy may have spelt differently)."""
    pairs = list(params)
    given = signature.strip().encode()
    return any(
        hmac.compare_digest(twilio_signature(auth_token, candidate, pairs).encode(), given)
        for candidate in _spellings(url)
    )


def _spellings(url: str) -> list[str]:
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return [url]
    spellings = [url]
    if default is not None and port in (None, default):
        userinfo = parts.netloc.rpartition("@")[0]
        prefix = f"{userinfo}@" if userinfo else ""
        for netloc in (f"{prefix}{host}", f"{prefix}{host}:{default}"):
            spelt = urlunsplit(parts._replace(netloc=netloc))
            if spelt not in spellings:
                spellings.append(spelt)
    return spellings
