"""The `/incident help` message."""

from bot.slack.blocks.limits import fit_mrkdwn
from bot.slack.blocks.parts import Block, context, section
from bot.slack.mrkdwn import escape_mrkdwn

MAX_UNKNOWN = 60

# (usage, what it does); both are plain text and escaped when rendered.
COMMANDS: tuple[tuple[str, str], ...] = (
    (
        "declare [sev1|sev2|sev3|sev4] <title>",
        "Declare an incident (`declare` alone opens a form; add `--drill` for a drill or test)",
    ),
    ("update <text>", "Post a status update (alone, opens a form)"),
    ("severity <sev1-4>", "Change the severity"),
    ("status <triage|investigating|identified|mitigated|resolved|closed>", "Move the status"),
    ("commander @user", "Hand over incident command"),
    ("role <comms|scribe|responder> @user", "Give someone a role"),
    ("note <text>", "Add a note to the timeline"),
    ("resolve [summary]", "Resolve at once with a summary (alone, opens a form)"),
    ("close", "Close a resolved incident and draft its postmortem"),
    (
        "impact <text> | impact users <N> | impact cost <amount> | impact customers yes|no",
        "Record the impact (customers affected tells customer success at once)",
    ),
    ("rootcause <text>", "Record the root cause for the postmortem"),
    ("action <text> [@owner] [due YYYY-MM-DD]", "Add an action item (alone, opens a form)"),
    ("actions", "List open action items across incidents, yours first"),
    ("reviewed", "Record that the postmortem review happened"),
    (
        "page @user|@group|schedule:<name>[/<layer>]|#channel|<policy> [message]",
        "Page more people, each with their own acknowledgement; they join when they acknowledge",
    ),
    ("ack", "Acknowledge every page of this incident still climbing, and the incident"),
    ("stakeholders <message>", "Send a stakeholder update to the audiences this incident reaches"),
    (
        "statuspage [investigating|identified|monitoring|resolved <message>]",
        "Publish on the status page (alone, opens a form)",
    ),
    (
        "timestamps",
        "Correct the impact start, identified, mitigated and resolved times (opens a form)",
    ),
    ("drill on|off", "Mark this incident as a drill or test: insights leave it out"),
    (
        "stats [7d|30d|90d|quarter|year]",
        "Post the headline numbers and a chart here, with the trend against the period before",
    ),
    ("list", "List open incidents"),
    ("help", "Show this help"),
)


def build_help_blocks(unknown: str = "") -> list[Block]:
    """Help listing every `/incident` subcommand; `unknown` is a subcommand we did not know."""
    blocks: list[Block] = []
    if unknown.strip():
        word = fit_mrkdwn(" ".join(unknown.split()), MAX_UNKNOWN).replace("`", "'")
        blocks.append(section(f"I don't know `/incident {word}`."))
    lines = [
        f"`/incident {escape_mrkdwn(usage)}` — {escape_mrkdwn(what)}" for usage, what in COMMANDS
    ]
    blocks.append(section("*Incident commands*\n" + "\n".join(lines)))
    blocks.append(
        context(
            "Everything except `declare`, `list`, `actions`, `stats` and `help` works inside "
            "an incident channel."
        )
    )
    return blocks
