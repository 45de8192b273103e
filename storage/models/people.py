"""The people directory: who a person id is, as the chat workspace last said."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models.columns import utc_column


class Person(SQLModel, table=True):
    """A person (or a bot user) of the workspace, refreshed from Slack's user directory."""

    id: str = Field(primary_key=True, max_length=32)
    handle: str = Field(default="", max_length=80)
    display_name: str = Field(default="", max_length=200)
    real_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=254, index=True)
    timezone: str = Field(default="", max_length=64)
    is_bot: bool = False
    deleted: bool = False
    refreshed_at: datetime | None = utc_column(index=True)

    @property
    def name(self) -> str:
        """How the person is shown: their display name, else their real name, else handle."""
        return self.display_name or self.real_name or self.handle or self.id
