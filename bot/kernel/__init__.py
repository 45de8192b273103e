"""What every feature stands on: transactions, the clock, errors, the inbox and the outbox."""
