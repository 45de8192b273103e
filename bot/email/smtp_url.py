"""`WARROOM_SMTP_URL`: where mail goes, as one URL, read with the standard library only (the
settings check it at start-up without loading the SMTP client).

    smtp://user:pass@host:587?starttls=true   STARTTLS required, then AUTH
    smtps://user:pass@host                    TLS from the first byte (port 465)
    smtp://host:25                            no AUTH; STARTTLS if the server offers it

User and password are percent-encoded (`p%40ss` for `p@ss`). Options: `starttls=true|false`
(smtp:// only; unset means "if offered") and `timeout=<seconds>` (default 30).
"""

from dataclasses import dataclass, field
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

SHAPE = "smtp://user:pass@host:587?starttls=true, smtps://user:pass@host or smtp://host:25"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
STARTTLS_PORT = 587
DEFAULT_TIMEOUT = 30.0
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class SmtpUrlError(ValueError):
    """A `WARROOM_SMTP_URL` that cannot be used; its message is one line, without secrets."""


@dataclass(frozen=True)
class SmtpTarget:
    """An SMTP server and how to talk to it."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    implicit_tls: bool = False  # smtps://
    starttls: bool | None = None  # None: upgrade when the server offers it
    timeout: float = DEFAULT_TIMEOUT


def parse_smtp_url(url: str) -> SmtpTarget:
    """The server a `WARROOM_SMTP_URL` names; `SmtpUrlError` saying what is wrong otherwise."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        shown = f"{scheme}://" if scheme else "no scheme"
        raise SmtpUrlError(f"must look like {SHAPE}; it has {shown}")
    host = parts.hostname
    if not host:
        raise SmtpUrlError(f"has no host; it must look like {SHAPE}")
    if parts.path not in ("", "/") or parts.fragment:
        raise SmtpUrlError("must not have a path or a fragment after the host")
    starttls, timeout = _options(parts.query)
    if scheme == "smtps" and starttls is not None:
        raise SmtpUrlError("smtps:// is TLS from the start; drop ?starttls= or use smtp://")
    username, password = _credentials(parts.username, parts.password)
    return SmtpTarget(
        host=host,
        port=_port(parts, scheme, starttls),
        username=username,
        password=password,
        implicit_tls=scheme == "smtps",
        starttls=starttls,
        timeout=timeout,
    )


def _port(parts: SplitResult, scheme: str, starttls: bool | None) -> int:
    try:
        port = parts.port
    except ValueError:
        raise SmtpUrlError("has a port that is not a number from 1 to 65535") from None
    if port is None:
        return STARTTLS_PORT if starttls else DEFAULT_PORTS[scheme]
    if not 1 <= port <= 65535:
        raise SmtpUrlError("has a port that is not a number from 1 to 65535")
    return int(port)


def _credentials(user: str | None, password: str | None) -> tuple[str | None, str | None]:
    if user is None and password is None:
        return None, None
    if not user or password is None:
        raise SmtpUrlError("must give both a user and a password (user:pass@host), or neither")
    return unquote(user), unquote(password)


def _options(query: str) -> tuple[bool | None, float]:
    starttls: bool | None = None
    timeout = DEFAULT_TIMEOUT
    for name, value in parse_qsl(query, keep_blank_values=True):
        key = name.lower()
        if key == "starttls":
            if value.lower() not in BOOLEANS:
                raise SmtpUrlError(f"has starttls={value[:20]!r}; use starttls=true or false")
            starttls = BOOLEANS[value.lower()]
        elif key == "timeout":
            try:
                timeout = float(value)
            except ValueError:
                timeout = -1.0
            if not 0.1 <= timeout <= 600:
                raise SmtpUrlError(
                    f"has timeout={value[:20]!r}; give seconds, more than 0 and at most 600"
                )
        else:
            raise SmtpUrlError(f"has an unknown option {name[:30]!r}; use starttls or timeout")
    return starttls, timeout
