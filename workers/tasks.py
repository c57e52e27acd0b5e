"""Thin Celery tasks: ids in, a unit of work, the same service functions the API uses."""

from datetime import timedelta

from service.config import get_settings
from service.outbox.service import relay
from workers.celery_app import celery_app


@celery_app.task(name="outbox.relay")
def relay_outbox() -> int:
    """Send outbox rows that were not sent right after their commit."""
    return relay(older_than=timedelta(seconds=get_settings().outbox_resend_seconds))
