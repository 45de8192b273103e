"""On-call: schedules, rotations, overrides, handoffs and calendars."""
