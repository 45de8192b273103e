"""Pure rules of stakeholder communication: what an update says, found in plain text."""
