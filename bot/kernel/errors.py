"""Domain errors: each carries a message fit to show the user as it is."""

from collections.abc import Sequence


class DomainError(Exception):
    """A rule said no; `message` is what the user should read: plain text, people in it as
    `@<id>` and listed in `mentions`."""

    def __init__(
        self, message: str, *, field: str | None = None, mentions: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.mentions = list(mentions)


class InvalidInput(DomainError):
    """The user typed something we cannot take."""


class NotAnIncidentChannel(DomainError):
    """A channel-bound command was used outside an incident channel."""

    def __init__(self) -> None:
        super().__init__(
            "This command works only inside an incident channel. "
            "Use `/incident list` to find open incidents."
        )


class TransitionNotAllowed(DomainError):
    """The lifecycle forbids this change of status."""


class IncidentNotFound(DomainError):
    """No incident matches."""
