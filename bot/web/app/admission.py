"""Who may sign in to `/app`: a verified e-mail address in an allowed domain, or (signing in
with Slack) membership of the allowed Slack workspace. Pure: claims in, a decision out."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SLACK_TEAM_CLAIM = "https://slack.com/team_id"


@dataclass(frozen=True)
class Admission:
    """Whether the person may come in, and if not, the sentence telling them why."""

    allowed: bool
    reason: str = ""


def is_verified(claims: Mapping[str, Any]) -> bool:
    """Whether the provider vouches for the address: `email_verified` true (Google, Okta,
    Slack), or Microsoft Entra's optional `xms_edov` claim (its ID tokens carry no
    `email_verified`)."""
    for name in ("email_verified", "xms_edov"):
        value = claims.get(name)
        if value is True or (isinstance(value, str) and value.lower() == "true"):
            return True
    return False


def admit(claims: Mapping[str, Any], *, domains: Sequence[str], workspace: str | None) -> Admission:
    """Admit whoever passes either allow-list; otherwise say which check failed. The lists
    themselves are never shown to the person refused."""
    reasons: list[str] = []
    if domains:
        email = str(claims.get("email") or "").strip().lower()
        domain = email.rpartition("@")[2] if "@" in email else ""
        if not email:
            reasons.append("your provider did not share an e-mail address")
        elif not is_verified(claims):
            reasons.append(f"your provider has not verified the address {email}")
        elif domain not in {d.lower() for d in domains}:
            reasons.append(f"accounts of {domain} may not sign in here")
        else:
            return Admission(True)
    if workspace:
        team = claims.get(SLACK_TEAM_CLAIM)
        if team == workspace:
            return Admission(True)
        reasons.append(
            "you did not sign in with this Slack workspace"
            if team
            else "you did not sign in with Slack's workspace sign-in"
        )
    if not reasons:
        return Admission(False, "nobody may sign in: no e-mail domain or workspace is allowed")
    sentence = "; ".join(reasons)
    return Admission(False, sentence[0].upper() + sentence[1:] + ".")
