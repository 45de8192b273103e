"""The demo's public side of the alert incident: bob tells customers on the status page and the
executives in their channel; the page, its JSON and the executives' channel are shown as a
visitor and a reader see them."""

import re
from typing import Any

import httpx
from sqlmodel import Session, col, select

from bot.demo.narrator import Demo
from storage.models import PublicUpdate

EXEC_CHANNEL = "exec"
PUBLIC = """\
components:
  - name: Checkout
    group: Shop
    services: [checkout]           # incidents of service checkout affect it
  - name: Search
    group: Shop
    services: [search]
status_page:
  name: Acme Status
stakeholders:
  - name: executives
    channel: exec
    severities: [sev1]
"""


def prepare_public(demo: Demo) -> None:
    """#exec exists, with the bot in it."""
    channel = demo.driver.create_channel("alice", EXEC_CHANNEL)
    demo.driver.invite("alice", channel, "U0BOT")


def tell_the_public(demo: Demo, channel: str, base_url: str) -> None:
    """bob publishes on the status page and shares an update with the executives."""
    demo.say("\n━━━━━━━━ telling customers and executives ━━━━━━━━")
    demo.say("The same warroom.yml names the status page's components and the executives:")
    demo.say("\n".join("    " + line for line in PUBLIC.splitlines()))
    demo.slash(
        "bob",
        channel,
        "statuspage identified Checkout fails for some customers; a rollback is under way.",
    )
    _wait_for_publications(demo, 1)
    _show_page(demo, base_url)
    demo.slash(
        "bob",
        channel,
        "stakeholders Checkout errors for some customers since 08:38; rollback under way, "
        "ETA 09:15 UTC",
    )
    room = demo.driver.channel_by_name(EXEC_CHANNEL)
    assert room is not None
    post = demo.driver.wait_for(
        lambda: demo.driver.messages(room["id"]), description="the post in #exec"
    )[-1]
    demo.say("  #exec reads:")
    demo.show(post)


def resolve_publicly(demo: Demo, channel: str, base_url: str) -> None:
    """The page says resolved; Checkout is operational again."""
    demo.slash("bob", channel, "statuspage resolved Checkout works again for everyone.")
    _wait_for_publications(demo, 2)
    _show_page(demo, base_url)


def _wait_for_publications(demo: Demo, count: int) -> None:
    def stored() -> list[PublicUpdate]:
        with Session(demo.engine) as session:
            rows = list(session.exec(select(PublicUpdate).order_by(col(PublicUpdate.id))))
        return rows if len(rows) >= count else []

    demo.driver.wait_for(stored, description="the publication")


def _show_page(demo: Demo, base_url: str) -> None:
    """What a visitor of /status and a widget reading summary.json see."""
    summary: dict[str, Any] = httpx.get(f"{base_url}/status/api/v2/summary.json").json()
    page = httpx.get(f"{base_url}/status").text
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    demo.say(f"  {base_url}/status ({title.group(1).strip() if title else 'the status page'}):")
    demo.say(f"    {summary['status']['description']}")
    for component in summary["components"]:
        if not component.get("group"):
            demo.say(f"    {component['name']}: {component['status'].replace('_', ' ')}")
    for incident in summary["incidents"]:
        latest = incident["incident_updates"][0]
        demo.say(f"    {incident['name']} · {latest['status']}: {latest['body']}")
    demo.say("  (the same as Statuspage's /api/v2/summary.json, for widgets and monitors)")
