"""The demo's first story, step by step: an incident declared by slash command, worked and
closed."""

from typing import Any

from bot.demo.narrator import Demo
from bot.slack.ids import ActionId
from bot.slack.places import ShownIncident
from storage.enums import Status

UPDATE_SECONDS = 3  # the demo's WARROOM_UPDATE_INTERVAL: short enough to show a reminder


def declare(demo: Demo) -> ShownIncident:
    """alice declares a SEV2 in #general; the channel, pinned status block and digest appear."""
    demo.slash("alice", "general", "declare sev2 Checkout API returning 502s")
    incident = demo.until(lambda i: i.status_pinned and i.digest_ts, "the incident channel")
    demo.say(f"  → #{incident.channel_name} created, status block pinned, digest posted")
    replies = demo.driver.wait_for(
        lambda: demo.driver.ephemerals("alice"), description="alice's confirmation"
    )
    for reply in replies:
        demo.say("  (only alice sees) " + demo.plain(reply.get("text") or ""))
    demo.say("  The pinned status block now reads:")
    status = demo.driver.message(incident.channel_id or "", incident.status_ts or "")
    demo.show(status["message"], pinned=True)
    return incident


def acknowledge_and_raise(demo: Demo, incident: ShownIncident) -> None:
    """bob acknowledges; alice raises it to SEV1 and posts the first update."""
    channel = incident.channel_id or ""
    demo.say("\n▶ bob clicks [Acknowledge] on the status block")
    demo.driver.click("bob", channel, incident.status_ts or "", ActionId.ACKNOWLEDGE)
    demo.until(lambda i: i.acknowledged_at, "the acknowledgement")
    demo.slash("alice", channel, "severity sev1")
    demo.until(lambda i: i.severity == "sev1", "SEV1")
    demo.slash("alice", channel, "update Errors started 08:38 after deploy 4812; rolling back")
    demo.until(lambda i: i.last_update_at, "the first update")


def missed_update(demo: Demo, incident: ShownIncident) -> None:
    """No update for a while: the scheduler posts a reminder in the channel."""
    channel = incident.channel_id or ""
    demo.say(
        f"\n… {UPDATE_SECONDS} s pass with no update (the demo's WARROOM_UPDATE_INTERVAL; "
        "30m by default)"
    )
    reminder = demo.driver.wait_for(
        lambda: [
            m
            for m in demo.driver.messages(channel)
            if m.get("text", "").startswith("Status update due")
        ],
        timeout=15,
        description="the missed-update reminder",
    )[0]
    demo.say("  The scheduler posts a reminder in the channel:")
    demo.show(reminder)


def pin_and_update(demo: Demo, incident: ShownIncident) -> None:
    """carol pins a note; bob posts an update through the form."""
    channel, status_ts = incident.channel_id or "", incident.status_ts or ""
    demo.driver.join("carol", channel)
    ts = demo.driver.post_message("carol", channel, "Error rate dropping: 12% → 0.4%")
    demo.say("\n▶ carol posts a graph note and pins it")
    demo.driver.pin("carol", channel, ts)
    demo.say("\n▶ bob clicks [Post update] and submits the form")
    demo.driver.click("bob", channel, status_ts, ActionId.POST_UPDATE)
    view: dict[str, Any] = demo.driver.wait_for(
        lambda: demo.driver.latest_view("bob") or {}, description="the update form"
    )
    first = demo.incident()
    demo.driver.submit_view(
        "bob", view["id"], {"update_text": {"update_text": "Rollback done; watching for 15 min"}}
    )
    demo.until(lambda i: first is not None and i.last_update_at != first.last_update_at, "update")


def close(demo: Demo, incident: ShownIncident) -> None:
    """Mitigated, resolved, closed; the status block says Closed."""
    channel, status_ts = incident.channel_id or "", incident.status_ts or ""
    demo.slash("alice", channel, "status mitigated")
    demo.until(lambda i: i.status == Status.MITIGATED, "mitigated")
    demo.slash("alice", channel, "resolve Rolled back deploy 4812; error rate back to normal")
    demo.until(lambda i: i.status == Status.RESOLVED, "resolved")
    demo.slash("alice", channel, "close")
    demo.until(lambda i: i.status == Status.CLOSED, "closed")
    demo.driver.wait_for(
        lambda: "Closed" in str(demo.driver.message(channel, status_ts)["message"]),
        description="the status block to show Closed",
    )
