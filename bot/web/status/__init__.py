"""The public status page: server-rendered HTML that works without JavaScript, its Atom feed
and its Statuspage-shaped JSON."""

from bot.web.status.routes import build_status_router

__all__ = ["build_status_router"]
