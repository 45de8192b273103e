"""What stored Slack requests do, carried out by the inbox after the acknowledgement: one
small named handler per thing a person can ask, in one module per feature."""
