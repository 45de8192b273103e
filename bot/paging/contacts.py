"""People's contact methods: what each set with `/oncall contact` (stored) wins over what
`warroom.yml`'s `people:` says."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.paging.definitions import ContactDef, ContactRule, Method
from storage.models import ContactMethods
from storage.queries import paging as queries


class Contacts:
    """Looks up and keeps contact methods."""

    def __init__(self, people: Mapping[str, ContactDef]) -> None:
        self.people = people

    def lookup(self, session: Session, user: str) -> ContactDef | None:
        """The person's contact methods: their own when they set some, else the file's."""
        row = queries.get_contact(session, user=user)
        if row is not None:
            return contact_of(row)
        return self.people.get(user)

    def user_by_phone(self, session: Session, phone: str) -> str | None:
        """Whose number this is: a stored one first, then the file's (E.164 as given)."""
        row = queries.find_contact_by_phone(session, phone=phone)
        if row is not None:
            return row.user
        for user, contact in self.people.items():
            if contact.phone == phone and queries.get_contact(session, user=user) is None:
                return user
        return None

    def save(
        self,
        session: Session,
        contact: ContactDef,
        *,
        by: str,
        now: datetime,
    ) -> None:
        """Keep a person's own contact methods (replacing what they set before)."""
        row = queries.get_contact(session, user=contact.user) or ContactMethods(user=contact.user)
        row.phone, row.email = contact.phone, contact.email
        row.rules = rules_of(contact.rules)
        row.updated_at, row.updated_by = now, by
        session.add(row)


def contact_of(row: ContactMethods) -> ContactDef:
    """A stored row as the value the rules read."""
    rules = tuple(
        ContactRule(Method(rule["method"]), timedelta(seconds=float(rule["after"])))
        for rule in row.rules
    )
    return ContactDef(user=row.user, phone=row.phone, email=row.email, rules=rules)


def rules_of(rules: Sequence[ContactRule]) -> list[dict[str, object]]:
    """Rules as stored: method and delay in seconds."""
    return [{"method": str(r.method), "after": r.after.total_seconds()} for r in rules]
