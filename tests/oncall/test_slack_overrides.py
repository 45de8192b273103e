"""Overrides in Slack end to end: the form behind a bare `/oncall override` (each mistake on its
field, nothing stored until it is right), and the list with a Remove button that removes once
however often it is clicked, recording who removed it."""

from datetime import UTC, datetime
from typing import Any

from slack_oncall_app import (
    OncallApp,
    message_text,
    overrides,
)
from sqlmodel import Session, select

from bot.slack.ids import ActionId, BlockId, CallbackId
from storage.models import InboxItem

SCHEDULE, LAYER, USER = BlockId.ONCALL_SCHEDULE, BlockId.ONCALL_LAYER, BlockId.ONCALL_USER
FROM, TO = BlockId.ONCALL_FROM, BlockId.ONCALL_TO


def answers(
    schedule: str = "sre",
    layer: str = "*",
    user: str = "U0ALICE",
    start: str = "now",
    end: str = "+8h",
) -> dict[str, dict[str, Any]]:
    return {
        SCHEDULE: {ActionId.ONCALL_SCHEDULE: schedule},
        LAYER: {ActionId.ONCALL_LAYER: layer},
        USER: {ActionId.ONCALL_USER: user},
        FROM: {ActionId.ONCALL_FROM: start},
        TO: {ActionId.ONCALL_TO: end},
    }


def field_errors(app: OncallApp, view_id: str, values: dict[str, dict[str, Any]]) -> Any:
    response = app.driver.submit_view("bob", view_id, values)
    assert response.status_code == 200, response.text
    return response.json()["errors"] if response.content.strip() else None


def test_the_override_form_puts_each_mistake_on_its_field_then_saves(app: OncallApp) -> None:
    response = app.driver.slash("bob", "general", "override", command="/oncall")
    assert response.status_code == 200 and not response.content.strip()
    opened = app.driver.wait_for(lambda: app.driver.views("bob"))[-1]
    view = app.driver.view(opened["id"])
    assert view["callback_id"] == CallbackId.ONCALL_OVERRIDE
    schedule_select = view["blocks"][0]["element"]
    assert [o["value"] for o in schedule_select["options"]] == ["sre", "early", "weekend"]
    groups = view["blocks"][1]["element"]["option_groups"]
    assert [o["value"] for g in groups for o in g["options"]] == [
        "*",
        "sre/primary",
        "sre/daytime",
        "early/desk",
        "weekend/only",
    ]

    mistakes = [
        (answers(layer="early/desk"), LAYER, "desk is a layer of early, not of sre"),
        (answers(start="tomorrow"), FROM, "I could not read the start time `tomorrow`"),
        (answers(start="now soon"), FROM, "I could not read the start time `now soon`"),
        (answers(end="now"), TO, "The override must end after it starts."),
        (answers(end="+100d"), TO, "An override lasts at most 90 days"),
        (answers(start="2026-03-01 09:00", end="+2h"), TO, "The override ends in the past."),
    ]
    for values, field, message in mistakes:
        errors = field_errors(app, view["id"], values)
        assert list(errors) == [field], errors
        assert message in errors[field]
    app.settle()
    assert overrides(app) == []
    with Session(app.warroom.engine) as session:
        assert list(session.exec(select(InboxItem))) == []

    good = answers(layer="sre/daytime", start="2026-03-11 09:00", end="+8h")
    assert field_errors(app, view["id"], good) is None
    app.settle()
    (stored,) = overrides(app)
    assert (stored.schedule, stored.layer, stored.user, stored.created_by) == (
        "sre",
        "daytime",
        "U0ALICE",
        "U0BOB",
    )
    assert (stored.start_at, stored.end_at) == (
        datetime(2026, 3, 11, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 11, 16, 0, tzinfo=UTC),
    )
    told = app.driver.wait_for(lambda: app.driver.ephemerals("bob", "general"))
    assert "<@U0ALICE> takes layer daytime of *sre* from Wed 11 Mar 09:00 to Wed 11 Mar 17:00" in (
        message_text(told[-1])
    )


def test_remove_removes_once_however_often_it_is_clicked(app: OncallApp) -> None:
    app.ask("bob", "override sre <@U0ALICE|alice> now +8h")
    app.ask("bob", "override sre/daytime <@U0BOB|bob> 2026-03-12 09:00 +2h")
    assert "*sre* (Europe/Berlin): <@U0ALICE> until" in app.ask("carol", "")
    listed = app.ask("carol", "overrides sre")
    assert "<@U0ALICE> takes the whole schedule _(now)_" in listed
    assert "<@U0BOB> takes daytime\nThu 12 Mar 09:00 to Thu 12 Mar 11:00 · added by <@U0BOB>" in (
        listed
    )
    alice, bob = overrides(app)
    message = app.driver.ephemerals("carol")[-1]
    block = f"{BlockId.ONCALL_OVERRIDE}:{alice.id}"
    before = len(app.driver.ephemerals("carol"))
    for _ in range(2):  # a double click: two requests before either is carried out
        response = app.driver.click(
            "carol", "general", message["ts"], ActionId.ONCALL_REMOVE_OVERRIDE, block_id=block
        )
        assert response.status_code == 200
    app.settle()

    said = app.driver.wait_for(
        lambda: (
            [message_text(m) for m in app.driver.ephemerals("carol")[before:]][1:]
            and sorted(message_text(m) for m in app.driver.ephemerals("carol")[before:])
        ),
        description="both clicks answered",
    )
    assert said == [
        ":wastebasket: The override is removed; the schedule's own shifts apply.",
        "That override was removed already.",
    ]
    alice, bob = overrides(app)
    assert alice.removed_by == "U0CAROL" and alice.removed_at is not None
    assert bob.removed_at is None
    left = app.ask("carol", "overrides sre")
    assert "<@U0ALICE>" not in left and "<@U0BOB> takes daytime" in left
    assert "*sre* (Europe/Berlin): <@U0CAROL> until" in app.ask("carol", "")
