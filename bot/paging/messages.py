"""What a page says outside Slack, as plain text: an SMS, a call, a mail, a test's result."""

from bot.paging.definitions import Method
from bot.paging.ports import Mail, PageView
from storage.models import Incident, Notification

SMS_LIMIT = 1600


def headline(incident: Incident) -> str:
    """`INC-7 (SEV2): Checkout errors`."""
    return f"INC-{incident.number} ({incident.severity.upper()}): {_one_line(incident.title)}"


def sms_text(view: PageView) -> str:
    """The page by SMS, with the reply that acknowledges it."""
    incident = view.snapshot.incident
    lines = [f"Warroom page {view.escalation_id}, level {view.level}: {headline(incident)}"]
    if view.message:
        lines.append(_one_line(view.message))
    lines.append(f"Reply 'ack {view.escalation_id}' to acknowledge.")
    text = "\n".join(lines)
    return text if len(text) <= SMS_LIMIT else text[: SMS_LIMIT - 1] + "…"


def voice_text(view: PageView) -> str:
    """The page read out on a call, with the key that acknowledges it."""
    incident = view.snapshot.incident
    severity = incident.severity.upper().replace("SEV", "severity ")
    said = f"Warroom page. Incident {incident.number}, {severity}: {_one_line(incident.title)}."
    if view.message:
        said += f" {_one_line(view.message)}."
    return said + " Press 1 to acknowledge."


def mail_of(notification: Notification, view: PageView | None) -> Mail:
    """The page (or a test) by e-mail, with a Message-ID stable across retries."""
    message_id = f"<notification-{notification.id}@warroom>"
    if view is None:
        text = test_text(Method.EMAIL, notification.id)
        return Mail(notification.address, "Warroom test page", text, message_id)
    incident = view.snapshot.incident
    lines = [
        f"You are paged for {headline(incident)}.",
        f"Page {view.escalation_id}, level {view.level}, {view.reason}.",
    ]
    if view.message:
        lines.append(f"Message: {view.message}")
    lines += [
        "",
        f"Acknowledge with the Acknowledge button in Slack, `/incident ack` in the incident's"
        f" channel, or by replying 'ack {view.escalation_id}' to the SMS.",
    ]
    subject = f"[Warroom] Paged: {headline(incident)}"
    headers = {"X-Warroom-Page": str(view.escalation_id), "Auto-Submitted": "auto-generated"}
    return Mail(notification.address, subject[:200], "\n".join(lines), message_id, None, headers)


def test_text(method: Method, notification_id: int | None) -> str:
    """A test notification: how a page reaches you this way; nothing to do."""
    what = {Method.SLACK: "a Slack DM", Method.SMS: "an SMS", Method.VOICE: "a call"}
    way = what.get(method, "an e-mail")
    ref = f" (test {notification_id})" if notification_id else ""
    return f"Warroom test page{ref}: this is how a page reaches you by {way}. Nothing to do."


def result_text(notification: Notification) -> str:
    """One test notification's result, for the person who asked."""
    where = f" to {notification.address}" if notification.address else ""
    if notification.state == "sent":
        ref = f" ({notification.provider_id})" if notification.provider_id else ""
        return f"Test {notification.method}{where}: sent{ref}."
    return f"Test {notification.method}{where}: failed: {notification.detail}."


def _one_line(text: str) -> str:
    return " ".join(text.split())
