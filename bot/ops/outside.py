"""Mail and SMS as `warroom doctor` checks them, from settings named WARROOM_SMTP_* and
WARROOM_TWILIO_* (passed in without their prefix: `host`, `account_sid`, …). Each probe says
whether the service took the credentials, and in a few words what it saw."""

import smtplib
from typing import Any

import httpx

TIMEOUT = 5.0  # seconds each service may take to answer
TWILIO_API = "https://api.twilio.com"


def _secret(value: Any) -> str:
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if callable(reveal) else value)


def check_smtp(values: dict[str, Any]) -> tuple[bool, str]:
    """Connect, say EHLO, STARTTLS when asked, log in when a user is set."""
    host = values.get("host")
    if not host:
        return False, "WARROOM_SMTP_HOST is not set, but other WARROOM_SMTP_* settings are"
    port = int(values.get("port") or 587)
    user = values.get("username") or values.get("user")
    try:
        with smtplib.SMTP(str(host), port, timeout=TIMEOUT) as smtp:
            smtp.ehlo()
            if values.get("starttls") or values.get("tls"):
                smtp.starttls()
                smtp.ehlo()
            if user:
                smtp.login(str(user), _secret(values.get("password") or ""))
    except smtplib.SMTPAuthenticationError as refused:
        return False, (
            f"{host}:{port} refused the login of {user} ({refused.smtp_code}): fix "
            "WARROOM_SMTP_USERNAME and WARROOM_SMTP_PASSWORD"
        )
    except (OSError, smtplib.SMTPException) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        return False, f"{host}:{port}: {reason}: fix WARROOM_SMTP_HOST and WARROOM_SMTP_PORT"
    login = f", logged in as {user}" if user else ""
    return True, f"{host}:{port} answered{login}"


def check_twilio(values: dict[str, Any]) -> tuple[bool, str]:
    """Read the account with its SID and auth token: Twilio answers 401 to wrong ones."""
    sid, token = values.get("account_sid"), values.get("auth_token")
    if not sid or not token:
        return False, "WARROOM_TWILIO_ACCOUNT_SID and WARROOM_TWILIO_AUTH_TOKEN are both needed"
    base = str(values.get("api_url") or TWILIO_API).rstrip("/")
    try:
        answer = httpx.get(
            f"{base}/2010-04-01/Accounts/{sid}.json",
            auth=(str(sid), _secret(token)),
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as error:
        return False, f"Twilio cannot be reached at {base} ({error or type(error).__name__})"
    if answer.status_code in (401, 403, 404):
        return False, (
            f"Twilio refused account {sid} ({answer.status_code}): fix "
            "WARROOM_TWILIO_ACCOUNT_SID and WARROOM_TWILIO_AUTH_TOKEN"
        )
    if answer.status_code != 200:
        return False, f"Twilio answered {answer.status_code} at {base}"
    return True, f"account {sid} valid"
