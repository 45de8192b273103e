"""The postmortem: drafted on close from the timeline, rendered by a Jinja2 template."""
