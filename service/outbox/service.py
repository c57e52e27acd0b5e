"""Queue jobs through the outbox and relay them to Celery once their transaction commits.

A job is a row written beside the state change that triggers it, so both commit or neither
does. Right after the commit the rows are sent to the broker; if that fails (Redis down, the
process killed) the periodic sweeper sends them later. Delivery is at least once: every task
is idempotent.
"""

import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import event
from sqlmodel import Session, col, select

from service.db import get_engine, utcnow
from service.outbox.models import OutboxMessage

log = logging.getLogger(__name__)
_PENDING = "outbox_pending"


def enqueue(*, session: Session, task: str, **payload: Any) -> OutboxMessage:
    """Write a job for `task`; it is sent to the workers only if the transaction commits."""
    message = OutboxMessage(task=task, payload=payload)
    session.add(message)
    session.info.setdefault(_PENDING, []).append(message.id)
    return message


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        relay(ids=ids)


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def relay(*, ids: list[UUID] | None = None, older_than: timedelta | None = None) -> int:
    """Send unsent outbox rows to the broker: the given ones, or all older than `older_than`.

    Returns how many were sent. A row that cannot be sent keeps its error and stays for the
    next sweep; the broker being down never fails the caller.
    """
    from workers.celery_app import celery_app  # the worker package imports the service

    sent = 0
    with Session(get_engine(), expire_on_commit=False) as session:
        query = select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))
        if ids is not None:
            query = query.where(col(OutboxMessage.id).in_(ids))
        if older_than is not None:
            query = query.where(OutboxMessage.created_at < utcnow() - older_than)
        query = query.order_by(col(OutboxMessage.created_at)).limit(1000)
        if session.get_bind().dialect.name == "postgresql":
            # Two sweepers never send the same row at once.
            query = query.with_for_update(skip_locked=True)
        for message in session.exec(query):
            try:
                celery_app.send_task(
                    message.task,
                    kwargs={**message.payload, "outbox_id": str(message.id)},
                    task_id=str(message.id),
                    retry=False,
                )
            except Exception as exc:  # any broker failure: leave the row for the sweeper
                message.send_attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                log.warning("outbox: could not send %s (%s)", message.id, message.last_error)
                break  # the broker is down; don't wait out a timeout per row
            message.sent_at = utcnow()
            message.send_attempts += 1
            sent += 1
        session.commit()
    return sent
