"""Block Kit limits, and fitting user text inside them without breaking an escape."""

import re
from collections.abc import Sequence

from bot.kernel.text import truncate
from bot.slack.mrkdwn import plain_from_slack, render_mrkdwn

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

_TOKEN = re.compile(r"@([UWS][A-Z0-9]{1,31})")
# What one plain character can cost once escaped.
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


def fit_mrkdwn(text: str, limit: int, *, mentions: Sequence[str] = (), marker: str = "…") -> str:
    """Render plain `text` as mrkdwn (escaped, listed mentions as Slack mentions), cutting the
    plain text first so the result fits.

    Cutting before escaping never leaves half an entity (`&am`) behind; a mention cut in half
    is no longer a listed one, and shows as the plain text it is.
    """
    whole = render_mrkdwn(text, mentions)
    if len(whole) <= limit:
        return whole

    def cut(keep: int) -> str:
        return render_mrkdwn(text[:keep] + marker, mentions)

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
    mentions: Sequence[str] = (),
    marker: str = "…",
) -> list[str]:
    """Render plain `text` into at most `max_parts` pieces of at most `limit` characters.

    Pieces break at a line or word where one is near, never inside a mention; the last piece
    carries `marker` when text had to be dropped.
    """
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if len(parts) == max_parts - 1:
            parts.append(fit_mrkdwn(rest, limit, mentions=mentions, marker=marker))
            break
        cut = _cut_point(rest, limit, mentions)
        parts.append(render_mrkdwn(rest[:cut], mentions))
        rest = rest[cut:].strip()
    return parts


def _cut_point(text: str, limit: int, mentions: Sequence[str]) -> int:
    """Where to cut `text` so its rendered head fits `limit`; prefers a line or word break."""
    used = 0
    end = len(text)
    for index, char in enumerate(text):
        # An `@` may open a mention, which renders two characters longer.
        used += _COST.get(char, 1) + (2 if char == "@" and mentions else 0)
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
    for match in _TOKEN.finditer(text, 0, end + 40):
        if match.group(1) in mentions and match.start() < end < match.end() and match.start():
            end = match.start()
    return max(end, 1)
