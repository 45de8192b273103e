"""The people directory: names come from the database, refreshed from the workspace when
stale, and the names on record are used when the workspace cannot be reached."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from bot.people.ports import PersonRecord
from bot.people.service import FRESH_FOR, PeopleService

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class FakeDirectory:
    """A workspace directory the test controls (the Slack one is tested end to end)."""

    def __init__(self, *records: PersonRecord) -> None:
        self.records = {r.id: r for r in records}
        self.lookups: list[list[str]] = []
        self.down = False

    async def lookup(self, ids: list[str]) -> list[PersonRecord]:
        self.lookups.append(ids)
        if self.down:
            raise ConnectionError("Slack is unreachable")
        return [self.records[i] for i in ids if i in self.records]

    async def everyone(self) -> list[PersonRecord]:
        return list(self.records.values())


def _service(engine: Engine, directory: FakeDirectory, now: list[datetime]) -> PeopleService:
    return PeopleService(engine, directory, clock=lambda: now[0])


async def test_names_are_looked_up_once_and_then_read_from_the_database(engine: Engine) -> None:
    directory = FakeDirectory(PersonRecord("U1", handle="alice", display_name="Alice A."))
    now = [T0]
    people = _service(engine, directory, now)
    assert await people.display_names(["U1", "U2", "Alertmanager"]) == {"U1": "Alice A."}
    assert await people.display_names(["U1"]) == {"U1": "Alice A."}
    assert directory.lookups == [["U1", "U2"]]  # asked once; a tool is not a person


async def test_a_stale_name_is_refreshed_and_kept_when_the_workspace_is_down(
    engine: Engine,
) -> None:
    directory = FakeDirectory(PersonRecord("U1", handle="alice", real_name="Alice"))
    now = [T0]
    people = _service(engine, directory, now)
    await people.display_names(["U1"])
    directory.records["U1"] = PersonRecord("U1", handle="alice", display_name="Ali")
    now[0] = T0 + FRESH_FOR + timedelta(minutes=1)
    assert await people.display_names(["U1"]) == {"U1": "Ali"}
    directory.down = True
    now[0] += FRESH_FOR + timedelta(minutes=1)
    assert await people.display_names(["U1"]) == {"U1": "Ali"}  # the name on record


async def test_a_sync_saves_everyone(engine: Engine) -> None:
    directory = FakeDirectory(
        PersonRecord("U1", handle="alice", email="alice@example.com", timezone="Europe/Berlin"),
        PersonRecord("U2", handle="bob", is_bot=True),
    )
    people = _service(engine, directory, [T0])
    assert await people.sync() == 2
    directory.down = True
    assert await people.display_names(["U1", "U2"]) == {"U1": "alice", "U2": "bob"}
