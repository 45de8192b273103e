"""Slack command syntax: `/incident …` text parsed into typed commands."""
