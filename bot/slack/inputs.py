"""Ids and numbers read from Slack payloads, checked before use: a button value, a view's
private metadata. A bad one is "not valid any more", never an overflow or a 500."""

import re

from bot.kernel.errors import InvalidInput

# A database id: ASCII digits only (`²` is a digit to str.isdigit), no sign, and small enough
# for the id columns, which are INTEGER: 32 bits on PostgreSQL, where a larger value fails the
# query ("integer out of range") instead of finding nothing.
_ID = re.compile(r"[1-9][0-9]{0,9}")
MAX_ID = 2**31 - 1
SNOOZE = re.compile(r"([1-9][0-9]{0,9}):([0-9]{1,3})")


def parse_id(value: object, message: str) -> int:
    """A positive database id given as text, or InvalidInput with `message`."""
    text = str(value or "")
    if not _ID.fullmatch(text) or int(text) > MAX_ID:
        raise InvalidInput(message)
    return int(text)


def parse_snooze(value: object) -> tuple[int, int]:
    """`<incident id>:<minutes>` from a Snooze button."""
    match = SNOOZE.fullmatch(str(value or ""))
    if match is None or int(match.group(1)) > MAX_ID:
        raise InvalidInput("That snooze button is not valid any more.")
    return int(match.group(1)), int(match.group(2))
