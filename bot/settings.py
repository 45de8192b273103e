"""Typed settings read from the environment and `.env`."""

import re
from datetime import timedelta
from email.utils import parseaddr
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.email.smtp_url import parse_smtp_url
from bot.incidents.rules.cadence import DEFAULT_ACK_TARGETS, CadencePolicy
from bot.kernel.timing import parse_duration
from storage.database import Timeouts
from storage.enums import Severity


def _duration(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return parse_duration(value) if isinstance(value, str) else value


def _retention(value: Any) -> Any:
    # Unlike other durations, zero is allowed here: it means keep forever.
    if not isinstance(value, str):
        return value
    if re.fullmatch(r"\s*0+\s*[smhd]?\s*", value.lower()):
        return timedelta(0)
    try:
        return parse_duration(value)
    except ValueError:
        raise ValueError(
            f"expected a duration like 90d or 12h, or 0 to keep forever, got {value!r}"
        ) from None


Duration = Annotated[timedelta, BeforeValidator(_duration)]
OptionalDuration = Annotated[timedelta | None, BeforeValidator(_duration)]
Retention = Annotated[timedelta, BeforeValidator(_retention)]


def _zone_name(value: Any) -> str:
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone like Europe/Paris") from None
    return name


ZoneName = Annotated[str, BeforeValidator(_zone_name)]
# What .env.example holds until someone fills it in: refused, with where to find the real one.
PLACEHOLDERS = frozenset(
    {"xoxb-your-bot-token", "your-signing-secret", "change-me-to-a-long-random-string"}
)
FILL_IN = {
    "slack_bot_token": "fill in the Bot User OAuth Token (xoxb-…) from your app's "
    "OAuth & Permissions page",
    "slack_signing_secret": "fill in the Signing Secret from your app's Basic Information page",
    "warroom_webhook_token": "set a long random string of your own (openssl rand -hex 24)",
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


class DatabaseSettings(BaseSettings):
    """Just the database: enough for `warroom db upgrade` and `warroom postmortem`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = "sqlite:///warroom.db"
    warroom_postmortem_template: str | None = None
    # Every wait on the database is bounded: past these, a request fails (webhooks answer 503,
    # so the sender retries) instead of hanging.
    warroom_db_connect_timeout: Duration = timedelta(seconds=5)
    warroom_db_statement_timeout: Duration = timedelta(seconds=15)
    warroom_db_lock_timeout: Duration = timedelta(seconds=10)
    # One handler and one format for Warroom, uvicorn, Bolt and the libraries (bot.observability).
    warroom_log_level: str = "INFO"
    warroom_log_format: str = "text"

    @field_validator("warroom_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return level

    @field_validator("warroom_log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        fmt = value.strip().lower()
        if fmt not in LOG_FORMATS:
            raise ValueError(f"must be one of {', '.join(LOG_FORMATS)}, got {value!r}")
        return fmt

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator(
        "warroom_db_connect_timeout", "warroom_db_statement_timeout", "warroom_db_lock_timeout"
    )
    @classmethod
    def _database_timeout(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive duration like 5s")
        return value


class OncallSettings(DatabaseSettings):
    """The database, `warroom.yml` and the public URL: enough for `warroom oncall` and
    `warroom config check`, which need no Slack tokens."""

    warroom_config: str | None = None
    warroom_public_url: str = "http://127.0.0.1:3000"

    @field_validator("warroom_public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", value.strip()):
            raise ValueError("must be an http(s) URL such as https://warroom.example.com")
        return value.strip().rstrip("/")


class Settings(OncallSettings):
    """Everything Warroom reads from its environment, with defaults."""

    slack_bot_token: str = Field(min_length=1)
    slack_signing_secret: str = Field(min_length=1)
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    warroom_announce_channel: str = "incidents"
    warroom_channel_prefix: str = "inc"
    warroom_host: str = "127.0.0.1"
    warroom_port: int = Field(default=3000, ge=1, le=65535)
    warroom_update_interval: Duration = timedelta(minutes=30)
    warroom_update_interval_sev1: OptionalDuration = None
    warroom_update_interval_sev2: OptionalDuration = None
    warroom_update_interval_sev3: OptionalDuration = None
    warroom_update_interval_sev4: OptionalDuration = None
    warroom_update_interval_mitigated: Duration = timedelta(minutes=60)
    warroom_ack_target_sev1: Duration = DEFAULT_ACK_TARGETS[Severity.SEV1]
    warroom_ack_target_sev2: Duration = DEFAULT_ACK_TARGETS[Severity.SEV2]
    warroom_ack_target_sev3: Duration = DEFAULT_ACK_TARGETS[Severity.SEV3]
    warroom_ack_target_sev4: Duration = DEFAULT_ACK_TARGETS[Severity.SEV4]
    warroom_commander_reminder: Duration = timedelta(minutes=5)
    warroom_tick_interval: Duration = timedelta(seconds=5)
    warroom_review_due: Duration = timedelta(days=7)
    warroom_workers: int = Field(default=4, ge=1, le=64)
    warroom_webhook_token: str | None = None
    warroom_metrics_token: str | None = None
    warroom_alert_channels: str = ""
    warroom_channels_per_minute: float = Field(default=20, gt=0, le=1000)
    warroom_webhook_retention: Retention = timedelta(days=90)
    # Paging by text, call and mail: Twilio (its variables keep Twilio's names) and SMTP.
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    warroom_smtp_url: str | None = None
    warroom_mail_from: str | None = None
    # Insights: the zone reports are cut in, and the monthly report's channel and time there.
    warroom_timezone: ZoneName = "UTC"
    warroom_report_channel: str | None = None
    warroom_report_time: str = "09:00"
    # The signed-in web app under /app: an OpenID Connect provider (off without one), who may
    # sign in (e-mail domains and/or a Slack workspace id), and the key its cookies are signed
    # with (derived from the Slack signing secret when unset, so replicas agree).
    warroom_oidc_issuer: str | None = None
    warroom_oidc_client_id: str | None = None
    warroom_oidc_client_secret: str | None = None
    warroom_app_allowed_domains: str = ""
    warroom_app_allowed_workspace: str | None = None
    warroom_app_secret: str | None = None

    @field_validator("warroom_report_time")
    @classmethod
    def _report_time(cls, value: str) -> str:
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if match is None:
            raise ValueError("must be a time of day like 09:00")
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    @field_validator(
        "warroom_report_channel",
        "warroom_oidc_issuer",
        "warroom_oidc_client_id",
        "warroom_oidc_client_secret",
        "warroom_app_allowed_workspace",
        "warroom_app_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_off(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("warroom_oidc_issuer")
    @classmethod
    def _oidc_issuer(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", value.strip()):
            raise ValueError("must be the provider's issuer URL, like https://accounts.google.com")
        return value.strip().rstrip("/") if value else None

    @field_validator("warroom_app_secret")
    @classmethod
    def _app_secret(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 32:
            raise ValueError("must be at least 32 characters (it signs session cookies), or unset")
        return value

    @property
    def app_allowed_domains(self) -> tuple[str, ...]:
        """The e-mail domains allowed to sign in to /app, lower-cased."""
        parts = self.warroom_app_allowed_domains.replace(",", " ").split()
        return tuple(p.strip().lstrip("@").lower() for p in parts if p.strip())

    @field_validator("warroom_webhook_token")
    @classmethod
    def _webhook_token(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if len(value) < 16:
            raise ValueError("must be at least 16 characters (it guards the alert webhooks)")
        return value

    @field_validator("warroom_metrics_token")
    @classmethod
    def _metrics_token(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if len(value) < 16:
            raise ValueError("must be at least 16 characters (it guards /metrics), or unset")
        return value

    @field_validator("warroom_alert_channels")
    @classmethod
    def _alert_channels(cls, value: str) -> str:
        for name in alert_channel_list(value):
            if not re.fullmatch(r"[a-z0-9_-]{1,80}|[CG][A-Z0-9]{2,}", name):
                raise ValueError(f"has {name!r}; give channel names or ids, comma-separated")
        return value

    @field_validator("warroom_webhook_retention")
    @classmethod
    def _webhook_retention(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative; give a duration like 90d, or 0 to keep forever")
        return value

    @field_validator(
        "twilio_account_sid",
        "twilio_auth_token",
        "twilio_from",
        "warroom_smtp_url",
        "warroom_mail_from",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("twilio_account_sid")
    @classmethod
    def _twilio_account(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"AC[0-9a-fA-F]{32}", value.strip()):
            raise ValueError("must be an Account SID: AC and 32 hexadecimal digits")
        return value.strip() if value else None

    @field_validator("twilio_from")
    @classmethod
    def _twilio_from(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\+[1-9]\d{6,14}", value.strip()):
            raise ValueError("must be a phone number in E.164 form, like +15551234567")
        return value.strip() if value else None

    @field_validator("twilio_api_url")
    @classmethod
    def _twilio_api_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", value.strip()):
            raise ValueError("must be an http(s) URL such as https://api.twilio.com")
        return value.strip().rstrip("/")

    @field_validator("warroom_smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is not None:
            parse_smtp_url(value)  # its error is one line and never shows the password
        return value

    @field_validator("warroom_mail_from")
    @classmethod
    def _mail_from(cls, value: str | None) -> str | None:
        if value is not None and "@" not in parseaddr(value)[1].strip("@"):
            raise ValueError("must be an address like Warroom <pager@example.com>")
        return value

    @field_validator("slack_bot_token", "slack_signing_secret", "warroom_webhook_token")
    @classmethod
    def _not_a_placeholder(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value.strip() in PLACEHOLDERS:
            raise ValueError(
                "is still the example value from .env.example: " + FILL_IN[str(info.field_name)]
            )
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: str) -> str:
        if not value.startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("warroom_channel_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,19}", value):
            raise ValueError("must be 1-20 lowercase letters, digits, - or _")
        return value

    @field_validator("warroom_announce_channel")
    @classmethod
    def _announce(cls, value: str) -> str:
        value = value.removeprefix("#")
        if not re.fullmatch(r"[a-z0-9_-]{1,80}|[CG][A-Z0-9]{2,}", value):
            raise ValueError("must be a channel name like incidents or a channel id")
        return value


def alert_channel_list(value: str) -> list[str]:
    """`WARROOM_ALERT_CHANNELS` as a list: comma- or space-separated, `#` optional."""
    return [part.removeprefix("#") for part in re.split(r"[,\s]+", value) if part.strip("#")]


def database_timeouts(settings: DatabaseSettings) -> Timeouts:
    """How long the database may take to connect, run a statement and wait for a lock."""
    return Timeouts(
        connect=settings.warroom_db_connect_timeout.total_seconds(),
        statement=settings.warroom_db_statement_timeout.total_seconds(),
        lock=settings.warroom_db_lock_timeout.total_seconds(),
    )


def cadence_policy(settings: Settings) -> CadencePolicy:
    """The update cadence and response targets the settings describe."""
    intervals = {
        severity: value
        for severity in Severity
        if (value := getattr(settings, f"warroom_update_interval_{severity.value}")) is not None
    }
    return CadencePolicy(
        default_interval=settings.warroom_update_interval,
        severity_intervals=intervals,
        mitigated_interval=settings.warroom_update_interval_mitigated,
        ack_targets={s: getattr(settings, f"warroom_ack_target_{s.value}") for s in Severity},
        commander_grace=settings.warroom_commander_reminder,
    )


def describe_settings_error(error: ValidationError) -> str:
    """One line naming every bad or missing setting, in plain words."""
    parts = []
    for item in error.errors():
        name = str(item["loc"][0]).upper() if item["loc"] else "settings"
        parts.append(f"{name} {_plain(item, secret=name in SECRETS)}")
    return "invalid settings: " + "; ".join(parts)


SECRETS = frozenset(
    {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL"}
    | {"WARROOM_WEBHOOK_TOKEN", "WARROOM_METRICS_TOKEN"}
    | {"TWILIO_AUTH_TOKEN", "WARROOM_SMTP_URL"}
)
# Pydantic's wording for the checks settings use, said plainly; {…} come from its context.
PLAIN = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "string_too_short": "must not be empty",
    "string_type": "must be text",
    "timedelta_type": "must be a duration like 30s, 5m or 1h",
    "timedelta_parsing": "must be a duration like 30s, 5m or 1h",
}


def _plain(item: Any, *, secret: bool) -> str:
    kind = item["type"]
    if kind == "missing":
        return "is not set"
    if kind == "value_error":  # our own validators' words
        message = str(item["msg"]).removeprefix("Value error, ")
        return (
            "must be " + message.removeprefix("expected ")
            if message.startswith("expected ")
            else message
        )
    context = {
        k: f"{v:g}" if isinstance(v, float) else v for k, v in (item.get("ctx") or {}).items()
    }
    wording = PLAIN.get(kind)
    if wording is None:
        message = str(item["msg"]).removeprefix("Input should be ").rstrip(".")
        wording = message if kind.endswith("_error") else f"must be {message}"
    else:
        wording = wording.format(**context)
    if secret or item.get("input") is None:
        return wording
    return f"{wording}, got {item['input']!r}"
