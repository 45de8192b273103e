"""Insights rules: pure functions from stored rows and a period to figures."""
