"""`warroom status-webhooks add|list|remove`: the URLs posted the status page's summary JSON on
every publication, each signed with a secret of its own."""

import argparse
import asyncio
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from bot.cli.database import checked_engine
from bot.ops.problems import SetupError

if TYPE_CHECKING:
    from bot.settings import OncallSettings
    from bot.statuspage.subscribers_webhooks import WebhookSubscribers, WebhookView

T = TypeVar("T")
RAW = argparse.RawDescriptionHelpFormatter
SIGNING = """\
Every post is the page's summary JSON (as /status/api/v2/summary.json serves it), with
  X-Warroom-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>
  X-Warroom-Event:     incident.update | maintenance.started | maintenance.completed
  X-Warroom-Delivery:  the same on every try of one post (to drop repeats)
A 5xx, 429 or timeout is tried again with backoff; any other refusal counts, and a webhook
refused 5 times in a row is disabled (remove it and add it again to start over).

Reads DATABASE_URL, and WARROOM_CONFIG for the component names."""


class OneLineParser(argparse.ArgumentParser):
    """Usage mistakes as one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        """Print `warroom status-webhooks add: <message> (see --help)` and exit 2."""
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def add_commands(commands: Any) -> None:
    """Add `status-webhooks` to the `warroom` command's subcommands."""
    summary = "webhook subscribers of the status page: add, list, remove"
    hooks = _parser(commands, "status-webhooks", summary)
    actions = hooks.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=OneLineParser
    )
    add = _parser(actions, "add", "add a webhook and print its secret (shown once)")
    add.add_argument("url", help="the http(s) URL to POST to")
    add.add_argument(
        "--components",
        default="",
        metavar="A,B",
        help="only publications about these components (default: every publication)",
    )
    add.set_defaults(func=cmd_add)
    listing = _parser(actions, "list", "list the webhooks, their state and last error")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd_list)
    remove = _parser(actions, "remove", "remove a webhook")
    remove.add_argument("id", type=int, help="the webhook's id (see list)")
    remove.set_defaults(func=cmd_remove)


def _parser(commands: Any, name: str, summary: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=SIGNING,
        formatter_class=RAW,
    )
    return parser


def cmd_add(args: argparse.Namespace) -> int:
    """Add a webhook subscriber and print its secret once."""
    components = _components(args.components)

    async def work(hooks: "WebhookSubscribers") -> str:
        webhook_id, secret = await hooks.add(args.url, components)
        following = ", ".join(components) if components else "every component"
        return (
            f"webhook subscriber {webhook_id} added: {args.url.strip()} ({following})\n"
            f"secret (shown once; keep it to check X-Warroom-Signature):\n{secret}"
        )

    print(_run(work))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """List the webhook subscribers (never their secrets)."""

    async def work(hooks: "WebhookSubscribers") -> str:
        found = await hooks.list_webhooks()
        return _as_json(found) if args.json else _as_text(found)

    print(_run(work))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove a webhook subscriber."""

    async def work(hooks: "WebhookSubscribers") -> str:
        await hooks.remove(args.id)
        return f"webhook subscriber {args.id} removed"

    print(_run(work))
    return 0


def _as_text(found: list["WebhookView"]) -> str:
    if not found:
        return "no webhook subscribers (add one: warroom status-webhooks add URL)"
    lines = []
    for hook in found:
        state = "disabled" if hook.disabled_at else "active"
        following = ",".join(hook.components) or "all"
        line = f"{hook.id}\t{state}\t{following}\t{hook.url}"
        if hook.last_error:
            line += f"\t(failures in a row: {hook.failures}; last: {hook.last_error})"
        lines.append(line)
    return "\n".join(lines)


def _as_json(found: list["WebhookView"]) -> str:
    def moment(at: datetime | None) -> str | None:
        return None if at is None else at.isoformat()

    rows = [
        {
            "id": hook.id,
            "url": hook.url,
            "components": list(hook.components),
            "created_at": moment(hook.created_at),
            "disabled_at": moment(hook.disabled_at),
            "failures": hook.failures,
            "last_error": hook.last_error,
        }
        for hook in found
    ]
    return json.dumps(rows, indent=2)


def _components(text: str) -> list[str]:
    """The names given, each checked against warroom.yml's components."""
    from bot.statuspage.config import ConfigError, load_statuspage_config

    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        return []
    try:
        config = load_statuspage_config(_settings().warroom_config)
    except ConfigError as problem:
        raise SetupError(str(problem)) from None
    known = [c.name for c in config.components]
    for name in names:
        if name not in known:
            shown = ", ".join(known) or "none: define them under components: in WARROOM_CONFIG"
            raise SetupError(f"--components: no component {name!r} (known: {shown})")
    return list(dict.fromkeys(names))


def _settings() -> "OncallSettings":
    from bot.cli import load_settings
    from bot.settings import OncallSettings

    return load_settings(OncallSettings)


def _run(work: Callable[["WebhookSubscribers"], Coroutine[Any, Any, T]]) -> T:
    """Open the database and run `work`; every refusal is a SetupError."""
    from bot.statuspage.subscribers_webhooks import WebhookError, WebhookSubscribers

    with checked_engine(_settings()) as engine:
        hooks = WebhookSubscribers(engine, None, None, None, clock=lambda: datetime.now(UTC))
        try:
            return asyncio.run(work(hooks))
        except WebhookError as refused:
            raise SetupError(str(refused)) from None
