"""`page: [schedule:…]` end to end: an alert routed to a schedule pages the people on call when
the page is made (stored as them, so acknowledging works as for anyone named); a schedule with
nobody on call is written in the timeline and said in the incident's channel; a schedule the
file does not define is refused when the config is checked."""

from pathlib import Path

import pytest
from slack_oncall_app import WARROOM_YML, OncallApp, message_text
from sqlmodel import Session, col, select

from bot.alerts.config import ConfigError, load_routing_config
from bot.cli import main
from bot.slack.ids import ActionId
from bot.slack.places import read_shown
from storage.enums import EventKind
from storage.models import Incident, Notification, TimelineEvent


def pages(app: OncallApp) -> list[str]:
    with Session(app.warroom.engine) as session:
        query = select(Notification).where(Notification.method == "slack")
        return [n.target for n in session.exec(query.order_by(col(Notification.id)))]


def incident(app: OncallApp) -> Incident:
    with Session(app.warroom.engine) as session:
        return session.exec(select(Incident)).one()


def timeline(app: OncallApp) -> list[TimelineEvent]:
    with Session(app.warroom.engine) as session:
        query = select(TimelineEvent).order_by(col(TimelineEvent.id))
        return list(session.exec(query))


def page_dm(app: OncallApp, user: str) -> dict[str, object]:
    found = app.driver.wait_for(
        lambda: [m for m in app.driver.dm_messages(user) if ActionId.ACKNOWLEDGE_PAGE in str(m)],
        description=f"{user}'s page",
    )
    return found[-1]


def test_a_schedule_pages_who_is_on_call_and_they_can_acknowledge(app: OncallApp) -> None:
    app.alert("Checkout errors above 5%", "checkout", "checkout-errors")
    # carol holds sre now (her daytime layer wins); bob has the primary layer under her.
    assert pages(app) == ["U0CAROL", "U0BOB"]
    page = page_dm(app, "carol")
    page_dm(app, "bob")
    dm = app.driver.dm_channel("carol") or ""
    app.driver.click("carol", dm, str(page["ts"]), ActionId.ACKNOWLEDGE_PAGE)
    app.driver.wait_for(lambda: incident(app).acknowledged_by == "U0CAROL")
    app.settle()
    paged = [e.text for e in timeline(app) if e.kind == EventKind.PAGED]
    assert paged == [
        "Page 1, level 1: paged @U0CAROL, @U0BOB",
        "@U0CAROL acknowledged page 1 (by slack)",
    ]
    with Session(app.warroom.engine) as session:
        sent = session.exec(select(Notification).where(col(Notification.sent_at).is_not(None)))
        assert sorted(n.target for n in sent) == ["U0BOB", "U0CAROL"]


def test_a_layer_pages_that_layers_person_only(app: OncallApp) -> None:
    app.alert("Web latency", "web", "web-latency")
    assert pages(app) == ["U0CAROL"]
    page_dm(app, "carol")


def test_a_schedule_with_nobody_on_call_is_reported_never_silent(app: OncallApp) -> None:
    app.alert("Batch jobs stuck", "batch", "batch-stuck")
    assert pages(app) == ["U0BOB"]  # the person named alongside is still paged
    page_dm(app, "bob")
    (nobody,) = [e for e in timeline(app) if "Nobody paged" in e.text]
    assert nobody.kind == EventKind.PAGED
    assert nobody.text == "Nobody paged for schedule:weekend: nobody is on call"
    channel = incident_channel(app)
    said = app.driver.wait_for(
        lambda: [
            message_text(m)
            for m in app.driver.messages(channel)
            if "Nobody is on call" in message_text(m)
        ],
        description="the notice in the incident channel",
    )
    assert said == [
        ":warning: Nobody is on call in schedule:weekend, so nobody was paged for it. Page "
        "someone by hand, or cover the gap: /oncall override weekend @person now +8h"
    ]
    app.settle()
    assert len([m for m in app.driver.messages(channel) if "Nobody is on call" in str(m)]) == 1


def incident_channel(app: OncallApp) -> str:
    def channel() -> str | None:
        with Session(app.warroom.engine) as session:
            return read_shown(session, session.exec(select(Incident)).one()).channel_id

    return str(app.driver.wait_for(channel, description="the incident's channel"))


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        (
            "[schedule:nope]",
            "routes[0].page: schedule:nope names no schedule (schedules: sre, early, weekend)",
        ),
        (
            "[U0BOB, schedule:sre/nope]",
            "routes[0].page: schedule:sre/nope: schedule sre has no layer nope "
            "(layers: primary, daytime)",
        ),
    ],
)
def test_a_schedule_the_file_does_not_define_is_refused_in_one_line(
    tmp_path: Path, nowhere: Path, capsys: pytest.CaptureFixture[str], page: str, problem: str
) -> None:
    path = tmp_path / "broken.yml"
    body = WARROOM_YML.split("schedules:", 1)[1]
    path.write_text(f"routes:\n  - match: {{service: x}}\n    page: {page}\nschedules:{body}")
    with pytest.raises(ConfigError) as refused:
        load_routing_config(str(path))
    assert str(refused.value) == f"{path}: {problem}"
    assert main(["config", "check", "--config", str(path)]) == 2
    _out, err = capsys.readouterr()
    assert err.strip().splitlines() == [f"warroom: {path}: {problem}"]


def test_schedule_targets_in_the_file_that_exist_load(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yml"
    path.write_text(WARROOM_YML)
    config = load_routing_config(str(path))
    assert [rule.page for rule in config.rules] == [
        ("schedule:sre",),
        ("schedule:sre/daytime",),
        ("schedule:weekend", "U0BOB"),
    ]
