"""The signed-in web app (`/app`) wired: its settings read, the incident and on-call pages, and
the sections other features add (the insights dashboard)."""

from collections.abc import Sequence

from fastapi import APIRouter

from bot.oncall.service import OncallService
from bot.people.service import PeopleService
from bot.settings import Settings
from bot.web.app.config import AppConfig
from bot.web.app.incident_reads import IncidentReads
from bot.web.app.routes import build_app_router
from bot.web.app.session import session_secret
from bot.web.app.shell import AppSection
from bot.wiring.kernel import Kernel


def app_config(settings: Settings) -> AppConfig:
    """`/app`'s settings: the provider, who may sign in, the cookie key, the zone."""
    return AppConfig(
        public_url=settings.warroom_public_url,
        secret=session_secret(settings.warroom_app_secret, settings.slack_signing_secret),
        issuer=settings.warroom_oidc_issuer,
        client_id=settings.warroom_oidc_client_id,
        client_secret=settings.warroom_oidc_client_secret,
        allowed_domains=settings.app_allowed_domains,
        allowed_workspace=settings.warroom_app_allowed_workspace,
        timezone=settings.warroom_timezone,
    )


def wire_web_app(
    kernel: Kernel,
    oncall: OncallService,
    people: PeopleService,
    sections: Sequence[AppSection] = (),
) -> APIRouter:
    """The router serving `/app` (off, with a page saying why, until sign-in is configured)."""
    return build_app_router(
        app_config(kernel.settings),
        incidents=IncidentReads(kernel.engine, names=people.display_names),
        oncall=oncall,
        names=people.display_names,
        sections=sections,
    )
