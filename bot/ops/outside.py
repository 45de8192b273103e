"""Mail and SMS as `warroom doctor` checks them: the SMTP server of WARROOM_SMTP_URL (with
WARROOM_MAIL_FROM) and Twilio's REST API with the TWILIO_* settings. Each probe gets the
values of its settings by name and says whether the service took the credentials, in a line
that names the settings to fix and never shows a password or token."""

import asyncio
from email.utils import parseaddr
from typing import Any

import aiosmtplib
import httpx

from bot.email.smtp_url import SmtpTarget, SmtpUrlError, parse_smtp_url

MAIL_SETTINGS = ("warroom_smtp_url", "warroom_mail_from")
TWILIO_SETTINGS = ("twilio_account_sid", "twilio_auth_token", "twilio_from", "twilio_api_url")
TWILIO_NEEDED = TWILIO_SETTINGS[:3]  # TWILIO_API_URL has a default
TIMEOUT = 10.0  # seconds each service may take to answer, whatever the URL allows
TWILIO_API = "https://api.twilio.com"


def _secret(value: Any) -> str:
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if callable(reveal) else value)


def _listed(names: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`."""
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _is(names: list[str]) -> str:
    return "is" if len(names) == 1 else "are"


def _one_line(text: str, *hidden: str | None) -> str:
    """`text` on one line, short, with every secret in `hidden` masked."""
    line = " ".join(text.split())
    for secret in hidden:
        if secret:
            line = line.replace(secret, "***")
    return line[:200].rstrip(".")


def check_smtp(values: dict[str, Any]) -> tuple[bool, str]:
    """Connect to the server WARROOM_SMTP_URL names, as the mailer does (TLS or STARTTLS as
    the URL says), and log in when it has a user."""
    url, mail_from = values.get("warroom_smtp_url"), values.get("warroom_mail_from")
    if not url:
        return False, (
            "WARROOM_MAIL_FROM is set but WARROOM_SMTP_URL is not: set the server pages are "
            "mailed through, like smtp://user:pass@host:587?starttls=true"
        )
    if not mail_from:
        return False, (
            "WARROOM_SMTP_URL is set but WARROOM_MAIL_FROM is not: set the address pages are "
            "mailed from, like Warroom <pager@example.com>"
        )
    try:
        target = parse_smtp_url(_secret(url))
    except SmtpUrlError as error:
        return False, f"WARROOM_SMTP_URL {error}"
    return asyncio.run(_log_in(target, str(mail_from)))


async def _log_in(target: SmtpTarget, mail_from: str) -> tuple[bool, str]:
    where, user = f"{target.host}:{target.port}", target.username
    smtp = aiosmtplib.SMTP(
        hostname=target.host,
        port=target.port,
        username=user,
        password=target.password,
        use_tls=target.implicit_tls,
        start_tls=target.starttls,
        timeout=min(target.timeout, TIMEOUT),
    )
    sender = parseaddr(mail_from)[1]
    try:
        await smtp.connect()  # logs in too when the URL has a user
        encrypted = smtp.transport is not None and bool(smtp.transport.get_extra_info("ssl_object"))
        # A server that wants a login, or refuses this sender, says so here; nothing is sent.
        await smtp.mail(sender)
        await smtp.rset()
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError) as error:  # a TLS handshake raises ssl's own
        return False, _smtp_problem(error, where, user, sender, target.password)
    finally:
        smtp.close()
    over = "over TLS" if encrypted else "without TLS"
    if user is None:
        return True, f"{where} answered {over} and takes mail from {sender} without a login"
    return True, f"{where} accepted the login of {user} {over}"


def _smtp_problem(
    error: aiosmtplib.SMTPException | OSError,
    where: str,
    user: str | None,
    sender: str,
    password: str | None,
) -> str:
    """One line saying what to fix in WARROOM_SMTP_URL or WARROOM_MAIL_FROM."""
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        reason = _one_line(f"{error.code} {error.message}", password)
        return (
            f"{where} refused the login of {user} ({reason}): fix the user or password in "
            "WARROOM_SMTP_URL"
        )
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        reason = _one_line(f"{error.code} {error.message}", password)
        fix = "WARROOM_MAIL_FROM" if user else "WARROOM_SMTP_URL (a user and password?)"
        return f"{where} refused mail from {sender} ({reason}): check {fix}"
    reason = _one_line(str(error), password).removeprefix(
        f"Error connecting to {where.replace(':', ' on port ')}: "
    )
    reason = reason or type(error).__name__
    if "CERTIFICATE_VERIFY_FAILED" in reason:
        return (
            f"{where}: {reason}: the mailer would refuse it too; put the name the certificate "
            "is for in WARROOM_SMTP_URL, or trust its issuer on this machine"
        )
    if isinstance(error, OSError):
        return (
            f"{where}: {reason}: check the host, port and TLS of WARROOM_SMTP_URL, and that "
            "the server is up"
        )
    # The server lacks what the URL asks for (AUTH, STARTTLS) or refused a command.
    return f"{where}: {reason}: change WARROOM_SMTP_URL to what the server offers"


def check_twilio(values: dict[str, Any]) -> tuple[bool, str]:
    """Read the account with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Twilio answers 401 to
    wrong ones), then look TWILIO_FROM up among the account's phone numbers."""
    unset = [name.upper() for name in TWILIO_NEEDED if not values.get(name)]
    if unset:
        given = [name.upper() for name in TWILIO_NEEDED if values.get(name)] or ["TWILIO_API_URL"]
        return False, (
            f"{_listed(given)} {_is(given)} set but {_listed(unset)} {_is(unset)} not: paging "
            "by SMS and calls needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM"
        )
    sid, token = str(values["twilio_account_sid"]), _secret(values["twilio_auth_token"])
    number = str(values["twilio_from"])
    base = str(values.get("twilio_api_url") or TWILIO_API).rstrip("/")
    account = f"{base}/2010-04-01/Accounts/{sid}"
    try:
        with httpx.Client(auth=(sid, token), timeout=TIMEOUT) as client:
            answer = client.get(f"{account}.json")
            refused = _account_problem(answer, sid, base)
            if refused:
                return False, _one_line(refused, token)
            numbers = client.get(
                f"{account}/IncomingPhoneNumbers.json", params={"PhoneNumber": number}
            )
    except httpx.HTTPError as error:
        reason = _one_line(str(error), token) or type(error).__name__
        return False, f"Twilio cannot be reached at {base} ({reason}): check TWILIO_API_URL"
    return _number_verdict(numbers, sid, number)


def _account_problem(answer: httpx.Response, sid: str, base: str) -> str | None:
    """Why the account resource says the credentials cannot page, or None."""
    if answer.status_code in (401, 403, 404):
        return (
            f"Twilio refused account {sid} ({answer.status_code}{_twilio_error(answer)}): "
            "fix TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Twilio Console → Account Info)"
        )
    if answer.status_code != 200:
        return f"Twilio answered {answer.status_code}{_twilio_error(answer)} at {base}"
    status = _json(answer).get("status")
    if status not in (None, "active"):
        return f"Twilio account {sid} is {status}: it cannot send texts or make calls"
    return None


def _number_verdict(answer: httpx.Response, sid: str, number: str) -> tuple[bool, str]:
    """PASS when TWILIO_FROM is among the account's numbers, or when they cannot be listed."""
    if answer.status_code != 200:
        return True, (
            f"account {sid} active; its numbers could not be listed ({answer.status_code}), "
            f"so TWILIO_FROM {number} is unchecked"
        )
    listed = _json(answer).get("incoming_phone_numbers") or []
    # Twilio's PhoneNumber filter also matches partial numbers: compare the whole number.
    if any(isinstance(n, dict) and n.get("phone_number") == number for n in listed):
        return True, f"account {sid} active; TWILIO_FROM {number} is one of its numbers"
    return False, (
        f"TWILIO_FROM {number} is not one of account {sid}'s phone numbers: set it to one "
        "listed under Phone Numbers → Active numbers in the Twilio Console"
    )


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _twilio_error(answer: httpx.Response) -> str:
    """`, Twilio error 20003 Authenticate` from Twilio's JSON error body, when it has one."""
    body = _json(answer)
    code, message = body.get("code"), body.get("message")
    if not code:
        return ""
    return f", Twilio error {code}" + (f" {message}" if message else "")
