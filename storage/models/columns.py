"""Column helpers the feature modules share."""

from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field

from storage.types import UTCDateTime


def utc_column(**kwargs: Any) -> Any:
    """A UTC timestamp column, empty by default."""
    return Field(default=None, sa_type=UTCDateTime, **kwargs)


def json_list() -> Any:
    """A JSON list column, never NULL."""
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def json_dict() -> Any:
    """A JSON object column, never NULL."""
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
