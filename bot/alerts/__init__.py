"""Alert adapters: payloads from monitoring tools become neutral alert values."""

from bot.alerts.slack_messages import parse_alert_message

__all__ = ["parse_alert_message"]
