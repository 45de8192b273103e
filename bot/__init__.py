"""Warroom: a self-hosted, Slack-first incident bot."""

__version__ = "0.1.0"
