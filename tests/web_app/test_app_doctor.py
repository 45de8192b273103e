"""`warroom doctor` on the signed-in web app: silent when /app is off, a warning when it allows
nobody, a failure when the provider cannot be read, a pass naming the redirect URI."""

from typing import Any

from servers.oidc_provider import OidcUser, start_oidc_provider

from bot.ops.doctor_app import check_web_app
from bot.ops.findings import Outcome
from bot.settings import Settings


def settings(**more: Any) -> Settings:
    """Settings with Slack filled in and the given /app ones."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token="xoxb-doctor",
        slack_signing_secret="doctor-signing-secret",
        warroom_public_url="https://warroom.example.com",
        **more,
    )


def test_doctor_says_whether_sign_in_can_work() -> None:
    assert check_web_app(settings()) == []
    with start_oidc_provider(
        ["https://warroom.example.com/app/auth/callback"], [OidcUser("a@b.c")]
    ) as okta:
        signing_in = {
            "warroom_oidc_issuer": okta.issuer,
            "warroom_oidc_client_id": okta.client_id,
            "warroom_oidc_client_secret": okta.client_secret,
        }
        (nobody,) = check_web_app(settings(**signing_in))
        assert nobody.outcome is Outcome.WARN
        assert "WARROOM_APP_ALLOWED_DOMAINS" in nobody.detail
        (ready,) = check_web_app(settings(**signing_in, warroom_app_allowed_domains="example.com"))
        assert ready.outcome is Outcome.PASS, ready.detail
        assert "https://warroom.example.com/app/auth/callback" in ready.detail
        wrong = {**signing_in, "warroom_oidc_issuer": okta.url + "/oauth2/nowhere"}
        (unfit,) = check_web_app(settings(**wrong, warroom_app_allowed_domains="example.com"))
        assert unfit.outcome is Outcome.FAIL
        assert "cannot read" in unfit.detail
    (gone,) = check_web_app(settings(**signing_in, warroom_app_allowed_domains="example.com"))
    assert gone.outcome is Outcome.FAIL and "cannot read" in gone.detail
