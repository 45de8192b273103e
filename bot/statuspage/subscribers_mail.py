"""The mails subscribers get, rendered from `templates/email/status_*.j2`: the confirmation of a
sign-up, and one per publication (an incident's update, a maintenance starting or ending).

Every mail has a text part and an HTML part; the HTML templates are autoescaped, so whatever a
title or message holds reaches the reader as text. Every mail carries RFC 8058's one-click
unsubscribe headers.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.kernel.mail import Mail
from bot.statuspage.definitions import Branding
from bot.statuspage.subscribers_ports import PublicationView

MAX_SUBJECT = 180
_SOURCE_TREE = Path(__file__).resolve().parents[2]


def template_folder() -> Path:
    """Where the templates are: the wheel's copy, else the source tree's `templates/`."""
    packaged = resources.files("bot").joinpath("_bundled", "templates", "email")
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged.parent
    return _SOURCE_TREE / "templates"


def label(value: str) -> str:
    """A state as a reader says it: `partial_outage` -> `Partial outage`."""
    return value.replace("_", " ").capitalize()


def shown_time(at: datetime | None) -> str:
    """An instant in UTC, to the minute."""
    return "" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """`text` on one line (no header can be bent with it), cut to `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 8058's headers: the link, and that a POST to it unsubscribes in one click."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


class MailRenderer:
    """Renders the subscribers' mails with the page's branding."""

    def __init__(self, branding: Branding, public_url: str, folder: Path | None = None) -> None:
        self.branding = branding
        self.public_url = public_url.rstrip("/")
        self.domain = urlsplit(self.public_url).hostname or "warroom.invalid"
        loader = FileSystemLoader(str(folder or template_folder()))
        common: dict[str, Any] = {"undefined": StrictUndefined, "keep_trailing_newline": True}
        self._html = Environment(loader=loader, autoescape=True, **common)
        self._text = Environment(
            loader=loader, autoescape=False, **common
        )  # plain text: nothing to escape
        for env in (self._html, self._text):
            env.filters.update(label=label, time=shown_time)

    def message_id(self, what: str) -> str:
        """A Message-ID that is the same on every try of one mail."""
        safe = "".join(c if c.isalnum() or c in ".-" else "." for c in what)
        return f"<statuspage.{safe}@{self.domain}>"

    def confirmation(
        self,
        *,
        to: str,
        confirm_url: str,
        unsubscribe_url: str,
        components: Sequence[str],
        key: str,
    ) -> Mail:
        """The mail asking `to` to confirm a sign-up."""
        context = {
            "page": self.branding,
            "page_url": f"{self.public_url}/status",
            "confirm_url": confirm_url,
            "unsubscribe_url": unsubscribe_url,
            "components": list(components),
        }
        return self._mail(
            "status_confirm",
            to=to,
            subject=f"Confirm your subscription to {self.branding.name}",
            context=context,
            message_id=self.message_id(key),
            unsubscribe_url=unsubscribe_url,
        )

    def publication(
        self, *, to: str, view: PublicationView, unsubscribe_url: str, key: str
    ) -> Mail:
        """The mail telling `to` of one publication."""
        context = {
            "page": self.branding,
            "page_url": f"{self.public_url}/status",
            "view": view,
            "unsubscribe_url": unsubscribe_url,
        }
        return self._mail(
            "status_publication",
            to=to,
            subject=self.subject(view),
            context=context,
            message_id=self.message_id(key),
            unsubscribe_url=unsubscribe_url,
        )

    def subject(self, view: PublicationView) -> str:
        """The subject line of a publication's mail."""
        if view.kind == "maintenance":
            what = f"Maintenance {label(view.status).lower()}: {view.title}"
        else:
            what = f"{label(view.status)}: {view.title}"
        return one_line(f"[{self.branding.name}] {what}")

    def _mail(
        self,
        name: str,
        *,
        to: str,
        subject: str,
        context: dict[str, Any],
        message_id: str,
        unsubscribe_url: str,
    ) -> Mail:
        text = self._text.get_template(f"email/{name}.txt.j2").render(context)
        html = self._html.get_template(f"email/{name}.html.j2").render(context)
        return Mail(
            to=to,
            subject=one_line(subject),
            text=text,
            html=html,
            message_id=message_id,
            headers=unsubscribe_headers(unsubscribe_url),
        )
