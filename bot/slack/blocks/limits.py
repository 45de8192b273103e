"""Block Kit limits, and fitting user text inside them without breaking an escape."""

import re

from bot.core.text import escape_mrkdwn, plain_from_slack, truncate

MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_TEXT = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTON = 75
MAX_OPTION = 75
MAX_OPTION_VALUE = 150
MAX_MODAL_TITLE = 24
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS = 25
MAX_METADATA = 3000
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_HINT = 2000
MAX_TOPIC = 250

_MENTION = re.compile(r"<@[UW][A-Z0-9]+>")
# What one plain character can cost once escaped; `<` and `>` of a kept mention cost less.
_COST = {"&": 5, "<": 4, ">": 4}


def inert(text: str) -> str:
    """User text for a plain_text object: no escaping, but Slack markup made into words.

    plain_text is never parsed for mentions, yet a literal `<!channel>` or disguised link
    in a header still reads as one; showing `@channel` and the real address is clearer.
    Repeated until stable, because unescaping `&lt;!channel&gt;` makes a new one; every
    pass that changes the text shortens it or removes a `<`, so this ends.
    """
    while (simpler := plain_from_slack(text)) != text:
        text = simpler
    return text


def fit_plain(text: str, limit: int) -> str:
    """User text made inert and cut to `limit` characters for a plain_text object."""
    return truncate(inert(text), limit)


def fit_mrkdwn(
    text: str, limit: int, *, allow_user_mentions: bool = False, marker: str = "…"
) -> str:
    """Escape plain `text` for mrkdwn, cutting the plain text first so the result fits.

    Cutting before escaping never leaves half an entity (`&am`) behind.
    """
    whole = escape_mrkdwn(text, allow_user_mentions=allow_user_mentions)
    if len(whole) <= limit:
        return whole

    def cut(keep: int) -> str:
        return escape_mrkdwn(text[:keep] + marker, allow_user_mentions=allow_user_mentions)

    if len(cut(0)) > limit:
        return marker[:limit]
    fits, too_long = 0, min(len(text), limit + 1)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if len(cut(middle)) <= limit:
            fits = middle
        else:
            too_long = middle
    return cut(fits)


def split_mrkdwn(
    text: str,
    limit: int,
    *,
    max_parts: int,
    allow_user_mentions: bool = False,
    marker: str = "…",
) -> list[str]:
    """Escape plain `text` into at most `max_parts` pieces of at most `limit` characters.

    Pieces break at a line or word where one is near; the last piece carries `marker`
    when text had to be dropped.
    """
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if len(parts) == max_parts - 1:
            parts.append(
                fit_mrkdwn(rest, limit, allow_user_mentions=allow_user_mentions, marker=marker)
            )
            break
        cut = _cut_point(rest, limit, allow_user_mentions=allow_user_mentions)
        parts.append(escape_mrkdwn(rest[:cut], allow_user_mentions=allow_user_mentions))
        rest = rest[cut:].strip()
    return parts


def _cut_point(text: str, limit: int, *, allow_user_mentions: bool) -> int:
    """Where to cut `text` so its escaped head fits `limit`; prefers a line or word break."""
    used = 0
    end = len(text)
    for index, char in enumerate(text):
        used += _COST.get(char, 1)
        if used > limit:
            end = index
            break
    if end == len(text):
        return end
    for separator in ("\n", " "):
        at = text.rfind(separator, 0, end)
        if at > end // 2:
            end = at + 1
            break
    if allow_user_mentions:
        for match in _MENTION.finditer(text, 0, end + 32):
            if match.start() < end < match.end() and match.start() > 0:
                end = match.start()
    return max(end, 1)
