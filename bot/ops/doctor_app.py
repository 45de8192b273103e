"""`warroom doctor`'s look at the signed-in web app: whether `/app` is on, and whether the
OpenID Connect provider's discovery document can be read and names what sign-in needs."""

import httpx

from bot.ops.findings import Finding, Outcome
from bot.settings import Settings
from bot.web.app.config import OIDC_SETTINGS
from bot.wiring.web_app import app_config

CHECK = "web app sign-in"
TIMEOUT = 5.0
NEEDED = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def check_web_app(settings: Settings) -> list[Finding]:
    """Nothing when sign-in is not configured (`/app` is off, as intended); a warning when it
    is half configured or allows nobody; a failure when the provider cannot be read or does not
    name what sign-in needs."""
    if len(app_config(settings).missing_sign_in()) == len(OIDC_SETTINGS):
        return []
    return [_check(settings)]


def _check(settings: Settings) -> Finding:
    config = app_config(settings)
    problem = config.problem()
    if problem is not None:
        return Finding(CHECK, Outcome.WARN, f"/app is off. {problem}")
    try:
        answer = httpx.get(config.discovery_url, timeout=TIMEOUT, follow_redirects=True)
        answer.raise_for_status()
        document = answer.json()
    except (httpx.HTTPError, ValueError) as error:
        return Finding(CHECK, Outcome.FAIL, f"cannot read {config.discovery_url}: {error}")
    if not isinstance(document, dict):
        return Finding(CHECK, Outcome.FAIL, f"{config.discovery_url} is not a JSON object")
    missing = [name for name in NEEDED if not document.get(name)]
    if missing:
        return Finding(CHECK, Outcome.FAIL, f"{config.discovery_url} names no {', '.join(missing)}")
    if str(document.get("issuer", "")).rstrip("/") != config.issuer:
        return Finding(
            CHECK,
            Outcome.FAIL,
            f"the provider's issuer is {document.get('issuer')!r}: set WARROOM_OIDC_ISSUER to it",
        )
    return Finding(
        CHECK, Outcome.PASS, f"{config.issuer}; register the redirect URI {config.redirect_uri}"
    )
