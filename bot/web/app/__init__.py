"""The signed-in web app under `/app`: OpenID Connect sign-in, a signed session cookie, CSRF
protection, the incident and on-call pages, and the sections other modules add.

The shell's API, for a module adding a section (see `bot.web.app.shell` for an example):

- `Viewer`, `SignedIn`, `require_viewer`: the signed-in person, `viewer: SignedIn` in a route
  (`SignedIn` is `Annotated[Viewer, Depends(require_viewer)]`).
- `render_page(request, "app/<page>.html.j2", context)`: a page in the common frame; the
  template extends "app/base.html.j2" and fills `title` and `content` (and may add CSS to
  `head`). POST forms carry `{{ csrf_field() }}`; `read_form(request)` gives their fields.
- `AppSection(router, title, path)` handed to `build_app_router(config, ..., sections=[...])`
  (`bot.web.app.routes`), which the wiring (`bot.wiring.web_app`) adds to `warroom run`.
"""

from bot.web.app.config import AppConfig
from bot.web.app.csrf import read_form
from bot.web.app.session import Viewer
from bot.web.app.shell import (
    AppSection,
    SignedIn,
    render_message,
    render_page,
    require_viewer,
)

__all__ = [
    "AppConfig",
    "AppSection",
    "SignedIn",
    "Viewer",
    "read_form",
    "render_message",
    "render_page",
    "require_viewer",
]
