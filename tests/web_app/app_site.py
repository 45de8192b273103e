"""`/app` served over real HTTP (uvicorn on a free port) by a small FastAPI app holding only the
app router, on the test's database, and a browser-like HTTP client that reaches it.

The app believes it lives at `PUBLIC_URL` (what the provider redirects people back to); the
client maps that address to the server's real one, as DNS would, so one provider seeded with
one redirect URI serves every test."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.oncall.service import OncallService
from bot.sandbox import SandboxServer, ServerHandle, serve_in_thread
from bot.sandbox.oidc import CLIENT_ID, CLIENT_SECRET
from bot.settings import Settings
from bot.web.app.config import AppConfig
from bot.web.app.incident_reads import IncidentReads
from bot.web.app.routes import build_app_router
from bot.web.app.shell import AppSection
from storage.enums import EventKind, Role, Severity, Status
from storage.models import ActionItem, Incident, IncidentRole, Postmortem, TimelineEvent

PUBLIC_URL = "http://warroom.test"
REDIRECT_URI = f"{PUBLIC_URL}/app/auth/callback"
SECRET = "test-app-secret-0123456789abcdefghijklmnop"
NAMES = {"U0ALICE": "Alice Admin", "U0BOB": "Bob Builder"}


class ToServer(httpx.BaseTransport):
    """Sends requests for `PUBLIC_URL` to the server's real address (what DNS would do)."""

    def __init__(self, real_url: str) -> None:
        self.real = httpx.URL(real_url)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward to the real host and port; the Host header stays the public one."""
        # A copy: the client reads cookies off the original request's (public) address.
        forwarded = httpx.Request(
            request.method,
            request.url.copy_with(
                scheme=self.real.scheme, host=self.real.host, port=self.real.port
            ),
            headers=request.headers,
            content=request.read(),
        )
        return self.inner.handle_request(forwarded)

    def close(self) -> None:
        """Close the connections."""
        self.inner.close()


def browser(real_url: str) -> httpx.Client:
    """A client that asks for HTML like a browser and keeps cookies."""
    return httpx.Client(
        mounts={PUBLIC_URL: ToServer(real_url)},
        headers={"accept": "text/html,application/xhtml+xml"},
        timeout=30,
    )


async def display_names(ids: list[str]) -> dict[str, str]:
    """The people directory of these tests."""
    return {i: NAMES[i] for i in ids if i in NAMES}


def slack_signin_settings(database_url: str, sandbox: SandboxServer, **more: Any) -> Settings:
    """Settings of the whole app (as `warroom run` builds it) whose `/app` signs in with the
    sandbox's Slack; `more` adds or overrides (the allow-list is the caller's)."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token="xoxb-sandbox-token",
        slack_signing_secret="sandbox-signing-secret",
        slack_api_url=sandbox.api_url,
        database_url=database_url,
        warroom_public_url=PUBLIC_URL,
        warroom_oidc_issuer=sandbox.url,
        warroom_oidc_client_id=CLIENT_ID,
        warroom_oidc_client_secret=CLIENT_SECRET,
        **more,
    )


def app_config(
    issuer: str | None, client_id: str | None, client_secret: str | None, **more: Any
) -> AppConfig:
    """`/app`'s settings for a provider, allowing example.com by default."""
    return AppConfig(
        public_url=PUBLIC_URL,
        secret=SECRET,
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        allowed_domains=more.pop("allowed_domains", ("example.com",)),
        **more,
    )


@dataclass
class AppSite:
    """The served app: its real address, and a fresh browser for it."""

    url: str
    handle: ServerHandle

    def browser(self) -> httpx.Client:
        """A new browser (no cookies)."""
        return browser(self.url)


@contextmanager
def serve_app(
    engine: Engine,
    config: AppConfig,
    *,
    oncall: OncallService | None = None,
    sections: Sequence[AppSection] = (),
) -> Iterator[AppSite]:
    """The app router alone in a FastAPI app, on a real server."""
    api = FastAPI()
    api.include_router(
        build_app_router(
            config,
            incidents=IncidentReads(engine, names=display_names),
            oncall=oncall,
            names=display_names,
            sections=sections,
        )
    )
    handle = serve_in_thread(api)
    try:
        yield AppSite(handle.url, handle)
    finally:
        handle.stop()


def add_incident(engine: Engine, number: int, title: str, **fields: Any) -> int:
    """An incident as Slack would have declared it (declared `number` hours ago); its id."""
    declared = fields.pop("declared_at", datetime.now(UTC) - timedelta(hours=number))
    with Session(engine) as session:
        incident = Incident(
            number=number,
            title=title,
            severity=fields.pop("severity", Severity.SEV2),
            status=fields.pop("status", Status.INVESTIGATING),
            services=fields.pop("services", ["checkout"]),
            declared_by="U0ALICE",
            declared_at=declared,
            detected_at=declared - timedelta(minutes=5),
            **fields,
        )
        session.add(incident)
        session.commit()
        assert incident.id is not None
        return incident.id


def add_history(engine: Engine, incident_id: int, markdown: str) -> None:
    """A commander, a timeline, an action item and a postmortem for an incident."""
    at = datetime.now(UTC) - timedelta(hours=1)
    with Session(engine) as session:
        session.add(IncidentRole(incident_id=incident_id, role=Role.COMMANDER, user_id="U0BOB"))
        session.add_all(
            [
                TimelineEvent(
                    incident_id=incident_id,
                    kind=EventKind.NOTE,
                    text="Rolled back the deploy, asked @U0BOB to watch",
                    mentions=["U0BOB"],
                    actor="U0ALICE",
                    occurred_at=at,
                ),
                TimelineEvent(
                    incident_id=incident_id,
                    kind=EventKind.STATUS_CHANGED,
                    text="Status: mitigated",
                    actor="U0BOB",
                    occurred_at=at + timedelta(minutes=10),
                ),
            ]
        )
        session.add(
            ActionItem(
                incident_id=incident_id, text="Add a canary", owner="U0BOB", created_by="U0ALICE"
            )
        )
        session.add(Postmortem(incident_id=incident_id, markdown=markdown, rendered_at=at))
        session.commit()
