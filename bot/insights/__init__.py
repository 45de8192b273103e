"""Insights: incident analytics from the timestamps Warroom stores, the monthly report."""
