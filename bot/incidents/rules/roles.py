"""Who leads and who holds which role: the rules, as tables and small pure functions."""

from storage.enums import Role

# Commander, comms lead and scribe have one holder each; responders are many.
SINGLE_HOLDER = frozenset({Role.COMMANDER, Role.COMMS, Role.SCRIBE})

# How a role reads in a sentence ("@U… is now incident commander").
ROLE_NAMES: dict[Role, str] = {
    Role.COMMANDER: "incident commander",
    Role.COMMS: "comms lead",
    Role.SCRIBE: "scribe",
    Role.RESPONDER: "a responder",
}

# How a role reads as a label (the postmortem's list of people).
ROLE_LABELS: dict[Role, str] = {
    Role.COMMANDER: "Incident commander",
    Role.COMMS: "Comms lead",
    Role.SCRIBE: "Scribe",
    Role.RESPONDER: "Responder",
}

# How a role's holders are headed on a status block, where room is short.
FIELD_LABELS: dict[Role, str] = {
    Role.COMMANDER: "Commander",
    Role.COMMS: "Comms lead",
    Role.SCRIBE: "Scribe",
    Role.RESPONDER: "Responders",
}


def first_commander(declared_by: str, commander: str | None, *, leaderless: bool) -> str | None:
    """Who leads a newly declared incident: the one named, else the declarer; nobody for an
    incident a tool declared without anyone to lead it (it asks "who is leading?")."""
    if leaderless:
        return None
    return commander or declared_by


def replaced_by(role: Role, holders: list[tuple[Role, str]], target: str) -> list[str]:
    """Who loses `role` when `target` gets it: the old holder of a single-holder role."""
    if role not in SINGLE_HOLDER:
        return []
    return [user for held, user in holders if held == role and user != target]
