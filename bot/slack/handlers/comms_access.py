"""Where Slack handlers find stakeholder updates and the status page, and the lines they
answer with."""

from bot.comms.public import PublicUpdates
from bot.comms.service import CommsService, CustomerImpact, Shared
from bot.kernel.errors import DomainError
from bot.slack.deps import SlackDeps
from bot.slack.mrkdwn import escape_mrkdwn

NO_STAKEHOLDERS = "Stakeholder updates are not set up here."
NO_STATUS_PAGE = "The status page is not set up here."


def require_comms(deps: SlackDeps) -> CommsService:
    """The stakeholder service, or the reason there is none."""
    comms = getattr(deps, "comms", None)
    if not isinstance(comms, CommsService):
        raise DomainError(NO_STAKEHOLDERS)
    return comms


def require_status_page(deps: SlackDeps) -> PublicUpdates:
    """The status page, as incidents publish to it, or the reason there is none."""
    public = getattr(deps, "status_page", None)
    if not isinstance(public, PublicUpdates):
        raise DomainError(NO_STATUS_PAGE)
    return public


def shared_text(shared: Shared) -> str:
    """`Shared with executives, customer-success (2 channels, 3 e-mails).`"""
    ways = []
    if shared.posts:
        ways.append(f"{shared.posts} channel{'s' if shared.posts != 1 else ''}")
    if shared.mails:
        ways.append(f"{shared.mails} e-mail{'s' if shared.mails != 1 else ''}")
    names = escape_mrkdwn(", ".join(shared.audiences))
    return f":mega: Shared with {names} ({', '.join(ways) or 'nowhere to send it'})."


def impact_text(result: CustomerImpact, affected: bool) -> str:
    """What recording customer impact did, in a line."""
    if not result.changed:
        return "Already recorded: customers " + (
            "are affected." if affected else "are not affected."
        )
    if not affected:
        return ":memo: Recorded: customers are no longer affected."
    told = f" Told {escape_mrkdwn(', '.join(result.told))}." if result.told else ""
    return f":rotating_light: Recorded: customers are affected.{told}"
