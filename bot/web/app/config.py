"""What `/app` needs to know, read from the settings by the wiring (the web layer never reads
settings itself), and what is missing for it to be on."""

from dataclasses import dataclass, field

OIDC_SETTINGS = ("WARROOM_OIDC_ISSUER", "WARROOM_OIDC_CLIENT_ID", "WARROOM_OIDC_CLIENT_SECRET")
ALLOW_SETTINGS = ("WARROOM_APP_ALLOWED_DOMAINS", "WARROOM_APP_ALLOWED_WORKSPACE")


@dataclass(frozen=True)
class AppConfig:
    """Sign-in and session settings of `/app`."""

    public_url: str  # WARROOM_PUBLIC_URL, without a trailing slash
    secret: str  # signs the session cookie (see session.session_secret)
    issuer: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    allowed_domains: tuple[str, ...] = field(default_factory=tuple)
    allowed_workspace: str | None = None
    timezone: str = "UTC"

    @property
    def redirect_uri(self) -> str:
        """Where the provider sends people back: register exactly this with the provider."""
        return f"{self.public_url}/app/auth/callback"

    @property
    def discovery_url(self) -> str:
        """The provider's OpenID Connect discovery document."""
        return f"{self.issuer}/.well-known/openid-configuration"

    def missing_sign_in(self) -> tuple[str, ...]:
        """The OpenID Connect settings not set (all three are needed)."""
        values = (self.issuer, self.client_id, self.client_secret)
        return tuple(name for name, value in zip(OIDC_SETTINGS, values, strict=True) if not value)

    def problem(self) -> str | None:
        """Why `/app` is off, in a sentence naming the settings; None when it is on.

        Without an allow-list anyone with an account at the provider (any Google account, for
        Google) could read every incident, so `/app` stays off until one is set."""
        missing = self.missing_sign_in()
        if len(missing) == len(OIDC_SETTINGS):
            return (
                "Sign-in is not configured: set "
                + ", ".join(OIDC_SETTINGS)
                + " (an OpenID Connect client registered with your provider) to turn /app on."
            )
        if missing:
            return "Sign-in is half configured: also set " + " and ".join(missing) + "."
        if not self.allowed_domains and not self.allowed_workspace:
            return (
                "Nobody may sign in yet: set WARROOM_APP_ALLOWED_DOMAINS (e-mail domains, "
                "comma-separated) or WARROOM_APP_ALLOWED_WORKSPACE (a Slack team id). Without "
                "one, anyone with an account at the provider could read every incident."
            )
        return None
