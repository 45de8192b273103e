"""What the on-call service refuses, each with a message fit to show as it is."""

from collections.abc import Sequence

from bot.kernel.errors import DomainError, InvalidInput


class UnknownSchedule(DomainError, LookupError):
    """No schedule has that name; the message lists those there are."""

    def __init__(self, name: str, names: Sequence[str]) -> None:
        known = ", ".join(names) if names else "none are defined in warroom.yml"
        super().__init__(f"No schedule {name!r} (schedules: {known}).", field="schedule")
        self.name = name


class UnknownLayer(DomainError, LookupError):
    """The schedule has no layer of that name; the message lists its layers."""

    def __init__(self, schedule: str, layer: str, layers: Sequence[str]) -> None:
        super().__init__(
            f"Schedule {schedule} has no layer {layer!r} (layers: {', '.join(layers)}).",
            field="layer",
        )


class OverrideRefused(InvalidInput):
    """An override that cannot be stored; `field` names the input at fault."""


class UnknownTarget(DomainError, LookupError):
    """A page target `schedule:…` that names no schedule or layer."""
