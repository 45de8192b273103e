"""The arithmetic of escalation: which step follows which, and when each way of reaching a
paged person is tried."""

from datetime import datetime

from bot.paging.definitions import ContactDef, Method

# The address each method needs; Slack needs none beyond the user id.
_NEEDS = {Method.SMS: "phone", Method.VOICE: "phone", Method.EMAIL: "email"}


def next_step(levels: int, repeat: int, level: int, loop: int) -> tuple[int, int] | None:
    """The (level, loop) after `level` of pass `loop` (both from 0) of a policy with `levels`
    levels repeated `repeat` times; None once the last level of the last pass is done."""
    if levels < 1 or repeat < 0:
        raise ValueError(f"a policy needs at least one level and repeat >= 0 ({levels}, {repeat})")
    if not (0 <= level < levels and 0 <= loop <= repeat):
        raise ValueError(f"step ({level}, {loop}) is outside {levels} levels x {repeat + 1} passes")
    if level + 1 < levels:
        return level + 1, loop
    if loop < repeat:
        return 0, loop + 1
    return None


def notification_plan(
    contact: ContactDef | None, paged_at: datetime
) -> list[tuple[Method, datetime]]:
    """When each method reaches a person paged at `paged_at`: Slack at once, then each rule
    whose address is known, each method once (its earliest rule), in time order."""
    plan: dict[Method, datetime] = {Method.SLACK: paged_at}
    for rule in contact.rules if contact else ():
        needed = _NEEDS.get(rule.method)
        if needed is not None and not getattr(contact, needed):
            continue
        at = paged_at + rule.after
        if rule.method not in plan or at < plan[rule.method]:
            plan[rule.method] = at
    # sorted() is stable: methods due together keep Slack first, then the rules' order
    return sorted(plan.items(), key=lambda step: step[1])
