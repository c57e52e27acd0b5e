"""Notifications (stored, then delivered by a worker) and organisations' webhooks."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import JSON, Index, String, Text
from sqlmodel import Field

from service.db import Record, UTCDateTime


class Channel(StrEnum):
    email = "email"
    webhook = "webhook"


class DeliveryStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    # No SMTP server configured: written to MAIL_DIR and the log, never handed to a mail server.
    logged = "logged"
    failed = "failed"  # gave up after the last attempt


class Notification(Record, table=True):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_created", "status", "created_at"),)
    # The same event for the same recipient is stored once, whatever retries happen upstream.
    dedupe_key: str = Field(max_length=300, unique=True)
    channel: Channel = Field(sa_type=String(16))
    event: str = Field(max_length=64)
    proposal_id: UUID | None = Field(default=None, foreign_key="proposals.id", index=True)
    recipient_id: UUID | None = Field(default=None, foreign_key="users.id", index=True)
    webhook_id: UUID | None = Field(default=None, foreign_key="webhooks.id")
    address: str = Field(max_length=2000, description="e-mail address or webhook URL")
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="", sa_type=Text)
    payload: dict[str, object] = Field(default_factory=dict, sa_type=JSON)
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, sa_type=String(16))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Webhook(Record, table=True):
    """An organisation's endpoint for its proposals' events, signed with HMAC-SHA256."""

    __tablename__ = "webhooks"
    organisation_id: UUID = Field(foreign_key="organisations.id", index=True)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=200)
    events: list[str] = Field(default_factory=list, sa_type=JSON)
    active: bool = True
