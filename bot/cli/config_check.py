"""`warroom config check`: warroom.yml as `warroom run` loads it, without starting anything."""

import argparse

from bot.ops.problems import SetupError


def cmd_config_check(args: argparse.Namespace) -> int:
    """Check warroom.yml as `warroom run` would; one line either way."""
    from bot.alerts.config import ConfigError as RoutingError
    from bot.alerts.config import load_routing_config
    from bot.oncall.config import ConfigError, load_schedules
    from bot.paging.config import load_paging_config

    path = args.config or _config_setting()
    if not path:
        raise SetupError("no file to check: pass --config PATH or set WARROOM_CONFIG")
    try:
        routing = load_routing_config(path)
        schedules = load_schedules(path)
        paging = load_paging_config(path, schedules=schedules)
    except (RoutingError, ConfigError) as problem:
        raise SetupError(str(problem)) from None
    layers = sum(len(schedule.layers) for schedule in schedules)
    policies = len(paging.policies)
    print(
        f"{path}: valid: {_count(len(routing.rules), 'route')}, "
        f"{_count(len(schedules), 'schedule')} with {_count(layers, 'layer')}"
        + (f", {_count(policies, 'escalation policy', 'escalation policies')}" if policies else "")
    )
    return 0


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _config_setting() -> str | None:
    from bot.cli import load_settings
    from bot.settings import OncallSettings

    return load_settings(OncallSettings).warroom_config
