"""The outbox: jobs written in the same transaction as the state change that triggers them."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime, created_field, id_field


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "created_at"),)
    id: UUID = id_field()
    task: str = Field(max_length=120)
    payload: dict[str, object] = Field(sa_type=JSON)
    # Rows of a batched task are sent together, many payloads in one message (`jobs`).
    batched: bool = False
    created_at: datetime = created_field()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    send_attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
