"""The demo's second story: an Alertmanager group becomes an incident through the real webhook."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, col, func, select

from bot.demo.narrator import Demo
from bot.demo.oncall import SCHEDULES, show_schedule
from bot.demo.public import PUBLIC, prepare_public, resolve_publicly, tell_the_public
from bot.slack.ids import ActionId
from bot.slack.places import ShownIncident
from storage.enums import EventKind, Role, Status
from storage.models import Alert, AlertGroup, Incident, IncidentRole, TimelineEvent

ALERT_INCIDENT = 2  # the number it gets: the slash-command incident came first
GROUP = "HighErrorRate"
SERVICE = "checkout"
# Alertmanager names each alert by a hash of its labels; these stand in for two instances.
FINGERPRINTS = {"web-1": "5e7d1c0a9b3f4e21", "web-2": "8a2f6b4c1d0e3f97"}
ROUTING = """\
routes:
  - name: critical-declares
    match: {severity: critical}
    action: declare
    severity: sev1
    runbook: https://runbooks.example/checkout
    escalation: checkout-critical
escalation_policies:
  - name: checkout-critical
    levels:
      - targets: [schedule:sre]    # whoever is on call in sre when it fires
        timeout: 5m
      - targets: [U0ALICE]         # then the SRE lead
        timeout: 10m
"""
LEVEL_TIMEOUT = timedelta(minutes=5)


def write_config(folder: Path) -> str:
    """Write the demo's `warroom.yml` (alert routing and the on-call schedule) into `folder`;
    return its path."""
    path = folder / "warroom.yml"
    path.write_text(ROUTING + SCHEDULES + PUBLIC, encoding="utf-8")
    return str(path)


def build_notification(status: str, *, started: datetime, ended: datetime) -> dict[str, Any]:
    """An Alertmanager version 4 notification: the group's whole state, both alerts `status`."""
    alerts = [
        {
            "status": status,
            "labels": {
                "alertname": GROUP,
                "severity": "critical",
                "service": SERVICE,
                "instance": instance,
            },
            "annotations": {
                "summary": f"{GROUP} on {SERVICE} {instance}",
                "description": f"5xx responses above 5% on {instance} for 2 minutes",
            },
            "startsAt": _iso(started),
            # Alertmanager's zero time: no end yet while the alert fires.
            "endsAt": _iso(ended) if status == "resolved" else "0001-01-01T00:00:00Z",
            "generatorURL": f"http://prometheus.example/graph?g0.expr={GROUP}",
            "fingerprint": fingerprint,
        }
        for instance, fingerprint in FINGERPRINTS.items()
    ]
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{GROUP}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "warroom",
        "groupLabels": {"alertname": GROUP},
        "commonLabels": {"alertname": GROUP, "severity": "critical", "service": SERVICE},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": alerts,
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AlertStory:
    """Alertmanager and the responders, played against the running app."""

    def __init__(self, demo: Demo, webhook_url: str, token: str) -> None:
        self.demo = demo
        self.webhook_url = webhook_url
        self.token = token
        self.sent = 0  # notifications POSTed so far
        # The alerts started firing a little before Alertmanager's first notification.
        self.started = demo.clock() - timedelta(minutes=2)

    def send(self, status: str, what: str) -> None:
        """POST one notification to the webhook, as Alertmanager does, and print the answer."""
        self.demo.say(f"\n▶ Alertmanager POSTs {what} to /webhooks/alertmanager")
        body = build_notification(status, started=self.started, ended=self.demo.clock())
        headers = {"Authorization": f"Bearer {self.token}"}
        response = httpx.post(self.webhook_url, json=body, headers=headers, timeout=10)
        self.sent += 1
        self.demo.say(f"  ← HTTP {response.status_code} {response.text}")
        if response.status_code != 202:
            raise RuntimeError(f"the webhook answered {response.status_code}: {response.text}")

    def incident(self) -> ShownIncident:
        """The alert's incident, read fresh (waiting until it exists)."""
        return self.demo.until(lambda i: True, f"INC-{ALERT_INCIDENT}", ALERT_INCIDENT)

    def until(self, check: Callable[[ShownIncident], object], what: str) -> ShownIncident:
        """Wait until the alert's incident satisfies `check`."""
        return self.demo.until(check, what, ALERT_INCIDENT)

    def alerts(self) -> list[Alert]:
        """The incident's stored alerts, by id."""
        return list_alerts(self.demo, self.incident())

    def events(self, kind: EventKind) -> list[TimelineEvent]:
        """The incident's timeline events of one kind, in order."""
        with Session(self.demo.engine) as session:
            query = (
                select(TimelineEvent)
                .where(TimelineEvent.incident_id == self.incident().id)
                .where(TimelineEvent.kind == kind)
                .order_by(col(TimelineEvent.id))
            )
            return list(session.exec(query))

    def commander(self) -> str | None:
        """Who leads the incident now."""
        with Session(self.demo.engine) as session:
            query = select(IncidentRole.user_id).where(
                IncidentRole.incident_id == self.incident().id, IncidentRole.role == Role.COMMANDER
            )
            return session.exec(query).first()

    def incident_count(self) -> int:
        """How many incidents the database holds."""
        with Session(self.demo.engine) as session:
            return session.exec(select(func.count()).select_from(Incident)).one()


def play_alerts(demo: Demo, webhook_url: str, token: str) -> int:
    """Fire → INC-2 in triage, bob paged → alice at level 2 → acknowledged → repeated → all
    resolved → resolved;
    how many webhooks Alertmanager sent."""
    story = AlertStory(demo, webhook_url, token)
    demo.say("\n━━━━━━━━ a second incident, born from an alert, pages who is on call ━━━━━━━━")
    demo.say(
        "The app runs with WARROOM_WEBHOOK_TOKEN set and this warroom.yml: a route, and the "
        "on-call schedule it pages (alice, bob and carol are the sandbox's people; dan joined):"
    )
    demo.say("\n".join("    " + line for line in ROUTING.splitlines()))
    show_schedule(demo)
    story.send("firing", f"a group of 2 firing {GROUP} alerts on service {SERVICE}")
    page = _opened(story)
    _escalated(story)
    _acknowledged(story, page)
    base_url = webhook_url.split("/webhooks/")[0]
    prepare_public(demo)
    tell_the_public(demo, story.incident().channel_id or "", base_url)
    story.send("firing", "the same group again (Alertmanager repeats it)")
    _deduplicated(story)
    story.send("resolved", "the group with both alerts resolved")
    _resolved(story)
    resolve_publicly(demo, story.incident().channel_id or "", base_url)
    return story.sent


def _opened(story: AlertStory) -> dict[str, Any]:
    """Show the new incident, its status block and bob's page; return the page."""
    demo = story.demo
    incident = story.until(lambda i: i.status_pinned, "the alert incident's channel")
    demo.say(
        f"  → INC-{ALERT_INCIDENT} declared by the routing rule: "
        f"{incident.severity.value.upper()}, {incident.status.value}; "
        f"#{incident.channel_name} created, status block pinned"
    )
    demo.say("  The pinned status block lists the alerts:")
    status = demo.driver.message(incident.channel_id or "", incident.status_ts or "")
    demo.show(status["message"], pinned=True)
    page: dict[str, Any] = demo.driver.wait_for(
        lambda: [m for m in demo.driver.dm_messages("bob") if ActionId.ACKNOWLEDGE_PAGE in str(m)],
        description="bob's page",
    )[-1]
    demo.say("  schedule:sre pages bob, who is on call; he gets a page by DM:")
    demo.show(page)
    return page


def _escalated(story: AlertStory) -> None:
    """Nobody acknowledges for 5 minutes: the page climbs to level 2, alice."""
    demo = story.demo
    demo.say("\n⏩ 5 minutes pass and nobody has acknowledged: the page climbs to level 2")
    demo.clock.advance(LEVEL_TIMEOUT + timedelta(seconds=1))
    page: dict[str, Any] = demo.driver.wait_for(
        lambda: [
            m for m in demo.driver.dm_messages("alice") if ActionId.ACKNOWLEDGE_PAGE in str(m)
        ],
        description="alice's page",
    )[-1]
    demo.say("  → alice, the SRE lead, gets the page (bob's still stands):")
    demo.show(page)


def _acknowledged(story: AlertStory, page: dict[str, Any]) -> None:
    """bob acknowledges the page: he leads, the incident moves on, the time is kept."""
    demo = story.demo
    dm = demo.driver.dm_channel("bob") or ""
    demo.say("\n▶ bob clicks [Acknowledge] on the page")
    demo.driver.click("bob", dm, page["ts"], ActionId.ACKNOWLEDGE_PAGE)
    incident = story.until(
        lambda i: i.acknowledged_at and i.status == Status.INVESTIGATING, "the acknowledgement"
    )
    commander = demo.driver.wait_for(lambda: story.commander() or "", description="a commander")

    def page_edited() -> dict[str, Any]:
        shown: dict[str, Any] = demo.driver.message(dm, page["ts"])["message"]
        return {} if ActionId.ACKNOWLEDGE_PAGE in str(shown) else shown

    edited = demo.driver.wait_for(page_edited, description="the page DM edited")
    assert incident.acknowledged_at is not None and incident.declared_at is not None
    seconds = (incident.acknowledged_at - incident.declared_at).total_seconds()
    demo.say(
        f"  → @{demo.driver.user(commander)['name']} is commander; INC-{ALERT_INCIDENT} moved "
        f"triage → {incident.status.value}; acknowledged_at stored: time to acknowledge "
        f"{seconds:.1f}s from declaration"
    )
    demo.say("  bob's page DM now reads (alice's says the same; nothing more is sent):")
    demo.show(edited)


def _deduplicated(story: AlertStory) -> None:
    """The repeat changed counts, not alerts or incidents."""

    def counted() -> list[Alert]:
        alerts = story.alerts()
        return alerts if alerts and all(a.repeats >= 1 for a in alerts) else []

    alerts = story.demo.driver.wait_for(counted, description="the repeat to be counted")
    counts = ", ".join(_seen(a) for a in alerts)
    story.demo.say(
        f"  → deduplicated: still {len(alerts)} alerts, {counts}; "
        f"still one incident for the group ({story.incident_count()} incidents in all)"
    )


def _resolved(story: AlertStory) -> None:
    """Both alerts resolve: the timeline says so, a notice offers Mark resolved; bob clicks it."""
    demo = story.demo

    def both_resolved() -> list[TimelineEvent]:
        events = story.events(EventKind.ALERT_RESOLVED)
        return events if len(events) == len(FINGERPRINTS) else []

    events = demo.driver.wait_for(both_resolved, description="the Alert resolved events")
    for event in events:
        demo.say(f"  → timeline: {demo.plain(event.text)}")
    channel = story.incident().channel_id or ""
    notice = demo.driver.wait_for(
        lambda: [m for m in demo.driver.messages(channel) if ActionId.MARK_RESOLVED in str(m)],
        description="the all-resolved notice",
    )[-1]
    demo.say("  The incident channel gets a notice:")
    demo.show(notice)
    demo.say("\n▶ bob clicks [Mark resolved]")
    demo.driver.click("bob", channel, notice["ts"], ActionId.MARK_RESOLVED)
    incident = story.until(lambda i: i.status == Status.RESOLVED, "resolved")
    demo.driver.wait_for(
        lambda: "Resolved" in str(demo.driver.message(channel, incident.status_ts or "")),
        description="the status block to show Resolved",
    )
    demo.say(f"  → INC-{ALERT_INCIDENT} {incident.status.value}: {incident.resolution}")


def list_alerts(demo: Demo, incident: ShownIncident) -> list[Alert]:
    """The alerts stored for `incident`, by id."""
    with Session(demo.engine) as session:
        groups = select(AlertGroup.id).where(AlertGroup.incident_id == incident.id)
        query = select(Alert).where(col(Alert.group_id).in_(groups)).order_by(col(Alert.id))
        return list(session.exec(query))


def show_alerts(demo: Demo) -> None:
    """Print the alert incident's stored alerts: title, state and how often each was seen."""
    incident = demo.incident(ALERT_INCIDENT)
    assert incident is not None
    demo.say(f"\n━━━ INC-{ALERT_INCIDENT} alerts (from the database) ━━━")
    for alert in list_alerts(demo, incident):
        demo.say(f"  {alert.title:<40} {alert.state.value:<9} {_seen(alert)}")


def _seen(alert: Alert) -> str:
    """How the status block says it too: `seen 2 times`."""
    times = alert.repeats + 1
    return "seen once" if times == 1 else f"seen {times} times"
