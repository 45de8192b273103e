"""Incidents: the lifecycle, the timeline, reminders and the postmortem."""
