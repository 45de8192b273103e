"""Action items and the postmortem, as shown on the status block and in lists."""

from collections.abc import Mapping, Sequence
from datetime import date

from bot.kernel.text import truncate
from bot.slack.blocks.parts import (
    Block,
    button,
    channel_link,
    context,
    date_token,
    mention,
    section,
)
from bot.slack.ids import ActionId
from bot.slack.mrkdwn import escape_mrkdwn
from storage.models import ActionItem, Incident

MAX_ITEMS_SHOWN = 8
MAX_LISTED = 40
MAX_ITEM_TEXT = 500


def describe_item(item: ActionItem, *, today: date) -> str:
    """One line: the text, its owner and its due date (flagged when overdue)."""
    text = escape_mrkdwn(truncate(item.text, MAX_ITEM_TEXT))
    owner = mention(item.owner, nobody="_no owner_")
    due = ""
    if item.due_on is not None:
        late = item.done_at is None and item.due_on < today
        due = f" · due {item.due_on.isoformat()}" + (" *(overdue)*" if late else "")
    mark = ":white_check_mark:" if item.done_at else ":white_square:"
    return f"{mark} {text} — {owner}{due}"


def _item_block(item: ActionItem, *, today: date) -> Block:
    block = section(describe_item(item, today=today))
    if item.done_at is None and item.id is not None:
        block["accessory"] = button("Done", ActionId.ACTION_DONE, str(item.id))
    return block


def build_action_item_blocks(items: Sequence[ActionItem], *, today: date) -> list[Block]:
    """The status block's action items: open ones with a Done button, then a count."""
    if not items:
        return []
    open_items = [i for i in items if i.done_at is None]
    blocks: list[Block] = [section("*Action items*")]
    blocks += [_item_block(item, today=today) for item in open_items[:MAX_ITEMS_SHOWN]]
    done = len(items) - len(open_items)
    more = len(open_items) - MAX_ITEMS_SHOWN
    notes = [f"{done} done" if done else "", f"{more} more open" if more > 0 else ""]
    if any(notes):
        blocks.append(context(" · ".join(n for n in notes if n)))
    return blocks


def build_postmortem_line(incident: Incident, link: str | None) -> Block | None:
    """The drafted postmortem's link and the review date, once the incident is closed."""
    if not link and incident.review_due_at is None:
        return None
    text = f":memo: <{link}|Postmortem draft>" if link else ":memo: Postmortem"
    if incident.reviewed_at is not None:
        text += f" · reviewed {date_token(incident.reviewed_at)}"
    elif incident.review_due_at is not None:
        text += f" · review due {date_token(incident.review_due_at)}"
    return section(text)


def build_action_list(
    items: Sequence[ActionItem],
    incidents: Mapping[int, Incident],
    *,
    me: str,
    today: date,
    rooms: Mapping[int, str] | None = None,
) -> list[Block]:
    """`/incident actions`: open items across incidents, the caller's first."""
    if not items:
        return [section("No open action items. :tada:")]
    ordered = sorted(items, key=lambda i: (i.owner != me, i.due_on or date.max, i.id or 0))
    blocks: list[Block] = [section(f"*Open action items* ({len(items)})")]
    for item in ordered[:MAX_LISTED]:
        incident = incidents.get(item.incident_id)
        room = (rooms or {}).get(item.incident_id)
        where = (
            channel_link(room) if room else f"INC-{incident.number}" if incident else "an incident"
        )
        block = _item_block(item, today=today)
        block["text"]["text"] += f" · {where}"
        blocks.append(block)
    if len(items) > MAX_LISTED:
        blocks.append(context(f"…and {len(items) - MAX_LISTED} more."))
    return blocks
