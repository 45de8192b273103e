"""Pure status page rules: states from incidents, uptime from state history, the summary."""
