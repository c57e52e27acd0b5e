"""The workers' Celery app: the sending app of service/jobs.py plus delivery and beat settings."""

import random
from typing import Any

from celery import Celery, Task
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from service.admin.broker import connect_heartbeats
from service.admin.metrics import connect_task_metrics
from service.config import Settings, get_settings
from service.errors import EditConflict
from service.jobs import Job, make_celery


def backoff_seconds(attempt: int) -> float:
    """Seconds before retry number `attempt` + 1: exponential with jitter, at most a minute.

    Retries travel as their own short-countdown messages; deadlines far in the future are
    found by the deadline scan instead (a long countdown outlives Redis' visibility timeout).
    """
    return float(min(2**attempt, 60) * random.uniform(0.5, 1.0))


# Failures worth another try: the database or broker briefly gone, or a concurrent change
# (the retry re-reads the row and finds out what happened).
TRANSIENT: tuple[type[BaseException], ...] = (
    OperationalError,
    BrokerError,
    RedisConnectionError,
    ConnectionError,
    TimeoutError,
    EditConflict,
    StaleDataError,
)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, TRANSIENT)


def retry_if_transient(task: Task, exc: Exception) -> None:
    """Retry the whole task after a backoff if `exc` may pass and attempts remain; else return.

    Bounded by STAGE_MAX_ATTEMPTS runs in all (max_retries=None would mean Celery's 3).
    """
    retries = task.request.retries or 0
    attempts = get_settings().stage_max_attempts
    if is_transient(exc) and retries + 1 < attempts:
        raise task.retry(
            exc=exc, countdown=backoff_seconds(retries), max_retries=attempts - 1
        ) from exc


def retry_job(task: Task, job: dict[str, Any]) -> None:
    """Send one job of a batched task again, alone, after a backoff; its attempt is counted."""
    attempt = int(job.get("attempt", 0))
    task.apply_async(
        kwargs={"jobs": [{**job, "attempt": attempt + 1}]}, countdown=backoff_seconds(attempt)
    )


def make_worker_app(settings: Settings) -> Celery:
    """The sending app's configuration plus what only workers and beat need."""
    app = make_celery(settings)
    app.conf.update(
        include=["workers.tasks", "workers.notification_tasks"],
        # At-least-once delivery: tasks are acknowledged only after they finish.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.task_time_limit_seconds,
        task_soft_time_limit=int(settings.task_time_limit_seconds * 0.8),
        worker_hijack_root_logger=False,
        beat_schedule={
            "relay-outbox": {
                "task": Job.relay_outbox.value,
                "schedule": float(settings.outbox_resend_seconds),
            },
            "scan-deadlines": {
                "task": Job.scan_deadlines.value,
                "schedule": float(settings.deadline_scan_seconds),
            },
        },
    )
    return app


celery_app = make_worker_app(get_settings())
# Heartbeats for the admins' queue view and task metrics for Prometheus (service/admin).
connect_heartbeats()
connect_task_metrics()
