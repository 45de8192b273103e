"""Documents rendered from incident data: the post-mortem."""

from bot.reports.postmortem import (
    PostmortemRenderer,
    TemplateProblem,
    load_postmortem_renderer,
)

__all__ = ["PostmortemRenderer", "TemplateProblem", "load_postmortem_renderer"]
