"""The notification delivery task: a batch of ids in, one delivery attempt each."""

import logging
from typing import Any
from uuid import UUID

from celery import Task

from service.db import session_scope
from service.errors import NotFound
from service.notifications.delivery import TransientDeliveryError, deliver
from workers.celery_app import celery_app, retry_job

log = logging.getLogger(__name__)


@celery_app.task(name="notifications.deliver", bind=True)
def deliver_notifications(self: Task, jobs: list[dict[str, Any]]) -> list[str]:
    """Deliver stored notifications, each in its own transaction; returns their statuses.

    A transient failure is committed on the row (deliver() counts attempts and marks the row
    failed when they run out), then that one notification is sent again alone after a backoff.
    """
    statuses = []
    for job in jobs:
        try:
            with session_scope() as session:
                try:
                    status = str(
                        deliver(session=session, notification_id=UUID(job["notification_id"]))
                    )
                except TransientDeliveryError as exc:
                    # Leaving the block normally commits the attempt count and the error.
                    status = f"retrying: {exc}"
        except NotFound:
            log.warning("notification %s no longer exists", job["notification_id"])
            statuses.append("missing")
            continue
        statuses.append(status)
        if status.startswith("retrying"):
            retry_job(self, job)
    return statuses
