"""Clients of outside vendors' APIs, each behind the ports of the feature that uses it."""
