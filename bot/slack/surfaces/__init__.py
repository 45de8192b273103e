"""Slack surfaces: where the database is shown in Slack, each kept equal to a render of it."""
