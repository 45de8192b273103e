"""Status page subscribers: people mailed on every public publication (after confirming their
address), webhooks posted the page's summary, the sign-ups kept for rate limiting, and the key
that signs the links in the mails.

A subscriber's `nonce` changes whenever an unsubscribed address signs up again, and every link
carries it: a link from an earlier subscription never confirms or ends the new one.
"""

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models.columns import json_list, utc_column


class StatusSubscriber(SQLModel, table=True):
    """An e-mail address told of publications: pending until confirmed, mailed while confirmed
    and not unsubscribed. `components` empty means every component."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)  # lower-cased
    components: list[str] = json_list()
    nonce: str = Field(max_length=32)
    created_at: datetime | None = utc_column()
    confirmed_at: datetime | None = utc_column()
    unsubscribed_at: datetime | None = utc_column(index=True)


class StatusSignup(SQLModel, table=True):
    """One sign-up request accepted from an address and a client: the rate limits count them.
    `mailed` says whether it sent a confirmation mail. Rows older than a day are dropped."""

    id: int | None = Field(default=None, primary_key=True)
    ip: str = Field(max_length=64, index=True)
    email: str = Field(max_length=254, index=True)
    mailed: bool = False
    at: datetime | None = utc_column(index=True)


class StatusWebhook(SQLModel, table=True):
    """A URL posted the page's summary on every publication, signed with its own secret.
    Disabled after `failures` permanent refusals in a row."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=128)
    components: list[str] = json_list()
    created_at: datetime | None = utc_column()
    disabled_at: datetime | None = utc_column()
    failures: int = 0  # permanent failures since the last success
    last_error: str | None = Field(default=None, max_length=300)
    last_error_at: datetime | None = utc_column()
    last_success_at: datetime | None = utc_column()


class StatusLinkKey(SQLModel, table=True):
    """The secret that signs subscription links, made on first use and kept, so links in mails
    already sent keep working across restarts and replicas."""

    name: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=128)
    created_at: datetime | None = utc_column()
