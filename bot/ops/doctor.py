"""`warroom doctor`: a deployment checked end to end without starting it, a line per check."""

import asyncio
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import yaml
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url

from bot.kernel.bundled import MANIFEST, BundledFileMissing, bundled_text
from bot.ops.database import current_revision, schema_problem, shown, sqlite_place_problem
from bot.ops.doctor_app import check_web_app
from bot.ops.findings import Finding, Outcome
from bot.ops.outside import MAIL_SETTINGS, TWILIO_SETTINGS, check_smtp, check_twilio
from bot.ops.problems import APPS_PAGE, SetupError, app_token_refused, bot_token_refused
from bot.settings import DatabaseSettings, Settings, describe_settings_error
from bot.slack.identity import (
    BotUser,
    SlackUnreachable,
    TokenRefused,
    ask_auth_test,
    ask_slack,
    describe_bot,
)
from storage import revisions

SIGNING_SECRET = re.compile(r"[0-9a-f]{32}")
NEED_SETTINGS = (
    "Slack bot token",
    "Slack scopes",
    "signing secret",
    "Socket Mode",
    "webhook token",
    "mail",
    "SMS",
    "routing config",
    "on-call schedules",
)


# The mark of each outcome where the terminal can show it, and a word where it cannot.
MARKS = {
    Outcome.PASS: ("✓", "ok"),
    Outcome.WARN: ("!", "warn"),
    Outcome.FAIL: ("✗", "FAIL"),
    Outcome.SKIP: ("\u2013", "skip"),  # an en dash
}


def run_doctor(out: TextIO) -> int:
    """Print a line per check and a summary; 1 if any check failed, else 0."""
    fancy = _can_show(out, "".join(mark for mark, _ in MARKS.values()))
    counts = dict.fromkeys(Outcome, 0)
    for finding in diagnose():
        counts[finding.outcome] += 1
        mark = MARKS[finding.outcome][0 if fancy else 1]
        line = f"{mark:<4} {finding.check:<17} {finding.detail}"
        print(line if fancy else _plain(line, out), file=out, flush=True)
    summary = ", ".join(
        f"{counts[outcome]} {word}"
        for outcome, word in (
            (Outcome.PASS, "passed"),
            (Outcome.WARN, "warned"),
            (Outcome.FAIL, "failed"),
            (Outcome.SKIP, "skipped"),
        )
        if counts[outcome] or outcome is Outcome.FAIL
    )
    verdict = "not ready" if counts[Outcome.FAIL] else "ready"
    print(f"\n{verdict}: {summary}", file=out, flush=True)
    return 1 if counts[Outcome.FAIL] else 0


def _plain(text: str, out: TextIO) -> str:
    """`text` with what the terminal cannot show replaced (an arrow, an ellipsis)."""
    encoding = getattr(out, "encoding", None) or "ascii"
    return text.encode(encoding, errors="replace").decode(encoding)


def _can_show(out: TextIO, text: str) -> bool:
    try:
        text.encode(getattr(out, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def diagnose() -> Iterator[Finding]:
    """Every check, in the order an operator fixes things."""
    env_file = Path.cwd() / ".env"
    where = f"{env_file} ({'read' if env_file.is_file() else 'absent: environment only'})"
    settings: Settings | None = None
    try:
        settings = Settings()  # type: ignore[call-arg]
    except ValidationError as error:
        yield Finding("settings", Outcome.FAIL, f"{describe_settings_error(error)}; .env: {where}")
    else:
        yield Finding("settings", Outcome.PASS, f"loaded; {_mode(settings)}; .env: {where}")
    database = settings or _load(DatabaseSettings)
    if database is None:
        yield Finding("database", Outcome.SKIP, "DATABASE_URL or its timeouts did not load")
    else:
        yield check_database(database)
    if settings is None:
        for check in NEED_SETTINGS:
            yield Finding(check, Outcome.SKIP, "the settings did not load")
    else:
        yield from asyncio.run(check_slack(settings))
        yield check_webhook_token(settings)
        yield check_service("mail", MAIL_SETTINGS, settings, check_smtp)
        yield check_service("SMS", TWILIO_SETTINGS, settings, check_twilio)
        yield check_routing(settings)
        yield check_schedules(settings)
        yield from check_web_app(settings)
        from bot.ops.doctor_feeds import check_feeds  # it builds on this module's Finding

        yield from check_feeds(settings)
    if database is not None:
        yield check_postmortem_template(database)


def _load(kind: type[DatabaseSettings]) -> DatabaseSettings | None:
    try:
        return kind()
    except ValidationError:
        return None


def _mode(settings: Settings) -> str:
    if settings.slack_app_token:
        return "Socket Mode (SLACK_APP_TOKEN is set)"
    return (
        f"HTTP mode: Slack must reach http://{settings.warroom_host}:{settings.warroom_port}"
        "/slack/events through your proxy"
    )


def check_database(settings: DatabaseSettings) -> Finding:
    """DATABASE_URL reachable, and its schema the one this version needs."""
    url = settings.database_url
    sqlite = make_url(url).get_backend_name() == "sqlite"
    try:
        if sqlite and (problem := sqlite_place_problem(url)) is not None:
            raise SetupError(problem)
        revision = current_revision(
            url, connect_timeout=settings.warroom_db_connect_timeout.total_seconds()
        )
    except SetupError as error:
        return Finding("database", Outcome.FAIL, str(error))
    problem = schema_problem(url, revision)
    if problem is None:
        return Finding("database", Outcome.PASS, f"{shown(url)}, schema current ({revision})")
    if sqlite and (revision is None or revisions.knows_revision(revision)):
        now = "no database yet" if revision is None else f"schema at {revision}"
        return Finding(
            "database", Outcome.WARN, f"{shown(url)}: {now}; `warroom run` migrates it on start"
        )
    return Finding("database", Outcome.FAIL, problem)


async def check_slack(settings: Settings) -> list[Finding]:
    """The bot token and its scopes, the signing secret, and the app-level token."""
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    found = []
    try:
        me = await ask_auth_test(client)
    except TokenRefused as refused:
        found.append(Finding("Slack bot token", Outcome.FAIL, bot_token_refused(refused)))
        found.append(Finding("Slack scopes", Outcome.SKIP, "the bot token was refused"))
    except SlackUnreachable as unreachable:
        found.append(_unreachable("Slack bot token", settings, unreachable))
        found.append(Finding("Slack scopes", Outcome.SKIP, "Slack could not be reached"))
    else:
        found.append(Finding("Slack bot token", Outcome.PASS, f"valid: {describe_bot(me)}"))
        found.append(check_scopes(me))
    found.append(check_signing_secret(settings.slack_signing_secret))
    found.append(await check_app_token(settings, client))
    return found


def _unreachable(check: str, settings: Settings, unreachable: SlackUnreachable) -> Finding:
    return Finding(
        check,
        Outcome.FAIL,
        f"Slack cannot be reached at {settings.slack_api_url} ({unreachable.reason}): check "
        "the network, any proxy, and SLACK_API_URL",
    )


def manifest_scopes() -> frozenset[str]:
    """The bot scopes manifest.yml asks for."""
    manifest = yaml.safe_load(bundled_text(MANIFEST)) or {}
    scopes = ((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or []
    return frozenset(str(scope) for scope in scopes)


def check_scopes(me: BotUser) -> Finding:
    """The token's scopes (auth.test's `x-oauth-scopes`) against manifest.yml's bot scopes."""
    try:
        wanted = manifest_scopes()
    except (BundledFileMissing, yaml.YAMLError) as problem:
        return Finding("Slack scopes", Outcome.SKIP, f"cannot read manifest.yml: {problem}")
    if me.scopes is None:
        return Finding(
            "Slack scopes", Outcome.WARN, "Slack sent no x-oauth-scopes header to compare"
        )
    missing = sorted(wanted - me.scopes)
    if missing:
        return Finding(
            "Slack scopes",
            Outcome.FAIL,
            f"missing {', '.join(missing)}: add them under OAuth & Permissions → Scopes at "
            f"{APPS_PAGE} (manifest.yml lists them all), then reinstall the app",
        )
    return Finding(
        "Slack scopes", Outcome.PASS, f"all {len(wanted)} bot scopes of manifest.yml granted"
    )


def check_signing_secret(secret: str) -> Finding:
    """Slack issues signing secrets as 32 hex digits; anything else was likely mis-copied."""
    if SIGNING_SECRET.fullmatch(secret):
        return Finding("signing secret", Outcome.PASS, "32 hex characters, as Slack issues them")
    return Finding(
        "signing secret",
        Outcome.WARN,
        f"SLACK_SIGNING_SECRET has {len(secret)} character{'' if len(secret) == 1 else 's'}, "
        "not the 32 hex characters Slack "
        "issues: copy it again from Basic Information → App Credentials (requests signed "
        "with the real one will be refused)",
    )


async def check_app_token(settings: Settings, client: AsyncWebClient) -> Finding:
    """SLACK_APP_TOKEN opens Socket Mode (a URL is issued; nothing connects to it)."""
    if not settings.slack_app_token:
        return Finding("Socket Mode", Outcome.SKIP, "SLACK_APP_TOKEN not set: HTTP mode")
    try:
        await ask_slack(client, "apps.connections.open", token=settings.slack_app_token)
    except TokenRefused as refused:
        return Finding("Socket Mode", Outcome.FAIL, app_token_refused(refused))
    except SlackUnreachable as unreachable:
        return _unreachable("Socket Mode", settings, unreachable)
    return Finding("Socket Mode", Outcome.PASS, "SLACK_APP_TOKEN valid: Socket Mode can connect")


def check_webhook_token(settings: Settings) -> Finding:
    """The alert webhooks are on only with a token, long enough to guess at no rate."""
    token = settings.warroom_webhook_token
    if not token:
        return Finding(
            "webhook token", Outcome.SKIP, "WARROOM_WEBHOOK_TOKEN not set: alert webhooks off"
        )
    return Finding(
        "webhook token", Outcome.PASS, f"set ({len(token)} characters): alert webhooks on"
    )


def check_service(
    check: str,
    names: tuple[str, ...],
    settings: BaseSettings,
    probe: Callable[[dict[str, Any]], tuple[bool, str]],
) -> Finding:
    """A service reached through the settings `names`, checked by `probe` with their values
    when any of them is set (a default, such as an API's address, configures nothing)."""
    fields = type(settings).model_fields
    values = {name: getattr(settings, name) for name in names}
    if all(values[name] in (None, "", fields[name].default) for name in names):
        unset = [name.upper() for name in names if fields[name].default in (None, "")]
        shown = " and ".join([", ".join(unset[:-1]), unset[-1]] if len(unset) > 1 else unset)
        return Finding(check, Outcome.SKIP, f"not configured ({shown} not set)")
    ok, detail = probe(values)
    return Finding(check, Outcome.PASS if ok else Outcome.FAIL, detail)


def check_routing(settings: Settings) -> Finding:
    """WARROOM_CONFIG loads, as `warroom run` would load it: its routes and its escalation
    policies (the schedules have a check of their own)."""
    from bot.alerts.config import ConfigError, load_routing_config
    from bot.paging.config import load_paging_config

    path = settings.warroom_config
    try:
        config = load_routing_config(path)
        paging = load_paging_config(path)
    except ConfigError as problem:
        return Finding("routing config", Outcome.FAIL, str(problem))
    if not path:
        return Finding("routing config", Outcome.SKIP, "WARROOM_CONFIG not set: default routing")
    detail = f"{path}: {len(config.rules)} routes"
    if paging.policies:
        detail += f", {len(paging.policies)} escalation policies ({', '.join(paging.policies)})"
    return Finding("routing config", Outcome.PASS, detail)


def check_schedules(settings: Settings) -> Finding:
    """The on-call schedules of WARROOM_CONFIG load, as `warroom run` would load them (the
    people they name are checked against Slack by `warroom run`)."""
    from bot.kernel.config_file import read_yaml
    from bot.oncall.config import ConfigError, load_schedules

    check = "on-call schedules"
    try:
        if settings.warroom_config:
            read_yaml(settings.warroom_config)
    except ConfigError:
        # A file that cannot be read or parsed is the routing check's failure already.
        return Finding(check, Outcome.SKIP, "WARROOM_CONFIG did not load (see routing config)")
    try:
        schedules = load_schedules(settings.warroom_config)
    except ConfigError as problem:
        return Finding(check, Outcome.FAIL, str(problem))
    if not schedules:
        return Finding(check, Outcome.SKIP, "none defined (schedules: in WARROOM_CONFIG)")
    layers = sum(len(schedule.layers) for schedule in schedules)
    names = ", ".join(schedule.name for schedule in schedules)
    plural = "" if len(schedules) == 1 else "s"
    return Finding(
        check,
        Outcome.PASS,
        f"{settings.warroom_config}: {len(schedules)} schedule{plural} ({names}), {layers} layers",
    )


def check_postmortem_template(settings: DatabaseSettings) -> Finding:
    """The post-mortem template renders a sample incident."""
    from bot.incidents.postmortem.render import TemplateProblem, load_postmortem_renderer

    path = settings.warroom_postmortem_template
    try:
        renderer = load_postmortem_renderer(path)
    except TemplateProblem as problem:
        return Finding("postmortem", Outcome.FAIL, str(problem))
    which = path if path and path.strip() else f"the built-in template ({renderer.path})"
    return Finding("postmortem", Outcome.PASS, f"{which} renders a sample incident")
