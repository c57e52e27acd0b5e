"""Queue jobs through the outbox and relay them to Celery once their transaction commits.

A job is a row written beside the state change that triggers it, so both commit or neither
does. Right after the commit the rows are sent to the broker; if that fails (Redis down, the
process killed) the periodic sweeper sends them later. Delivery is at least once: every task
is idempotent.
"""

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Row, Table, event, insert, select, update
from sqlmodel import Session

from service.db import get_engine, relaxed_commit, skip_locked, utcnow
from service.jobs import Job, send
from service.outbox.models import OutboxMessage

log = logging.getLogger(__name__)
_PENDING = "outbox_pending"
_TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]


# Most payloads a batched task receives in one message.
BATCH_SIZE = 100
# Rows read and marked sent per transaction.
_CHUNK = 1000


def enqueue(*, session: Session, task: Job, batched: bool = False, **payload: Any) -> UUID:
    """Write a job for `task`; it is sent to the workers only if the transaction commits.

    A batched task receives `jobs=[payload, ...]` (up to BATCH_SIZE at once) instead of one
    payload as keyword arguments: the pipeline's stages work many proposals per message.
    Returns the job's id.
    """
    return enqueue_all(session=session, task=task, payloads=[payload], batched=batched)[0]


def enqueue_all(
    *, session: Session, task: Job, payloads: Sequence[dict[str, Any]], batched: bool = False
) -> list[UUID]:
    """`enqueue` for many jobs of one task (a worker's batch), in one INSERT statement."""
    if not payloads:
        return []
    now = utcnow()
    ids = [uuid4() for _ in payloads]
    rows = [
        {"id": i, "task": task.value, "payload": payload, "batched": batched, "created_at": now}
        for i, payload in zip(ids, payloads, strict=True)
    ]
    # A Core insert: ORM objects cost more to build than the row costs to write, and nothing
    # reads these rows back in this transaction except the relay after the commit.
    session.execute(insert(_TABLE), rows)
    session.info.setdefault(_PENDING, []).extend(ids)
    return ids


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if not ids:
        return
    try:
        relay(ids=ids)
    except Exception:  # the work is committed: its answer stands, the sweeper sends the jobs
        log.warning("outbox: could not relay %d jobs after commit", len(ids), exc_info=True)


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _batches(messages: Sequence[Row[Any]]) -> list[list[Row[Any]]]:
    """One message per unbatched row; batched rows grouped by task, BATCH_SIZE at most."""
    grouped: dict[str, list[Row[Any]]] = {}
    batches: list[list[Row[Any]]] = []
    for message in messages:
        if not message.batched:
            batches.append([message])
            continue
        group = grouped.setdefault(message.task, [])
        group.append(message)
        if len(group) == BATCH_SIZE:
            batches.append(group)
            grouped[message.task] = []
    batches += [group for group in grouped.values() if group]
    return batches


def relay(*, ids: list[UUID] | None = None, older_than: timedelta | None = None) -> int:
    """Send unsent outbox rows to the broker: the given ones, or all older than `older_than`.

    Returns how many were sent. A row that cannot be sent keeps its error and stays for the
    next sweep; the broker being down never fails the caller.
    """
    sent = 0
    if ids is not None:
        for start in range(0, len(ids), _CHUNK):
            done, complete = _relay_chunk(ids=ids[start : start + _CHUNK], older_than=older_than)
            sent += done
            if not complete:
                break
        return sent
    while True:
        done, complete = _relay_chunk(ids=None, older_than=older_than)
        sent += done
        if not complete or done < _CHUNK:
            return sent


def _relay_chunk(*, ids: list[UUID] | None, older_than: timedelta | None) -> tuple[int, bool]:
    """Send up to _CHUNK rows in one transaction; False as second value if the broker failed."""
    sent: list[UUID] = []
    complete = True
    with Session(get_engine()) as session:
        columns = _TABLE.c
        query = (
            select(columns.id, columns.task, columns.payload, columns.batched)
            .where(columns.sent_at.is_(None))
            .order_by(columns.created_at)
            .limit(_CHUNK)
        )
        if ids is not None:
            query = query.where(columns.id.in_(ids))
        if older_than is not None:
            query = query.where(columns.created_at < utcnow() - older_than)
        # Two sweepers never send the same row at once.
        query = skip_locked(session, query)
        # A "sent" mark lost in a database crash only sends the job again: every task
        # tolerates that.
        relaxed_commit(session)
        for batch in _batches(session.execute(query).all()):
            first = batch[0]
            if first.batched:
                kwargs: dict[str, Any] = {
                    "jobs": [{**m.payload, "outbox_id": str(m.id)} for m in batch]
                }
            else:
                kwargs = {**first.payload, "outbox_id": str(first.id)}
            try:
                send(Job(first.task), kwargs=kwargs, task_id=str(first.id))
            except Exception as exc:  # any broker failure: leave the rows for the sweeper
                error = f"{type(exc).__name__}: {exc}"[:2000]
                _mark(session, [m.id for m in batch], last_error=error)
                log.warning("outbox: could not send %s (%s)", first.id, error)
                complete = False
                break  # the broker is down; don't wait out a timeout per message
            sent += [m.id for m in batch]
        _mark(session, sent, sent_at=utcnow())
        session.commit()
    return len(sent), complete


def _mark(session: Session, ids: list[UUID], **values: Any) -> None:
    """Count a send attempt on the rows, with its outcome, in one statement."""
    if ids:
        session.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(ids))
            .values(send_attempts=_TABLE.c.send_attempts + 1, **values)
        )
