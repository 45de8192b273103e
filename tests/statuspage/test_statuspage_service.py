"""The status page service on a real database: publications create or update one public
incident per internal incident, store the states that follow and the effect that tells
subscribers; resolving puts components back unless something else holds them; maintenance
starts and ends by itself; the read side shows only what was published."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from statuspage_core import NOW, Clock, Core, add_incident, build_core, effects, history

from bot.kernel.errors import InvalidInput
from bot.kernel.transactions import run_in_transaction
from bot.statuspage.definitions import (
    ComponentStatus,
    Impact,
    MaintenanceStatus,
    PublicStatus,
)
from bot.statuspage.rules.indicator import Indicator
from bot.statuspage.rules.uptime import Uptime
from storage.enums import Severity
from storage.models import PublicIncident

MAJOR = ComponentStatus.MAJOR_OUTAGE
PARTIAL = ComponentStatus.PARTIAL_OUTAGE
DEGRADED = ComponentStatus.DEGRADED_PERFORMANCE
OK = ComponentStatus.OPERATIONAL
MAINTENANCE = ComponentStatus.UNDER_MAINTENANCE


@pytest.fixture
def core(engine: Engine, tmp_path: Path) -> Core:
    return build_core(engine, tmp_path)


async def states(core: Core) -> dict[str, ComponentStatus]:
    return {c.name: c.status for c in (await core.service.summary()).components}


async def test_first_publication_creates_the_public_incident_and_tells_subscribers(
    core: Core,
) -> None:
    incident = add_incident(core.engine)
    published = await core.service.publish(
        incident,
        title="Checkout is failing",
        status=PublicStatus.INVESTIGATING,
        message="We are looking into failed payments.",
        components={"API": MAJOR, "Payments": PARTIAL},
        by="U0ALICE",
    )

    assert published.created
    assert effects(core.engine) == [
        (f"statuspage.published:{published.update_id}", {"update_id": published.update_id})
    ]
    assert await states(core) == {
        "API": MAJOR,
        "Dashboard": OK,
        "Payments": PARTIAL,
        "Email delivery": OK,
    }
    assert history(core.engine, "API") == [(NOW, "major_outage")]
    shown = await core.service.incident(published.public_incident_id)
    assert shown is not None
    assert (shown.title, shown.status, shown.impact) == (
        "Checkout is failing",
        PublicStatus.INVESTIGATING,
        Impact.CRITICAL,
    )
    latest = await core.service.latest_for(incident)
    assert latest is not None
    assert (latest.status, latest.message, latest.at) == (
        PublicStatus.INVESTIGATING,
        "We are looking into failed payments.",
        NOW,
    )


async def test_later_publications_update_the_same_public_incident(core: Core) -> None:
    incident = add_incident(core.engine)
    first = await core.service.publish(
        incident,
        title="Checkout is failing",
        status=PublicStatus.INVESTIGATING,
        message="Looking into it.",
        components={"API": MAJOR, "Payments": PARTIAL},
        by="U0ALICE",
    )
    core.clock.advance(minutes=20)
    second = await core.service.publish(
        incident,
        title="",
        status=PublicStatus.IDENTIFIED,
        message="A bad deploy; rolling back.",
        components={"API": DEGRADED},
        by="U0BOB",
    )

    assert not second.created
    assert second.public_incident_id == first.public_incident_id
    shown = await core.service.incident(first.public_incident_id)
    assert shown is not None
    assert shown.title == "Checkout is failing"  # an empty title keeps the one published
    assert [u.message for u in shown.updates] == ["A bad deploy; rolling back.", "Looking into it."]
    assert shown.identified_at == core.clock.now
    assert shown.components == {"API": DEGRADED, "Payments": PARTIAL}  # Payments not named: kept
    assert shown.impact is Impact.MAJOR
    assert await states(core) == {
        "API": DEGRADED,
        "Dashboard": OK,
        "Payments": PARTIAL,
        "Email delivery": OK,
    }
    assert [key for key, _ in effects(core.engine)] == [
        f"statuspage.published:{first.update_id}",
        f"statuspage.published:{second.update_id}",
    ]


async def test_resolved_puts_components_back_unless_another_incident_holds_them(
    core: Core,
) -> None:
    checkout = add_incident(core.engine, number=1)
    web = add_incident(core.engine, title="Dashboard slow", number=2)
    await core.service.publish(
        checkout,
        title="Checkout failing",
        status=PublicStatus.INVESTIGATING,
        message="Looking.",
        components={"API": MAJOR, "Payments": PARTIAL},
        by="U0ALICE",
    )
    await core.service.publish(
        web,
        title="Dashboard slow",
        status=PublicStatus.INVESTIGATING,
        message="Slow pages.",
        components={"API": DEGRADED, "Dashboard": DEGRADED},
        by="U0BOB",
    )
    assert (await states(core))["API"] is MAJOR  # the worst holder wins

    core.clock.advance(hours=1)
    resolved_at = core.clock.now
    await core.service.publish(
        checkout,
        title="",
        status=PublicStatus.RESOLVED,
        message="Fixed.",
        components={},
        by="U0ALICE",
    )

    assert await states(core) == {
        "API": DEGRADED,  # still held by the dashboard incident
        "Dashboard": DEGRADED,
        "Payments": OK,
        "Email delivery": OK,
    }
    assert history(core.engine, "Payments") == [
        (NOW, "partial_outage"),
        (resolved_at, "operational"),
    ]
    page = await core.service.summary()
    assert [i.title for i in page.incidents] == ["Dashboard slow"]
    assert page.indicator is Indicator.MINOR
    resolved = (await core.service.history()).incidents[1]
    assert (resolved.status, resolved.resolved_at, resolved.impact) == (
        PublicStatus.RESOLVED,
        resolved_at,
        Impact.CRITICAL,  # a resolved incident keeps how bad it was
    )


async def test_a_page_only_incident_is_updated_by_its_public_id(core: Core) -> None:
    first = await core.service.publish(
        None,
        title="Upstream provider trouble",
        status=PublicStatus.MONITORING,
        message="Our mail provider is slow.",
        components={"Email delivery": DEGRADED},
        by="U0CAROL",
    )
    again = await core.service.publish(
        None,
        title="",
        status=PublicStatus.RESOLVED,
        message="Recovered.",
        components={},
        by="U0CAROL",
        public_id=first.public_incident_id,
    )

    assert again.public_incident_id == first.public_incident_id and not again.created
    assert (await states(core))["Email delivery"] is OK
    other = await core.service.publish(
        None,
        title="Something else",
        status=PublicStatus.INVESTIGATING,
        message="Another one.",
        components={},
        by="U0CAROL",
    )
    assert other.created and other.public_incident_id != first.public_incident_id


async def test_publish_in_joins_the_callers_transaction(core: Core) -> None:
    incident = add_incident(core.engine)

    def work(session: Session) -> None:
        core.service.publish_in(
            session,
            incident,
            title="Checkout failing",
            status=PublicStatus.INVESTIGATING,
            message="Looking.",
            components={"API": MAJOR},
            by="U0ALICE",
        )
        raise RuntimeError("the caller's work failed after publishing")

    with pytest.raises(RuntimeError):
        await run_in_transaction(core.engine, work)

    assert await core.service.latest_for(incident) is None
    assert effects(core.engine) == []
    assert (await states(core))["API"] is OK


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"title": ""}, "title", "Give the public incident a title."),
        ({"title": "x" * 201}, "title", "within 200 characters"),
        ({"message": "  "}, "message", "Write the message"),
        ({"message": "x" * 20_001}, "message", "within 20000 characters"),
        ({"status": "fixed"}, "status", "'fixed' is not a status"),
        ({"impact": "huge"}, "impact", "'huge' is not an impact"),
        ({"components": {"Billing": MAJOR}}, "components", "No component 'Billing'"),
        ({"components": {"API": "down"}}, "components", "'down' is not a component state"),
    ],
)
async def test_a_refused_publication_stores_nothing(
    core: Core, changes: dict[str, object], field: str, words: str
) -> None:
    asked: dict[str, object] = {
        "title": "Checkout failing",
        "status": PublicStatus.INVESTIGATING,
        "message": "Looking.",
        "components": {"API": MAJOR},
        "by": "U0ALICE",
        **changes,
    }
    with pytest.raises(InvalidInput) as refused:
        await core.service.publish(None, **asked)  # type: ignore[arg-type]

    assert refused.value.field == field
    assert words in refused.value.message
    with Session(core.engine) as session:
        assert session.exec(select(PublicIncident)).all() == []
    assert effects(core.engine) == []


def test_prefill_follows_services_and_severity(core: Core) -> None:
    assert core.service.prefill(["checkout"], Severity.SEV2) == {
        "API": PARTIAL,
        "Payments": PARTIAL,
    }
    assert core.service.prefill(["mail"], "sev4") == {"Email delivery": DEGRADED}


async def test_maintenance_starts_and_ends_by_itself_within_a_tick(core: Core) -> None:
    starts, ends = NOW + timedelta(hours=1), NOW + timedelta(hours=3)
    made = await core.service.add_maintenance(
        "Database upgrade", "Writes pause.", ["API", "Payments"], starts, ends, "cli"
    )
    assert await core.service.tick() == 0
    page = await core.service.summary()
    assert [(m.id, m.status) for m in page.upcoming_maintenances] == [
        (made, MaintenanceStatus.SCHEDULED)
    ]
    assert page.indicator is Indicator.NONE

    core.clock.now = starts + timedelta(seconds=30)
    assert await core.service.tick() == 1
    assert await core.service.tick() == 0  # once only
    page = await core.service.summary()
    assert [m.id for m in page.active_maintenances] == [made]
    assert page.indicator is Indicator.MAINTENANCE
    assert (await states(core))["API"] is MAINTENANCE

    core.clock.now = ends + timedelta(seconds=30)
    assert await core.service.tick() == 1
    assert await states(core) == dict.fromkeys(
        ["API", "Dashboard", "Payments", "Email delivery"], OK
    )
    assert effects(core.engine)[-2:] == [
        (
            f"statuspage.published:maintenance:{made}:started",
            {"maintenance_id": made, "phase": "started"},
        ),
        (
            f"statuspage.published:maintenance:{made}:completed",
            {"maintenance_id": made, "phase": "completed"},
        ),
    ]
    shown = (await core.service.maintenances())[0]
    assert (shown.status, shown.started_at, shown.completed_at) == (
        MaintenanceStatus.COMPLETED,
        starts + timedelta(seconds=30),
        ends + timedelta(seconds=30),
    )


async def test_an_outage_during_maintenance_shows_and_maintenance_holds_after_it(
    core: Core,
) -> None:
    await core.service.add_maintenance(
        "Upgrade", "", ["API"], NOW - timedelta(minutes=5), NOW + timedelta(hours=1), "cli"
    )
    assert (await states(core))["API"] is MAINTENANCE  # already due: started at once
    incident = add_incident(core.engine)
    await core.service.publish(
        incident,
        title="Upgrade went wrong",
        status=PublicStatus.INVESTIGATING,
        message="Errors.",
        components={"API": MAJOR},
        by="U0ALICE",
    )
    assert (await states(core))["API"] is MAJOR
    await core.service.publish(
        incident, title="", status="resolved", message="Fixed.", components={}, by="U0ALICE"
    )
    assert (await states(core))["API"] is MAINTENANCE


@pytest.mark.parametrize(
    ("title", "components", "hours", "field"),
    [
        ("", ["API"], (1, 2), "title"),
        ("Upgrade", [], (1, 2), "components"),
        ("Upgrade", ["Billing"], (1, 2), "components"),
        ("Upgrade", ["API"], (2, 1), "ends"),
        ("Upgrade", ["API"], (-3, -1), "ends"),
    ],
)
async def test_refused_maintenance_stores_nothing(
    core: Core, title: str, components: list[str], hours: tuple[int, int], field: str
) -> None:
    starts, ends = (NOW + timedelta(hours=h) for h in hours)
    with pytest.raises(InvalidInput) as refused:
        await core.service.add_maintenance(title, "", components, starts, ends, "cli")
    assert refused.value.field == field
    assert await core.service.maintenances() == ()


async def test_the_first_tick_begins_every_components_history(core: Core) -> None:
    await core.service.tick()
    core.clock.advance(hours=1)
    await core.service.tick()

    assert history(core.engine, "Dashboard") == [(NOW, "operational")]
    uptime = await core.service.uptime("Dashboard")
    assert [bar.worst for bar in uptime.days[-2:]] == [None, OK]
    assert uptime.percent == 100.0


async def test_history_pages_newest_first(core: Core) -> None:
    for number in range(1, 26):
        await core.service.publish(
            None,
            title=f"Incident {number}",
            status=PublicStatus.RESOLVED,
            message="Done.",
            components={},
            by="U0ALICE",
        )
    first, last = await core.service.history(1), await core.service.history(2)

    assert (first.page, first.pages, first.total) == (1, 2, 25)
    assert [i.title for i in first.incidents[:2]] == ["Incident 25", "Incident 24"]
    assert [i.title for i in last.incidents] == [f"Incident {n}" for n in range(5, 0, -1)]
    assert (await core.service.history(99)).page == 2


async def test_the_marker_changes_with_every_write_and_the_day(core: Core) -> None:
    before = await core.service.marker()
    assert await core.service.marker() == before
    await core.service.publish(
        None, title="A", status="investigating", message="m", components={}, by="U0ALICE"
    )
    after = await core.service.marker()
    assert after != before
    await core.service.add_maintenance(
        "M", "", ["API"], NOW + timedelta(hours=1), NOW + timedelta(hours=2), "cli"
    )
    assert await core.service.marker() != after
    assert await core.service.marker(NOW + timedelta(days=1)) != await core.service.marker()


async def test_an_unpublished_incident_is_nowhere_on_the_page(core: Core) -> None:
    add_incident(core.engine, title="Secret breach", private=True)
    page = await core.service.summary()

    assert page.incidents == ()
    assert page.indicator is Indicator.NONE
    assert (await core.service.history()).total == 0


async def test_two_first_publications_at_once_make_one_public_incident(core: Core) -> None:
    incident = add_incident(core.engine)

    async def publish(message: str) -> int:
        made = await core.service.publish(
            incident,
            title="Checkout failing",
            status=PublicStatus.INVESTIGATING,
            message=message,
            components={"API": MAJOR},
            by="U0ALICE",
        )
        return made.public_incident_id

    ids = await asyncio.gather(*(publish(f"update {n}") for n in range(4)))

    assert len(set(ids)) == 1
    shown = await core.service.incident(ids[0])
    assert shown is not None
    assert sorted(u.message for u in shown.updates) == [f"update {n}" for n in range(4)]
    assert history(core.engine, "API") == [(NOW, "major_outage")]


async def test_kept_uptime_bars_follow_time_and_other_processes_writes(
    engine: Engine, tmp_path: Path
) -> None:
    """A process keeps the bars between reads; what it shows is what a process reading afresh
    shows, as time passes and as another process publishes."""
    clock = Clock(NOW - timedelta(days=2))
    reader = build_core(engine, tmp_path, clock)
    writer = build_core(engine, tmp_path, clock)
    await writer.service.tick()
    clock.now = NOW

    async def fresh() -> dict[str, Uptime]:
        return (await build_core(engine, tmp_path, clock).service.page())[1]

    assert (await reader.service.page())[1] == await fresh()
    await writer.service.publish(
        None,
        title="API down",
        status="investigating",
        message="Errors.",
        components={"API": MAJOR},
        by="U0ALICE",
    )
    clock.advance(hours=3)
    kept = (await reader.service.page())[1]
    assert kept == await fresh()
    assert kept["API"].days[-1].uptime == pytest.approx(12 / 15)  # down since noon
    clock.advance(hours=2)
    await writer.service.publish(
        None, title="", public_id=1, status="resolved", message="Fixed.", components={}, by="U0A"
    )
    clock.advance(hours=1)
    kept = (await reader.service.page())[1]
    assert kept == await fresh()
    assert kept["API"].days[-1].uptime == pytest.approx(13 / 18)
    assert kept["Dashboard"].days[-1].uptime == 1.0
