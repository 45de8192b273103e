"""What an operator sees of a running Warroom: one log format for every library, request ids,
Prometheus metrics and the database reads behind them. No feature imports this package: the
composition root, the Slack and web adapters and the scheduler report to it."""
