"""Alerts: monitoring payloads become neutral signals, grouped, routed and turned into incidents."""
