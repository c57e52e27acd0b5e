"""Sending jobs to the workers: every task's name, typed once, and a Celery app that only sends.

The domain writes jobs to the outbox (service/outbox) and the relay sends them here by name.
The worker app (workers/celery_app.py) is built on `make_celery` too and registers each task
under its `Job` name, so the core never imports workers/: the edge imports the core, never the
reverse. A name that is not a `Job` cannot be queued, and a test checks that every `Job` has a
task registered under it.
"""

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from celery import Celery

from service.config import Settings, get_settings


class Job(StrEnum):
    """The name of each task, as the outbox stores it and the worker registers it."""

    screening = "pipeline.screening"
    analysis = "pipeline.analysis"
    assignment = "pipeline.assignment"
    replace_reviewers = "assignment.replace"
    check_quorum = "reviews.check_quorum"
    deliver_notifications = "notifications.deliver"
    relay_outbox = "outbox.relay"
    scan_deadlines = "deadlines.scan"


def _transport_options(settings: Settings) -> dict[str, Any]:
    if settings.broker_url.startswith("filesystem"):
        # The zero-setup broker: one local folder carries messages between processes.
        folder = Path(settings.broker_folder).resolve()
        (folder / "processed").mkdir(parents=True, exist_ok=True)
        return {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    return {
        "visibility_timeout": settings.broker_visibility_timeout_seconds,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }


def make_celery(settings: Settings) -> Celery:
    """A Celery app on the configured broker: what sending and working have in common."""
    app = Celery("committee", broker=settings.broker_url)
    app.conf.update(
        broker_transport_options=_transport_options(settings),
        broker_connection_timeout=2,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        # The database is the source of truth; Celery results are never read.
        task_ignore_result=True,
    )
    return app


@cache
def sender() -> Celery:
    """This process's sending app (one connection pool), on the settings of the process."""
    return make_celery(get_settings())


def send(job: Job, *, kwargs: dict[str, Any], task_id: str) -> None:
    """Publish one message for `job`; raises whatever the broker raises (no retry here)."""
    sender().send_task(job.value, kwargs=kwargs, task_id=task_id, retry=False)


def queue_names() -> list[str]:
    """The broker queues the workers consume."""
    return [str(sender().conf.task_default_queue)]


def broker_problem() -> str | None:
    """Why the broker cannot be reached now, or None when it can."""
    try:
        with sender().connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any failure means not ready
        return f"{type(exc).__name__}: {exc}"
    return None
