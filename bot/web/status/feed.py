"""The status page's Atom feed (RFC 4287): one entry per public incident and per maintenance,
updated with each publication, its text plain (never markup)."""

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from bot.statuspage.definitions import Branding
from bot.statuspage.rules.views import MaintenanceView, PublicIncidentView
from bot.web.status.render import label, when

# What XML 1.0 cannot hold, even escaped: lxml refuses it, and the feed would fail to render.
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` with every character XML cannot carry taken out."""
    return _NOT_XML.sub("", text)


def build_feed(
    branding: Branding,
    page_url: str,
    incidents: Sequence[PublicIncidentView],
    maintenances: Sequence[MaintenanceView],
    *,
    now: datetime,
) -> bytes:
    """The feed of the newest incidents and maintenance, newest change first."""
    feed = FeedGenerator()
    feed.id(f"{page_url}/feed.atom")
    feed.title(xml_text(f"{branding.name}: status"))
    feed.author({"name": xml_text(branding.name)})
    feed.link(href=page_url, rel="alternate")
    feed.link(href=f"{page_url}/feed.atom", rel="self")
    if branding.logo_url:
        feed.logo(branding.logo_url)
    entries: list[tuple[datetime, Callable[[FeedEntry], None]]] = [
        (i.updated_at, partial(_fill_incident, page_url=page_url, incident=i)) for i in incidents
    ]
    entries += [
        (m.updated_at, partial(_fill_maintenance, page_url=page_url, maintenance=m))
        for m in maintenances
    ]
    entries.sort(key=lambda pair: pair[0], reverse=True)
    feed.updated(entries[0][0] if entries else now)
    for _at, fill in entries:
        fill(feed.add_entry(order="append"))
    return bytes(feed.atom_str(pretty=True))


def _fill_incident(entry: FeedEntry, page_url: str, incident: PublicIncidentView) -> None:
    link = f"{page_url}/incidents/{incident.id}"
    entry.id(link)
    entry.title(xml_text(f"{incident.title} ({label(incident.status)})"))
    entry.link(href=link, rel="alternate")
    entry.published(incident.created_at)
    entry.updated(incident.updated_at)
    lines = [f"{label(u.status)}, {when(u.at)}\n{u.message}" for u in incident.updates]
    if incident.components:
        lines.append("Affected: " + ", ".join(incident.components))
    entry.content(xml_text("\n\n".join(lines)), type="text")


def _fill_maintenance(entry: FeedEntry, page_url: str, maintenance: MaintenanceView) -> None:
    entry.id(f"{page_url}/maintenance/{maintenance.id}")
    entry.title(xml_text(f"Maintenance: {maintenance.title} ({label(maintenance.status)})"))
    entry.link(href=f"{page_url}#maintenance-{maintenance.id}", rel="alternate")
    entry.published(maintenance.created_at)
    entry.updated(maintenance.updated_at)
    text = (
        f"{when(maintenance.starts_at)} to {when(maintenance.ends_at)}\n"
        f"Components: {', '.join(maintenance.components)}"
    )
    if maintenance.body:
        text = f"{maintenance.body}\n\n{text}"
    entry.content(xml_text(text), type="text")
