"""Stakeholder communication: audiences that hear of incidents by severity and impact, and
the updates sent to them."""
