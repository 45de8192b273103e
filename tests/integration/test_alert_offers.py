"""Offers are shown by one process at a time; one held elsewhere is shown once its claim ends."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from conftest import MakeHarness
from harness import Harness
from sqlalchemy import update
from sqlmodel import Session
from test_alert_incidents import start, two_alerts

from bot.slack.ids import ActionId
from storage.models import AlertGroup


def _offers(app: Harness) -> list[dict[str, Any]]:
    return [m for m in app.driver.messages("alerts") if ActionId.DECLARE_FROM_ALERT in str(m)]


def test_an_offer_claimed_by_another_process_is_left_to_it_then_retried(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path)
    response = app.webhook("alertmanager", two_alerts())
    assert response.status_code == 202
    app.settle()
    app.driver.wait_for(lambda: _offers(app), description="the offer")
    # Another process takes the offer for a minute, as if it were editing it right now.
    with Session(app.engine) as session:
        session.execute(
            update(AlertGroup).values(offer_claimed_until=app.clock() + timedelta(minutes=1))
        )
        session.commit()

    assert app.webhook("alertmanager", two_alerts(status_b="resolved")).status_code == 202
    app.settle()
    (group,) = app.groups()
    assert group.offer_dirty  # left for whoever holds the claim, or the tick
    assert "1 resolved" not in str(_offers(app))

    app.handle.run(app.warroom.alerts.tick())  # the claim still runs: nothing happens
    app.settle()
    assert "1 resolved" not in str(_offers(app))

    app.clock.advance(seconds=61)  # the other process died: its claim ran out
    app.handle.run(app.warroom.alerts.tick())
    app.settle()
    app.driver.wait_for(lambda: "1 resolved" in str(_offers(app)), description="the edit")
    assert len(_offers(app)) == 1  # edited in place, never posted twice
    (group,) = app.groups()
    assert not group.offer_dirty and group.offer_claimed_until is None
