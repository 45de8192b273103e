"""Alerts become incidents: grouping, deduplication, resolution, re-fire and paging, end to end."""

from pathlib import Path
from typing import Any

from alert_payloads import alertmanager, am_alert, pagerduty
from conftest import MakeHarness
from harness import WEBHOOK_TOKEN, Harness
from sqlmodel import Session

from bot.alerts.config import load_routing_config
from bot.incidents.postmortem.render import load_postmortem_renderer
from bot.incidents.postmortem.service import postmortem_context
from bot.slack.ids import ActionId, CallbackId
from storage.enums import AlertState, EventKind, Role, Severity, Status

DECLARE_CRITICAL = """
routes:
  - name: critical-declares
    match: {{severity: critical}}
    action: declare
    severity: sev1
    runbook: https://runbooks.example/checkout
    page: [U0BOB]
    on_refire: {refire}
"""


def start(make_harness: MakeHarness, tmp_path: Path, routing: str | None = None) -> Harness:
    """The app with webhooks on, an #alerts channel, and the routing file given."""
    settings: dict[str, Any] = {
        "warroom_webhook_token": WEBHOOK_TOKEN,
        "warroom_alert_channels": "alerts",
    }
    if routing is not None:
        path = tmp_path / "warroom.yml"
        path.write_text(routing)
        settings["warroom_config"] = str(path)
    app = make_harness(**settings)
    app.driver.create_channel("alice", "alerts")
    return app


def fire(app: Harness, body: dict[str, Any], source: str = "alertmanager") -> None:
    response = app.webhook(source, body)
    assert response.status_code == 202, response.text
    app.settle()


def two_alerts(status_b: str = "firing", status_a: str = "firing") -> dict[str, Any]:
    return alertmanager(
        "HighLatency",
        [
            am_alert("HighLatency", fingerprint="fa", status=status_a, instance="web-1"),
            am_alert("HighLatency", fingerprint="fb", status=status_b, instance="web-2"),
        ],
    )


def declare_from_offer(app: Harness, offer_ts: str, *, prefilled: str) -> None:
    """alice clicks Declare incident on the offer in #alerts and submits the form as prefilled;
    waits for the one incident, tied to the offer's group."""
    channel = app.driver.channel("alerts")["id"]
    app.driver.click("alice", channel, offer_ts, ActionId.DECLARE_FROM_ALERT)
    view = app.driver.wait_for(lambda: app.driver.latest_view("alice"), description="the form")
    assert view["callback_id"] == CallbackId.DECLARE_FROM_ALERT
    assert prefilled in str(app.driver.view(view["id"])["blocks"])
    app.driver.submit_view("alice", view["id"], {})
    app.driver.wait_for(lambda: len(app.incidents()) == 1 and app.incident().status_pinned)
    assert app.groups()[0].incident_id == app.incident().id


def status_text(app: Harness) -> str:
    return str(app.status_message()["blocks"])


def test_a_group_declares_one_incident_in_triage_with_its_alerts(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="reopen"))
    fire(app, two_alerts())
    fire(app, two_alerts())  # Alertmanager re-sends the whole group
    (incident,) = app.incidents()
    assert incident.status == Status.TRIAGE and incident.severity == Severity.SEV1
    assert incident.channel_id and incident.status_pinned
    assert [a.repeats for a in app.alerts()] == [1, 1]
    shown = status_text(app)
    assert "0 of 2" in shown or "2 firing" in shown
    assert "http://prometheus.example/graph" in shown
    assert "https://runbooks.example/checkout" in shown
    assert app.roles() == []  # nobody leads an alert's incident until someone acknowledges
    declared = next(e for e in app.timeline() if e.kind == EventKind.DECLARED)
    assert declared.text.startswith("SEV1 declared by Alertmanager:")  # a tool, not a <@user>


def test_resolved_alerts_reach_the_timeline_and_offer_mark_resolved(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="reopen"))
    fire(app, two_alerts())
    fire(app, two_alerts(status_b="resolved"))
    resolved = [e for e in app.timeline() if e.kind == EventKind.ALERT_RESOLVED]
    assert len(resolved) == 1 and "HighLatency" in resolved[0].text
    assert "1 of 2" in status_text(app)
    assert ActionId.MARK_RESOLVED not in status_text(app)

    fire(app, two_alerts(status_a="resolved", status_b="resolved"))
    assert "2 of 2" in status_text(app) or "All 2" in status_text(app)
    channel = app.incident().channel_id or ""
    notice = app.driver.wait_for(
        lambda: [m for m in app.driver.messages(channel) if ActionId.MARK_RESOLVED in str(m)],
        description="the all-resolved notice with its button",
    )
    app.driver.click("alice", channel, notice[-1]["ts"], ActionId.MARK_RESOLVED)
    app.driver.wait_for(lambda: app.incident().status == Status.RESOLVED)
    # The notice keeps its words but loses the button nobody should press any more.
    edited = app.driver.wait_for(
        lambda: (
            (m := app.driver.message(channel, notice[-1]["ts"])["message"])
            and ActionId.MARK_RESOLVED not in str(m)
            and m
        ),
        description="the notice without its button",
    )
    assert "All 2 alerts resolved" in str(edited["blocks"])


def test_refire_after_resolution_reopens_when_configured(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="reopen"))
    fire(app, alertmanager("DiskFull", [am_alert("DiskFull", fingerprint="d1")]))
    fire(app, alertmanager("DiskFull", [am_alert("DiskFull", fingerprint="d1", status="resolved")]))
    app.handle.run(app.warroom.incidents.resolve(app.incident().id or 0, "U0ALICE", "cleaned up"))
    again = am_alert("DiskFull", fingerprint="d1", starts_at="2026-11-25T11:00:00Z")
    fire(app, alertmanager("DiskFull", [again]))
    (incident,) = app.incidents()
    assert incident.status == Status.INVESTIGATING
    assert [a.instance for a in app.alerts()] == [1, 1]  # a new start time is a new instance
    assert len(app.alerts()) == 2


def test_refire_after_resolution_opens_a_new_incident_when_configured(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="new"))
    fire(app, alertmanager("DiskFull", [am_alert("DiskFull", fingerprint="d1")]))
    app.handle.run(app.warroom.incidents.resolve(app.incident().id or 0, "U0ALICE", "fixed"))
    again = am_alert("DiskFull", fingerprint="d1", starts_at="2026-11-25T11:00:00Z")
    fire(app, alertmanager("DiskFull", [again]))
    assert [i.status for i in app.incidents()] == [Status.RESOLVED, Status.TRIAGE]
    assert [g.episode for g in app.groups()] == [1, 2]


def test_a_late_firing_copy_of_a_resolved_alert_changes_nothing(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="new"))
    fire(app, alertmanager("DiskFull", [am_alert("DiskFull", fingerprint="d1", status="firing")]))
    fire(app, alertmanager("DiskFull", [am_alert("DiskFull", fingerprint="d1", status="resolved")]))
    fire(app, alertmanager("DiskFull", [am_alert("DiskFull", fingerprint="d1", status="firing")]))
    assert len(app.incidents()) == 1
    assert [a.state for a in app.alerts()] == [AlertState.RESOLVED]


def test_the_routed_responder_is_paged_and_acknowledging_leads(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="reopen"))
    fire(app, two_alerts())
    page = app.driver.wait_for(
        lambda: [m for m in app.driver.dm_messages("bob") if ActionId.ACKNOWLEDGE_PAGE in str(m)],
        description="bob's page DM",
    )[-1]
    assert app.pages()[0].sent_at is not None
    dm = app.driver.dm_channel("bob") or ""
    app.driver.click("bob", dm, page["ts"], ActionId.ACKNOWLEDGE_PAGE)
    app.driver.wait_for(lambda: app.incident().acknowledged_at is not None)
    incident = app.incident()
    assert incident.acknowledged_by == "U0BOB"
    assert incident.status == Status.INVESTIGATING
    app.driver.wait_for(lambda: (Role.COMMANDER.value, "U0BOB") in app.roles())
    # The role is committed first, then the invitation goes out: wait for it.
    app.driver.wait_for(
        lambda: "U0BOB" in app.driver.channel(incident.channel_id or "")["members"],
        description="bob invited to the incident channel",
    )
    app.driver.wait_for(
        lambda: ActionId.ACKNOWLEDGE_PAGE not in str(app.driver.message(dm, page["ts"])),
        description="the page DM edited to show the acknowledgement",
    )


def test_a_user_group_is_paged_member_by_member(make_harness: MakeHarness, tmp_path: Path) -> None:
    app = start(make_harness, tmp_path)
    group = app.driver.add_usergroup("oncall", ["bob", "carol"])
    path = tmp_path / "oncall.yml"
    path.write_text(
        f"defaults:\n  page: [{group}]\nroutes:\n  - match: {{}}\n    action: declare\n"
    )
    app.warroom.alerts.intake.config = load_routing_config(str(path))  # the id is known now
    fire(app, two_alerts())
    for person in ("bob", "carol"):
        app.driver.wait_for(
            lambda p=person: [
                m for m in app.driver.dm_messages(p) if ActionId.ACKNOWLEDGE_PAGE in str(m)
            ],
            description=f"{person}'s page",
        )
    assert [p.target for p in app.pages()] == [group]


def test_default_routing_offers_a_declare_button_edited_in_place(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path)
    fire(app, two_alerts())
    assert app.incidents() == []
    offers = app.driver.wait_for(
        lambda: [m for m in app.driver.messages("alerts") if ActionId.DECLARE_FROM_ALERT in str(m)],
        description="the offer in #alerts",
    )
    assert len(offers) == 1
    fire(app, two_alerts(status_b="resolved"))
    app.driver.wait_for(lambda: "1 resolved" in str(app.driver.messages("alerts")))
    assert len(app.driver.messages("alerts")) == 1  # edited, not posted again

    declare_from_offer(app, offers[0]["ts"], prefilled="HighLatency")
    app.driver.wait_for(lambda: "Declared" in str(app.driver.messages("alerts")))


def test_pagerduty_trigger_acknowledge_resolve_by_dedup_key(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="new"))
    fire(app, pagerduty("trigger", "db-disk"), "pagerduty")
    fire(app, pagerduty("trigger", "db-disk"), "pagerduty")
    fire(app, pagerduty("acknowledge", "db-disk"), "pagerduty")
    assert [a.state for a in app.alerts()] == [AlertState.ACKNOWLEDGED]
    fire(app, pagerduty("resolve", "db-disk"), "pagerduty")
    assert [a.state for a in app.alerts()] == [AlertState.RESOLVED]
    assert len(app.incidents()) == 1
    app.handle.run(app.warroom.incidents.resolve(app.incident().id or 0, "U0ALICE", "done"))
    fire(app, pagerduty("trigger", "db-disk"), "pagerduty")  # the same key, a new alert
    assert [a.instance for a in app.alerts()] == [1, 2]
    assert len(app.incidents()) == 2


def test_an_alert_storm_of_1000_in_20_groups_makes_20_incidents(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="reopen"))
    # Slack refuses a few channel creations first: they must queue and go through, not drop.
    app.driver.inject("conversations.create", "ratelimited", times=2, retry_after=1)
    for repeat in range(2):
        for g in range(20):
            alerts = [am_alert(f"Storm{g}", fingerprint=f"s{g}-{i}") for i in range(50)]
            response = app.webhook("alertmanager", alertmanager(f"Storm{g}", alerts))
            assert response.status_code == 202, (repeat, g, response.text)
    app.settle()
    incidents = app.incidents()
    assert len(incidents) == 20
    assert len(app.alerts()) == 1000
    app.driver.wait_for(lambda: all(i.channel_id for i in app.incidents()), timeout=60)


def test_alert_titles_are_stored_as_typed_and_shown_escaped_only_where_shown(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    # They were once stored mrkdwn-escaped, and the postmortem printed `R\&amp;D \&lt;db\&gt;`.
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="reopen"))
    first = am_alert("DiskFull", fingerprint="f1", service="db")
    fire(app, alertmanager("Storage", [first]))
    later = am_alert("R&D <db>", fingerprint="f2", service="db")
    fire(app, alertmanager("Storage", [first, later]))
    [fired] = [e for e in app.timeline() if e.kind == EventKind.ALERT_FIRED]
    assert fired.text == "Alert firing: R&D <db> on db"
    assert "R&amp;D &lt;db&gt; on db" in status_text(app)  # escaped for Slack, where shown
    with Session(app.engine) as session:
        context = postmortem_context(session, app.incident().id or 0)
    document = load_postmortem_renderer(None).render(context)
    assert "R&D \\<db\\> on db" in document and "&amp;" not in document
