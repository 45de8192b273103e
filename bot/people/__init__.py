"""The people directory: names, e-mail addresses and time zones of the workspace's people,
kept in the database so every surface (the postmortem, the CLI, later the web pages and mail)
shows the same names without asking Slack each time."""
