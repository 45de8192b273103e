"""Helpers for driving the real app through the sandbox."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.app import Warroom
from bot.incidents.reminders import TickReport
from bot.sandbox import ServerHandle
from bot.sandbox.driver import SlackDriver
from bot.settings import Settings
from bot.slack.places import ShownIncident, read_shown
from storage.models import (
    Alert,
    AlertGroup,
    Incident,
    IncidentRole,
    Notification,
    SideEffectFailure,
    TimelineEvent,
    WebhookDelivery,
)

SECRET = "sandbox-signing-secret"
WEBHOOK_TOKEN = "test-webhook-token-0123456789"
MANIFEST = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())


class ShiftableClock:
    """Real time plus an offset tests can move forward: reminders come due on demand."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        """Move time forward, e.g. `advance(minutes=31)`."""
        self.offset += timedelta(**delta)


@dataclass
class Harness:
    """The app, the sandbox and a driver playing the people."""

    driver: SlackDriver
    warroom: Warroom
    handle: ServerHandle
    clock: ShiftableClock

    def webhook(
        self,
        source: str,
        body: Any = None,
        *,
        token: str | None = WEBHOOK_TOKEN,
        content: bytes | None = None,
        query_token: bool = False,
    ) -> httpx.Response:
        """POST a webhook to the app over HTTP, as a monitoring tool would."""
        headers = {"content-type": "application/json"}
        params = {}
        if token is not None and query_token:
            params["token"] = token
        elif token is not None:
            headers["authorization"] = f"Bearer {token}"
        url = f"{self.handle.url}/webhooks/{source}"
        if content is None:
            return httpx.post(url, json=body, headers=headers, params=params, timeout=30)
        return httpx.post(url, content=content, headers=headers, params=params, timeout=30)

    def settle(self) -> None:
        """Wait until every stored request is carried out and every due effect is done."""
        self.handle.run(self.warroom.settle())

    def rows(self, table: type[Any]) -> list[Any]:
        """Every row of a table, by id."""
        with Session(self.engine) as session:
            return list(session.exec(select(table).order_by(col(table.id))))

    def alerts(self) -> list[Alert]:
        """Stored alerts."""
        return self.rows(Alert)

    def groups(self) -> list[AlertGroup]:
        """Stored alert groups."""
        return self.rows(AlertGroup)

    def pages(self) -> list[Notification]:
        """Stored pages by Slack (one notification per person paged)."""
        return [n for n in self.rows(Notification) if n.method == "slack"]

    def deliveries(self) -> list[WebhookDelivery]:
        """Stored webhook bodies."""
        return self.rows(WebhookDelivery)

    def tick(self) -> TickReport:
        """Run one scheduler tick on the app's event loop, and carry out what it claimed."""
        report = self.handle.run(self.warroom.reminders.tick())
        self.settle()
        return report

    @property
    def engine(self) -> Engine:
        """The app's database engine."""
        return self.warroom.engine

    def incidents(self) -> list[ShownIncident]:
        """Every stored incident, by number, with where Slack shows it."""
        with Session(self.engine) as session:
            rows = session.exec(select(Incident).order_by(col(Incident.number)))
            return [read_shown(session, incident) for incident in rows]

    def incident(self, number: int = 1) -> ShownIncident:
        """One stored incident, read fresh, with where Slack shows it."""
        with Session(self.engine) as session:
            found = session.exec(select(Incident).where(Incident.number == number)).one()
            return read_shown(session, found)

    def timeline(self, number: int = 1) -> list[TimelineEvent]:
        """The incident's timeline, in order."""
        incident_id = self.incident(number).id
        with Session(self.engine) as session:
            query = (
                select(TimelineEvent)
                .where(TimelineEvent.incident_id == incident_id)
                .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
            )
            return list(session.exec(query))

    def roles(self, number: int = 1) -> list[tuple[str, str]]:
        """(role, user) pairs held in the incident."""
        incident_id = self.incident(number).id
        with Session(self.engine) as session:
            rows = session.exec(select(IncidentRole).where(IncidentRole.incident_id == incident_id))
            return sorted((r.role.value, r.user_id) for r in rows)

    def failures(self) -> list[SideEffectFailure]:
        """Slack steps recorded as failed."""
        with Session(self.engine) as session:
            return list(session.exec(select(SideEffectFailure)))

    def declare(self, text: str, *, user: str = "alice", channel: str = "general") -> ShownIncident:
        """Declare by slash command and wait until the status block is pinned and everything
        the declaration set off (the digest post, the confirmation) is done."""
        before = len(self.incidents())
        response = self.driver.slash(user, channel, f"declare {text}")
        assert response.status_code == 200, response.text
        self.driver.wait_for(
            lambda: len(self.incidents()) > before and self.incidents()[-1].status_pinned,
            description="the incident to be declared and pinned",
        )
        self.settle()
        return self.incidents()[-1]

    def status_message(self, number: int = 1) -> dict[str, Any]:
        """The pinned status message as the sandbox stores it."""
        incident = self.incident(number)
        assert incident.channel_id and incident.status_ts
        found: dict[str, Any] = self.driver.message(incident.channel_id, incident.status_ts)
        return dict(found["message"])

    def ephemeral_texts(self, user: str = "alice") -> list[str]:
        """Every ephemeral text a user was shown, oldest first."""
        return [e.get("text") or "" for e in self.driver.ephemerals(user)]

    def wait_for_ephemeral(self, fragment: str, user: str = "alice") -> str:
        """Wait until the user was shown an ephemeral message containing `fragment`."""
        found = self.driver.wait_for(
            lambda: [t for t in self.ephemeral_texts(user) if fragment in t],
            description=f"an ephemeral message with {fragment!r}",
        )
        return str(found[-1])


def build_test_settings(database_url: str, api_url: str, **overrides: Any) -> Settings:
    """Settings for a test app pointed at the sandbox, ignoring any local `.env`."""
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-sandbox-token",
        "slack_signing_secret": SECRET,
        "slack_api_url": api_url,
        "database_url": database_url,
        "warroom_tick_interval": "1d",  # tests tick by hand
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
