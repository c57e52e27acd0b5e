"""The notification delivery task: an id in, one delivery attempt, retries for transient errors."""

from typing import Any
from uuid import UUID

from service.config import get_settings
from service.db import session_scope
from service.notifications.delivery import TransientDeliveryError, deliver
from workers.celery_app import celery_app


@celery_app.task(
    name="notifications.deliver",
    bind=True,
    autoretry_for=(TransientDeliveryError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    # A backstop only: deliver() marks the row failed once its own attempt count runs out.
    max_retries=get_settings().notification_max_attempts,
)
def deliver_notification(self: Any, notification_id: str, outbox_id: str | None = None) -> str:
    """Deliver one stored notification; returns its status afterwards (`sent` or `failed`).

    `outbox_id` names the outbox row that sent this job; the relay passes it, nothing needs it.
    """
    with session_scope() as session:
        try:
            return str(deliver(session=session, notification_id=UUID(notification_id)))
        except TransientDeliveryError as exc:
            # Leaving the block normally commits the attempt count and the error; raising
            # inside it would roll them back. Celery's autoretry then schedules the next try.
            transient = exc
    raise transient
