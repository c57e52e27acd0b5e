"""The notification delivery task: a batch of ids in, one transaction and one attempt each."""

import logging
from typing import Any
from uuid import UUID

from celery import Task

from service.db import session_scope
from service.jobs import Job
from service.notifications.delivery import TransientDeliveryError, deliver_batch
from workers.celery_app import celery_app, retry_if_transient, retry_job

log = logging.getLogger(__name__)


@celery_app.task(name=Job.deliver_notifications, bind=True)
def deliver_notifications(self: Task, jobs: list[dict[str, Any]]) -> list[str]:
    """Deliver a batch of stored notifications in one transaction; returns their statuses.

    The batch's attempts are committed together; then each notification whose failure may pass
    is sent again alone after a backoff (deliver_batch() counts attempts and marks the row
    failed when they run out). If the database fails in a way that may pass, the whole batch
    runs again after a backoff.
    """
    ids = [UUID(job["notification_id"]) for job in jobs]
    try:
        with session_scope() as session:
            outcomes = deliver_batch(session=session, notification_ids=ids)
    except Exception as exc:
        # Nothing of the batch was recorded, so what it sent goes out again: at least once.
        retry_if_transient(self, exc)
        raise
    statuses = []
    for job, notification_id in zip(jobs, ids, strict=True):
        outcome = outcomes.get(notification_id)
        if outcome is None:
            log.warning("notification %s no longer exists", notification_id)
            statuses.append("missing")
        elif isinstance(outcome, TransientDeliveryError):
            statuses.append(f"retrying: {outcome}")
            retry_job(self, job)
        else:
            statuses.append(str(outcome))
    return statuses
