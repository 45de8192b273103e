"""The people directory. Session first, keyword arguments after."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.models import Person


def map_people(session: Session, *, ids: Sequence[str]) -> dict[str, Person]:
    """These people, by id (those never seen are left out)."""
    if not ids:
        return {}
    query = select(Person).where(col(Person.id).in_(list(set(ids))))
    return {person.id: person for person in session.exec(query)}


def save_people(session: Session, *, rows: Sequence[dict[str, Any]], now: datetime) -> int:
    """Create or refresh people from the directory's rows; how many were saved."""
    known = map_people(session, ids=[row["id"] for row in rows])
    for row in rows:
        person = known.get(row["id"]) or Person(id=row["id"])
        for name, value in row.items():
            setattr(person, name, value)
        person.refreshed_at = now
        session.add(person)
    return len(rows)


def list_stale_ids(session: Session, *, ids: Sequence[str], before: datetime) -> list[str]:
    """Of these ids, those never seen or last refreshed before `before`."""
    known = map_people(session, ids=ids)
    return [
        i
        for i in dict.fromkeys(ids)
        if i not in known or (known[i].refreshed_at or before) < before
    ]
