"""`/oncall` end to end through the sandbox with signed requests: who is on call, a schedule's
two weeks, my shifts, overrides by command, the help, and every mistake answered at once
without anything stored. Reads are answered in the acknowledgement itself (the HTTP response
to the slash command) and store nothing; a read that fails or is too slow says so with a
reference, which the log has too."""

from datetime import UTC, datetime

import pytest
import sqlalchemy
from slack_oncall_app import OncallApp, message_text, on_record, overrides
from sqlmodel import Session, col, select

from bot.slack.listeners import oncall as oncall_listener
from storage.models import InboxItem


def stored_commands(app: OncallApp) -> int:
    with Session(app.warroom.engine) as session:
        return len(list(session.exec(select(InboxItem))))


def test_who_is_on_call_in_every_schedule(app: OncallApp) -> None:
    shown = app.ask("alice", "")
    assert (
        "*sre* (Europe/Berlin): <@U0CAROL> until Tue 10 Mar 17:00, "
        "then <@U0BOB> from Tue 10 Mar 17:00"
    ) in shown
    assert "primary: <@U0BOB> · daytime: <@U0CAROL>" in shown  # several layers: each one
    assert (
        "*early* (Europe/Berlin): :warning: nobody is on call, "
        "then <@U0CAROL> from Wed 11 Mar 07:00"
    ) in shown
    assert (
        "*weekend* (America/New_York): :warning: nobody is on call, "
        "then <@U0CAROL> from Sat 14 Mar 10:00"
    ) in shown
    assert "Times in each schedule's time zone (yours is not known)." in shown


def test_times_are_in_the_askers_zone_when_the_directory_knows_it(app: OncallApp) -> None:
    on_record(app, {"U0ALICE": "America/New_York"})
    shown = app.ask("alice", "")
    # 17:00 in Berlin (UTC+1) is 12:00 in New York (UTC-4 since 8 March).
    assert "*sre*: <@U0CAROL> until Tue 10 Mar 12:00, then <@U0BOB>" in shown
    assert "Times in America/New_York, your time zone." in shown
    two_weeks = app.ask("alice", "weekend")
    assert "Sat 14 Mar 10:00 to Sat 14 Mar 11:00  <@U0CAROL> · only" in two_weeks
    assert "Times in America/New_York, your time zone." in two_weeks


def test_a_zone_never_seen_is_looked_up_in_slack(app: OncallApp) -> None:
    app.driver.add_user("dana", tz="America/Los_Angeles")
    shown = app.ask("dana", "sre")
    # 10:00 in Berlin (UTC+1) is 02:00 in Los Angeles (UTC-7 since 8 March).
    assert "Tue 10 Mar 02:00 to Tue 10 Mar 09:00  <@U0CAROL> · daytime" in shown
    assert "Times in America/Los_Angeles, your time zone." in shown


def test_a_schedule_shows_two_weeks_of_final_shifts_and_its_gaps(app: OncallApp) -> None:
    shown = app.ask("bob", "sre")
    assert "*sre*: on call for the next 14 days" in shown
    assert "Tue 10 Mar 10:00 to Tue 10 Mar 17:00  <@U0CAROL> · daytime" in shown
    assert "Tue 10 Mar 17:00 to Wed 11 Mar 09:00  <@U0BOB> · primary" in shown
    assert "Mon 16 Mar 09:00 to Tue 17 Mar 09:00  <@U0ALICE> · primary" in shown
    assert "Times in Europe/Berlin, the schedule's time zone (yours is not known)." in shown
    early = app.ask("bob", "early")
    assert "Tue 10 Mar 10:00 to Wed 11 Mar 07:00  :warning: nobody" in early
    assert "Wed 11 Mar 07:00 to Wed 11 Mar 09:00  <@U0CAROL> · desk" in early


def test_my_shifts_across_schedules(app: OncallApp) -> None:
    shown = app.ask("carol", "me")
    assert "*Your shifts* in the next 28 days" in shown
    assert "Tue 10 Mar 10:00 to Tue 10 Mar 17:00  *sre* · daytime" in shown
    assert "Wed 11 Mar 07:00 to Wed 11 Mar 09:00  *early* · desk" in shown
    assert "*weekend* · only" in shown
    # alice's primary week is cut by carol's daytime hours: the final shifts are hers alone.
    assert "Mon 16 Mar 09:00 to Tue 17 Mar 09:00  *sre* · primary" in app.ask("alice", "me")
    app.driver.add_user("dave")
    assert "You have no on-call shifts in the next 28 days." in app.ask("dave", "me")


def test_an_override_by_command_takes_the_pager(app: OncallApp) -> None:
    said = app.ask("bob", "override sre <@U0ALICE|alice> now +8h")
    assert said.startswith(":white_check_mark: <@U0ALICE> takes *sre* from Tue 10 Mar 10:00 to")
    assert "Tue 10 Mar 18:00 (Europe/Berlin)" in said
    (stored,) = overrides(app)
    assert (stored.schedule, stored.layer, stored.user, stored.created_by) == (
        "sre",
        "",
        "U0ALICE",
        "U0BOB",
    )
    assert stored.end_at is not None and stored.start_at is not None
    assert (stored.end_at - stored.start_at).total_seconds() == 8 * 3600
    assert "*sre* (Europe/Berlin): <@U0ALICE> until Tue 10 Mar 18:00" in app.ask("bob", "")

    layer = app.ask("bob", "override sre/daytime <@U0BOB|bob> 2026-03-11 09:00 2026-03-11 17:00")
    assert "takes layer daytime of *sre* from Wed 11 Mar 09:00 to Wed 11 Mar 17:00" in layer
    assert [(o.layer, o.start_at) for o in overrides(app)][1] == (
        "daytime",
        datetime(2026, 3, 11, 8, 0, tzinfo=UTC),
    )
    assert "Wed 11 Mar 09:00 to Wed 11 Mar 17:00  <@U0BOB> · daytime _(override)_" in app.ask(
        "bob", "sre"
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("nosuch", "There is no schedule `nosuch`. Schedules: `sre`, `early`, `weekend`."),
        (
            "overrides nosuch",
            "There is no schedule `nosuch`. Schedules: `sre`, `early`, `weekend`.",
        ),
        (
            "override nosuch <@U0BOB|bob> now +1h",
            "There is no schedule `nosuch`. Schedules: `sre`, `early`, `weekend`.",
        ),
        ("override sre/nope <@U0BOB|bob> now +1h", "Schedule sre has no layer 'nope'"),
        ("override sre bob now +1h", "`bob` is not a person: mention them with @"),
        (
            "override sre <@U0BOB|bob> tomorrow +1h",
            "I could not read the start time `tomorrow`: give `YYYY-MM-DD HH:MM`",
        ),
        (
            "override sre <@U0BOB|bob> 2026-03-12 25:00 +1h",
            "I could not read the start time `2026-03-12 25:00`",
        ),
        ("override sre <@U0BOB|bob> now", "The end time is missing"),
        ("override sre <@U0BOB|bob> +2h now", "The override must end after it starts."),
        (
            "override sre <@U0BOB|bob> 2026-03-01 09:00 2026-03-02 09:00",
            "The override ends in the past.",
        ),
        ("override sre <@U0BOB|bob> now +100d", "An override lasts at most 90 days"),
        ("override sre <@U0BOB|bob> now +1h extra", "I did not understand `extra` after the times"),
        ("override sre", "Give the schedule, the person and both times"),
        ("frobnicate the pager", "I don't know `/oncall frobnicate the pager`."),
    ],
)
def test_mistakes_are_answered_at_once_and_nothing_is_stored(
    app: OncallApp, text: str, said: str
) -> None:
    shown = app.ask("bob", text)
    assert said in shown
    assert overrides(app) == []
    assert stored_commands(app) == 0  # refused before the acknowledgement: nothing to carry out


def test_help_lists_every_form(app: OncallApp) -> None:
    shown = app.ask("bob", "help")
    for usage in (
        "`/oncall`",
        "`/oncall me`",
        "`/oncall overrides &lt;schedule&gt;`",
        "`/oncall help`",
    ):
        assert usage in shown
    assert "override &lt;schedule&gt;[/&lt;layer&gt;] @person &lt;from&gt; &lt;to&gt;" in shown


def test_overrides_are_stored_before_they_are_acknowledged(app: OncallApp) -> None:
    app.ask("bob", "override sre <@U0ALICE|alice> now +1h")
    with Session(app.warroom.engine) as session:
        items = list(session.exec(select(InboxItem).order_by(col(InboxItem.id))))
    assert [(i.kind, i.payload["command"], i.payload["text"]) for i in items] == [
        ("slack.command", "/oncall", "override sre <@U0ALICE|alice> now +1h"),
    ]
    assert all(i.done_at is not None for i in items)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "*sre* (Europe/Berlin): <@U0CAROL> until Tue 10 Mar 17:00"),
        ("sre", "Tue 10 Mar 10:00 to Tue 10 Mar 17:00  <@U0CAROL> · daytime"),
        ("me", "Tue 10 Mar 10:00 to Tue 10 Mar 17:00  *sre* · daytime"),
        ("overrides sre", "*sre* has no current or future overrides."),
    ],
)
def test_reads_are_answered_in_the_acknowledgement_and_store_nothing(
    app: OncallApp, text: str, said: str
) -> None:
    response = app.driver.slash("carol", "general", text, command="/oncall")
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert said in message_text(answer)
    assert stored_commands(app) == 0
    # Nothing left to carry out: the answer was the acknowledgement.
    assert [message_text(m) for m in app.driver.ephemerals("carol")] == [message_text(answer)]


def rename_table(app: OncallApp, old: str, new: str) -> None:
    with Session(app.warroom.engine) as session:
        session.execute(sqlalchemy.text(f"ALTER TABLE {old} RENAME TO {new}"))
        session.commit()


def test_a_read_that_fails_says_so_with_the_reference_it_is_logged_under(
    app: OncallApp, caplog: pytest.LogCaptureFixture
) -> None:
    rename_table(app, "oncalloverride", "oncalloverride_away")  # the database fails the read
    try:
        response = app.driver.slash("bob", "general", "", command="/oncall")
    finally:
        rename_table(app, "oncalloverride_away", "oncalloverride")
    assert response.status_code == 200
    said = response.json()["text"]
    assert said.startswith(":x: I could not read the on-call schedules just now (reference `")
    assert said.endswith("); please try again.")
    reference = said.split("`")[1]
    (logged,) = [r for r in caplog.records if reference in r.getMessage()]
    assert logged.exc_info is not None  # with the cause
    assert stored_commands(app) == 0


def test_a_read_past_its_deadline_says_so_in_time(
    app: OncallApp, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oncall_listener, "READ_DEADLINE", 0.0)  # no read is that fast
    response = app.driver.slash("bob", "general", "sre", command="/oncall")
    assert response.status_code == 200
    said = response.json()["text"]
    assert "I could not read the on-call schedules just now (reference `" in said
    reference = said.split("`")[1]
    assert any(
        f"not answered within 0 s (reference {reference})" in r.getMessage() for r in caplog.records
    )
