"""Domain errors: each carries a message fit to show the user as it is."""


class DomainError(Exception):
    """A rule said no; `message` is what the user should read."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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
