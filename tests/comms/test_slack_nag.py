"""The update nag covers stakeholder updates for SEV1/SEV2, end to end: the reminder in the
incident channel says which update is due, the timeline which was missed, and sharing one with
stakeholders settles it."""

from datetime import timedelta

from comms.comms_stack import CommsHarness

from storage.enums import EventKind


def _nags(app: CommsHarness, channel: str) -> list[str]:
    return [
        str(m.get("blocks"))
        for m in app.driver.messages(channel)
        if "due for INC-1" in str(m.get("text"))
    ]


def test_the_nag_says_a_stakeholder_update_is_due_until_one_is_shared(app: CommsHarness) -> None:
    app.driver.create_channel("alice", "exec")
    incident = app.declare("sev1 Checkout is failing")
    channel = incident.channel_id
    assert channel
    app.command("alice", channel, "ack")
    app.clock.advance(minutes=10)
    assert app.driver.slash("alice", channel, "update Rolled back; watching").status_code == 200
    app.settle()
    assert app.incident().stakeholder_update_due_at == incident.declared_at + timedelta(minutes=30)

    app.clock.advance(minutes=21)  # 31 minutes in: stakeholders heard nothing yet
    app.tick()
    (nag,) = _nags(app, channel)
    assert "a stakeholder update for *INC-1* is due" in nag
    assert "No stakeholder update was sent yet" in nag
    assert "a status update" not in nag
    (missed,) = app.events(EventKind.UPDATE_MISSED)
    assert missed.text == "Stakeholder update missed (1st reminder in a row)"

    app.command("alice", channel, "stakeholders Rolled back, recovering")
    app.clock.advance(minutes=8)  # 39 minutes: the status update is due at 40
    app.tick()
    assert len(_nags(app, channel)) == 1
    app.clock.advance(minutes=2)
    app.tick()
    second = _nags(app, channel)[-1]
    assert "a status update for *INC-1* is due" in second and "stakeholder" not in second


def test_a_sev3_is_nagged_for_status_updates_only(app: CommsHarness) -> None:
    incident = app.declare("sev3 Search is slow")
    channel = incident.channel_id
    assert channel
    assert app.incident().stakeholder_update_due_at is None
    app.clock.advance(minutes=31)
    app.tick()
    (nag,) = _nags(app, channel)
    assert "a status update for *INC-1* is due" in nag and "stakeholder" not in nag
