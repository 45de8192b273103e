"""The post-mortem as Markdown: a Jinja2 template, checked once at start-up, rendered on demand."""

import re
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)

from bot.incidents.rules.postmortem import PostmortemContext, build_postmortem_context
from bot.kernel.bundled import POSTMORTEM_TEMPLATE, BundledFileMissing, bundled_path
from storage.enums import EventKind, Role, Severity, Status
from storage.models import ActionItem, Incident, IncidentRole, StatusUpdate, TimelineEvent

# Characters that can open inline Markdown (CommonMark and GitHub's extensions: tables,
# strikethrough, math) anywhere in a line. Escaping them with a backslash shows them as is.
_INLINE_ESCAPES = str.maketrans({char: "\\" + char for char in "\\`*_[]<>|~$"})
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
# What only means something at the start of a line: headings, list items, setext underlines,
# thematic breaks, ordered list items.
_LINE_START = re.compile(r"^(?:([#+=-])|([0-9]{1,9})([.)]))")
_STARTERS = frozenset("#+=-0123456789")
# A run of `#` ending a heading line is its optional closing sequence, and would vanish.
_CLOSING_HASHES = re.compile(r"(^|\s)(#+)$")
_URL_SAFE = ":/?#[]@!$&'*+,;=%~-._"


class TemplateProblem(Exception):
    """The post-mortem template cannot be used; the message is one line naming the file."""


def default_template() -> Path:
    """The template Warroom ships with (templates/postmortem.md.j2), wherever it is installed."""
    try:
        return bundled_path(POSTMORTEM_TEMPLATE)
    except BundledFileMissing as missing:
        raise TemplateProblem(f"postmortem template: {missing}") from None


def md(text: object) -> str:
    """Plain text shown literally on one line of Markdown (a bullet, a table cell, a heading)."""
    return "" if text is None else _escape_line(str(text))


def md_block(text: object) -> str:
    """Plain text shown literally as paragraphs, keeping the writer's line breaks."""
    if text is None:
        return ""
    paragraphs: list[list[str]] = [[]]
    for line in str(text).splitlines():
        escaped = _escape_line(line)
        if escaped:
            paragraphs[-1].append(escaped)
        elif paragraphs[-1]:
            paragraphs.append([])
    # A backslash at the end of a line is CommonMark's hard line break.
    return "\n\n".join("\\\n".join(lines) for lines in paragraphs if lines)


def md_url(url: object) -> str:
    """A web address made safe to sit between the parentheses of a Markdown link."""
    return quote(str(url or "").strip(), safe=_URL_SAFE)


def _escape_line(text: str) -> str:
    """Whitespace runs (newlines included) become one space; then Markdown is neutralised."""
    line = " ".join(text.split()).translate(_INLINE_ESCAPES)
    if not line:
        return line
    if "&" in line:
        line = _ENTITY.sub(r"\\&", line)
    if line[-1] == "#":
        line = _CLOSING_HASHES.sub(r"\1\\\2", line)
    if line[0] in _STARTERS:
        line = _LINE_START.sub(_neutralise_start, line)
    return line


def _neutralise_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


class PostmortemRenderer:
    """A post-mortem template, loaded and compiled; renders a context to Markdown."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_template()
        self._template = _load(self.path)

    def render(self, context: PostmortemContext) -> str:
        """The document as Markdown; the same context always gives the same text."""
        try:
            return self._template.render(_variables(context))
        except Exception as error:  # a custom template can fail in any way; say where
            raise TemplateProblem(_describe(self.path, error, "rendering failed")) from None

    def check(self) -> None:
        """Render sample incidents (one full, one empty) so a broken template fails now."""
        for context in sample_contexts():
            try:
                self._template.render(_variables(context))
            except Exception as error:
                raise TemplateProblem(
                    _describe(self.path, error, "rendering a sample incident failed")
                ) from None


def _variables(context: PostmortemContext) -> dict[str, object]:
    """The context's fields as the template's top-level names."""
    return {field.name: getattr(context, field.name) for field in fields(context)}


def load_postmortem_renderer(path: str | None) -> PostmortemRenderer:
    """The renderer for `path` (None or blank: the built-in one), checked by sample renders."""
    chosen = path if path and path.strip() else None
    renderer = PostmortemRenderer(chosen)
    renderer.check()
    return renderer


def build_environment(folder: Path) -> Environment:
    """The Jinja2 environment post-mortem templates run in: strict, unescaped, with `md` filters."""
    environment = Environment(
        loader=FileSystemLoader(folder),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(md=md, md_block=md_block, md_url=md_url)
    return environment


def _load(path: Path) -> Template:
    where = f"postmortem template {path}"
    try:
        path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateProblem(f"{where}: no such file") from None
    except IsADirectoryError:
        raise TemplateProblem(f"{where}: is a folder, not a file") from None
    except UnicodeDecodeError:
        raise TemplateProblem(f"{where}: is not UTF-8 text") from None
    except OSError as error:
        raise TemplateProblem(f"{where}: cannot be read ({error.strerror})") from None
    try:
        # Absolute, so that includes resolve the same whatever the working folder becomes.
        return build_environment(path.parent.resolve()).get_template(path.name)
    except TemplateSyntaxError as error:
        named = error.filename and Path(error.filename).resolve() != path.resolve()
        shown = error.filename if named else str(path)  # an included file, or this one as given
        raise TemplateProblem(
            f"postmortem template {shown}:{error.lineno}: syntax error: {_one_line(error.message)}"
        ) from None
    except TemplateNotFound as error:
        raise TemplateProblem(f"{where}: includes {error.name}, which does not exist") from None
    except (TemplateError, OSError) as error:
        raise TemplateProblem(f"{where}: {_one_line(str(error))}") from None


def _describe(path: Path, error: BaseException, what: str) -> str:
    line = _template_line(error.__traceback__, path)
    where = f"postmortem template {path}" + (f":{line}" if line else "")
    detail = _one_line(str(error)) or type(error).__name__
    if not isinstance(error, TemplateError):
        detail = f"{type(error).__name__}: {detail}"
    return f"{where}: {what}: {detail}"


def _template_line(trace: TracebackType | None, path: Path) -> int | None:
    """The template line an error was raised at (Jinja rewrites tracebacks to template lines)."""
    line = None
    target = str(path.resolve())
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename and Path(filename).resolve() == Path(target):
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def sample_contexts() -> tuple[PostmortemContext, PostmortemContext]:
    """Two made-up incidents, one with every field filled and one with none, for checks."""
    start = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
    full = Incident(
        id=1,
        number=1,
        title="Sample: checkout returning 502s",
        summary="A sample summary.",
        severity=Severity.SEV2,
        status=Status.CLOSED,
        services=["checkout-api"],
        private=True,
        declared_by="U1",
        detected_at=start,
        declared_at=start + timedelta(minutes=3),
        acknowledged_at=start + timedelta(minutes=5),
        acknowledged_by="U2",
        identified_at=start + timedelta(minutes=20),
        mitigated_at=start + timedelta(minutes=40),
        resolved_at=start + timedelta(hours=1),
        closed_at=start + timedelta(hours=2),
        resolution="Rolled back.",
        impact="Checkout failed for some.",
        root_cause="A bad deploy.",
        users_affected=10,
        estimated_cost="$100",
        ack_breached_at=start + timedelta(minutes=4),
        review_due_at=start + timedelta(days=7),
    )
    roles = [IncidentRole(incident_id=1, role=Role.COMMANDER, user_id="U1", assigned_at=start)]
    events = [
        TimelineEvent(incident_id=1, kind=kind, text="sample", actor="U1", occurred_at=start)
        for kind in EventKind
    ]
    events[0].permalink = "https://example.slack.com/archives/C1/p1"
    updates = [
        StatusUpdate(
            incident_id=1,
            text="sample update",
            author="U1",
            posted_at=start,
            status=Status.INVESTIGATING,
            severity=Severity.SEV2,
        )
    ]
    items = [
        ActionItem(
            incident_id=1, text="sample", owner="U1", due_on=date(2026, 3, 15), created_by="U1"
        ),
        ActionItem(incident_id=1, text="sample", created_by="U1", done_at=start),
    ]
    empty = Incident(
        number=2,
        title="Sample",
        severity=Severity.SEV4,
        status=Status.TRIAGE,
        declared_by="U1",
    )
    return (
        build_postmortem_context(
            full, roles, events, updates, items, room="inc-1-sample", people={"U1": "sample"}
        ),
        build_postmortem_context(empty, [], [], [], []),
    )
