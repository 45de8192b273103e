"""Pure incident rules: the lifecycle table, the update cadence, the postmortem content."""
