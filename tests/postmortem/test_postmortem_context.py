"""What the post-mortem says: a complete, ordered timeline and durations computed in UTC."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from markdown_it import MarkdownIt
from postmortem_samples import T0, Rows, empty_incident, full_incident

from bot.incidents.postmortem.render import load_postmortem_renderer
from bot.incidents.rules.postmortem import EVENT_LABELS, UNKNOWN, build_postmortem_context
from storage.enums import EventKind, Severity, Status
from storage.models import Incident, StatusUpdate, TimelineEvent

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def _metrics(rows: Rows) -> dict[str, str]:
    return {metric.label: metric.value for metric in rows.context().metrics}


def test_every_event_kind_has_a_label() -> None:
    assert set(EVENT_LABELS) == set(EventKind)


def test_five_thousand_events_all_render_in_order() -> None:
    rows = empty_incident()
    kinds = [EventKind.NOTE, EventKind.UPDATE, EventKind.PINNED, EventKind.STATUS_CHANGED]
    for n in range(1, 5000):
        rows.event(n / 10, kinds[n % len(kinds)], f"event {n:04d}", "U2")
    document = load_postmortem_renderer(None).render(rows.context())
    tokens = MarkdownIt("commonmark").enable("table").parse(document)
    start = next(i for i, t in enumerate(tokens) if t.content == "Timeline")
    end = next(i for i, t in enumerate(tokens) if t.content == "Root Cause")
    items = [t for t in tokens[start:end] if t.type == "list_item_open"]
    assert len(items) == 5000
    numbers = [int(line.rsplit(" ", 1)[1]) for line in document.splitlines() if " · event " in line]
    assert numbers == list(range(1, 5000))
    assert _metrics(rows)["Status updates posted"] == "1250"


def test_events_are_ordered_by_time_and_ties_keep_their_order() -> None:
    rows = empty_incident()
    rows.event(30, EventKind.NOTE, "third", "U1")
    rows.event(10, EventKind.NOTE, "second (a)", "U1")
    rows.event(10, EventKind.NOTE, "second (b)", "U1")
    rows.timeline.append(TimelineEvent(incident_id=1, kind=EventKind.NOTE, text="undated"))
    texts = [entry.text for entry in rows.context().timeline]
    assert texts == [
        "SEV3 declared by @alex: Search is slow",
        "second (a)",
        "second (b)",
        "third",
        "undated",
    ]
    assert rows.context().timeline[-1].at == UNKNOWN


def test_an_update_with_its_event_appears_once_and_one_without_appears_too() -> None:
    rows = empty_incident()
    rows.update(5, "Looking into it", "U2", Status.INVESTIGATING)
    rows.updates.append(
        StatusUpdate(
            incident_id=1,
            text="Imported from elsewhere",
            author="U3",
            posted_at=T0 + timedelta(minutes=7),
            status=Status.INVESTIGATING,
            severity=Severity.SEV3,
        )
    )
    entries = [(e.label, e.actor, e.text) for e in rows.context().timeline[1:]]
    assert entries == [
        ("Status update", "@bo", "Looking into it"),
        ("Status update", "@cy", "Imported from elsewhere"),
    ]


def test_people_are_shown_by_name_and_unknown_ids_stay_ids() -> None:
    rows = empty_incident()
    rows.event(1, EventKind.NOTE, "ask <@U2>, <@U77> or <@U88|old-name>", "U77")
    context = rows.context()
    assert context.timeline[-1].text == "ask @bo, @U77 or @U88"  # no name known: the id
    assert context.timeline[-1].actor == "@U77"
    assert context.declared_by == "@alex"


def test_metrics_count_from_declaration_and_unknown_ones_are_dashes() -> None:
    assert _metrics(full_incident()) == {
        "Time to declare (from detection)": "4m",
        "Time to acknowledge": "3m",
        "Time to identify": "25m",
        "Time to mitigate": "41m",
        "Time to resolve": "2h 05m",
        "Impact duration": "45m",
        "Acknowledgement target": "missed (breached at 2026-03-08 09:02:00 UTC)",
        "Status updates posted": "2",
        "Status updates missed": "1",
    }
    metrics = _metrics(empty_incident())
    for label in ("Time to acknowledge", "Time to identify", "Time to mitigate", "Impact duration"):
        assert metrics[label] == UNKNOWN
    assert full_incident().context().metrics_origin == "declaration at 2026-03-08 09:00:00 UTC"


def test_impact_runs_from_detection_to_resolution_when_never_mitigated() -> None:
    rows = empty_incident()
    rows.incident.resolved_at = T0 + timedelta(hours=1, minutes=5)
    context = rows.context()
    assert context.impact_duration == "1h 05m"
    assert context.impact_window.endswith("to resolution at 2026-03-08 10:05:00 UTC")


def _dst_incident(zone: ZoneInfo, start: datetime, end: datetime) -> Incident:
    return Incident(
        number=1,
        title="Clock change",
        severity=Severity.SEV2,
        status=Status.MITIGATED,
        declared_by="U1",
        detected_at=start.replace(tzinfo=zone),
        declared_at=start.replace(tzinfo=zone),
        acknowledged_at=end.replace(tzinfo=zone),
        mitigated_at=end.replace(tzinfo=zone),
    )


def test_durations_across_spring_forward_are_real_time() -> None:
    # 01:30 EST to 03:30 EDT on 8 March 2026 is one real hour, two on the wall clock.
    incident = _dst_incident(NEW_YORK, datetime(2026, 3, 8, 1, 30), datetime(2026, 3, 8, 3, 30))
    context = build_postmortem_context(incident, [], [], [], [])
    assert context.impact_duration == "1h 00m"
    assert {m.label: m.value for m in context.metrics}["Time to acknowledge"] == "1h 00m"
    assert context.declared_at == "2026-03-08 06:30:00"  # shown in UTC


def test_durations_across_fall_back_are_real_time() -> None:
    # 00:30 BST to 02:30 GMT on 25 October 2026 is three real hours, two on the wall clock.
    incident = _dst_incident(LONDON, datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 2, 30))
    context = build_postmortem_context(incident, [], [], [], [])
    assert context.impact_duration == "3h 00m"
    assert context.impact_window == (
        "from detection at 2026-10-24 23:30:00 UTC to mitigation at 2026-10-25 02:30:00 UTC"
    )


def test_events_in_the_repeated_hour_are_ordered_by_real_time() -> None:
    # London repeats 01:00-02:00 on 25 October 2026; a same-zone comparison goes by wall clock.
    rows = empty_incident()
    for text, wall, fold in (("second", 15, 1), ("first", 30, 0)):
        moment = datetime(2026, 10, 25, 1, wall, tzinfo=LONDON, fold=fold)
        rows.timeline.append(
            TimelineEvent(incident_id=1, kind=EventKind.NOTE, text=text, occurred_at=moment)
        )
    entries = [(entry.text, entry.at) for entry in rows.context().timeline[1:]]
    assert entries == [("first", "2026-10-25 00:30:00"), ("second", "2026-10-25 01:15:00")]
