"""What the status page tests share: a warroom.yml with components and branding, a clock moved
by hand, the service on a real database, and reads of the rows and effects it wrote."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.kernel.outbox import Outbox
from bot.statuspage.config import load_statuspage_config
from bot.statuspage.service import StatusPageService
from storage.enums import Severity, Status
from storage.models import ComponentState, Effect, Incident

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
STATUS_YML = """
components:
  - name: API
    group: Platform
    description: The public REST API
    services: [checkout, api]
  - name: Dashboard
    group: Platform
    services: [web]
  - name: Payments
    description: Card payments
    services: [checkout, payments]
  - name: Email delivery
    services: [mail]
status_page:
  name: Acme Status
  logo_url: https://example.com/logo.png
  accent_color: "#0a7d33"
  support_url: https://example.com/support
"""


class Clock:
    """The service's clock, moved by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move on by a timedelta's worth; the new time."""
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Core:
    """The service on a real database, its clock and engine."""

    service: StatusPageService
    clock: Clock
    engine: Engine


def write_config(folder: Path, text: str = STATUS_YML) -> Path:
    """warroom.yml with the status page sections."""
    path = folder / "warroom.yml"
    path.write_text(text)
    return path


def build_core(
    engine: Engine, folder: Path, clock: Clock | None = None, config_text: str = STATUS_YML
) -> Core:
    """The service wired as the app does, on `engine`."""
    clock = clock or Clock()
    config = load_statuspage_config(str(write_config(folder, config_text)))
    return Core(StatusPageService(engine, Outbox(engine, clock), config, clock), clock, engine)


def add_incident(
    engine: Engine, *, title: str = "Checkout errors", private: bool = False, number: int = 1
) -> int:
    """An internal incident (what Slack would declare); its id."""
    with Session(engine) as session:
        incident = Incident(
            number=number,
            title=title,
            summary="internal only: the db primary is on fire",
            severity=Severity.SEV1,
            status=Status.INVESTIGATING,
            services=["checkout"],
            private=private,
            declared_by="U0ALICE",
            declared_at=NOW,
        )
        session.add(incident)
        session.commit()
        assert incident.id is not None
        return incident.id


def effects(engine: Engine, kind: str = "statuspage.published") -> list[tuple[str, dict[str, Any]]]:
    """(key, payload) of every effect of `kind`, oldest first."""
    with Session(engine) as session:
        rows = session.exec(select(Effect).where(Effect.kind == kind).order_by(col(Effect.id)))
        return [(row.key, dict(row.payload)) for row in rows]


def history(engine: Engine, component: str) -> list[tuple[datetime | None, str]]:
    """(at, status) of every state a component entered, oldest first."""
    with Session(engine) as session:
        query = select(ComponentState).where(ComponentState.component == component)
        rows = session.exec(query.order_by(col(ComponentState.id)))
        return [(row.at, row.status) for row in rows]
