"""Paging: escalation policies that climb until somebody acknowledges, and the notifications
(Slack, SMS, voice, e-mail) that reach each person by their own rules."""
