"""Queue jobs through the outbox and relay them to Celery once their transaction commits.

A job is a row written beside the state change that triggers it, so both commit or neither
does. Right after the commit the rows are sent to the broker; if that fails (Redis down, the
process killed) the periodic sweeper sends them later. Delivery is at least once: every task
is idempotent.
"""

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, NamedTuple
from uuid import UUID, uuid4

from sqlalchemy import Connection, Table, event, insert, select, update
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from service.db import get_engine, relaxed_commit, skip_locked, utcnow
from service.jobs import Job, send
from service.outbox.models import OutboxMessage

log = logging.getLogger(__name__)
# In a session's `info`: the messages written per open transaction (a savepoint has its own),
# and those committed, waiting for the transaction's connection to go back to the pool.
_PENDING = "outbox_pending"
_COMMITTED = "outbox_committed"
_TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]


# Most payloads a batched task receives in one message.
BATCH_SIZE = 100
# Rows read and marked sent per transaction.
_CHUNK = 1000


class Message(NamedTuple):
    """An outbox row as the relay sends it."""

    id: UUID
    task: str
    payload: dict[str, Any]
    batched: bool


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
    session.info.setdefault(_PENDING, {}).setdefault(_innermost(session), []).extend(
        Message(i, task.value, payload, batched) for i, payload in zip(ids, payloads, strict=True)
    )
    return ids


def _innermost(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """A savepoint released hands its jobs to the enclosing transaction; only the outermost
    commit makes them real."""
    pending = session.info.get(_PENDING)
    transaction = _innermost(session)
    if not pending or transaction is None:
        return
    messages = pending.pop(transaction, [])
    if transaction.parent is not None:
        pending.setdefault(transaction.parent, []).extend(messages)
    else:
        session.info.setdefault(_COMMITTED, []).extend(messages)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    """A savepoint rolled back drops its own jobs; the whole transaction rolled back, all."""
    pending = session.info.get(_PENDING)
    transaction = _innermost(session)
    if not pending or transaction is None:
        return
    if transaction.parent is None:
        pending.clear()
    else:
        pending.pop(transaction, None)


@event.listens_for(Session, "after_transaction_end")
def _send_after_commit(session: Session, transaction: SessionTransaction) -> None:
    # After the commit's connection is back in the pool: a request holding its connection
    # while it waits for another could starve the pool with enough requests at once.
    if transaction.parent is not None:
        return
    messages = session.info.pop(_COMMITTED, None)
    if not messages:
        return
    try:
        send_committed(messages)
    except Exception:  # the work is committed: its answer stands, the sweeper sends the jobs
        log.warning("outbox: could not relay %d jobs after commit", len(messages), exc_info=True)


def send_committed(messages: Sequence[Message]) -> None:
    """Send rows this process has just committed, then mark them, one statement per chunk.

    The sweeper's read-and-lock is not needed here: it leaves rows younger than
    OUTBOX_RESEND_SECONDS alone, so it only races this send when the send comes that late, and
    then the job goes out twice, which every task tolerates. The rows are already in memory,
    and a request's own jobs cost one round trip to mark instead of a transaction of four.
    """
    for start in range(0, len(messages), _CHUNK):
        chunk = messages[start : start + _CHUNK]
        sent, failed, error = _publish(chunk)
        # Autocommit: each single statement is its own transaction, with no BEGIN or COMMIT.
        with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            _mark(c, sent, sent_at=utcnow())
            _mark(c, failed, last_error=error)
        if error is not None:
            return  # the broker is down: the rest waits for the sweeper too


def _batches(messages: Sequence[Message]) -> list[list[Message]]:
    """One message per unbatched row; batched rows grouped by task, BATCH_SIZE at most."""
    grouped: dict[str, list[Message]] = {}
    batches: list[list[Message]] = []
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


def relay(*, older_than: timedelta) -> int:
    """Send the unsent outbox rows older than `older_than` (the sweeper's pass).

    Returns how many were sent. A row that cannot be sent keeps its error and stays for the
    next sweep; the broker being down never fails the caller.
    """
    sent = 0
    while True:
        done, complete = _relay_chunk(older_than=older_than)
        sent += done
        if not complete or done < _CHUNK:
            return sent


def _relay_chunk(*, older_than: timedelta) -> tuple[int, bool]:
    """Send up to _CHUNK rows in one transaction; False as second value if the broker failed."""
    with Session(get_engine()) as session:
        columns = _TABLE.c
        query = (
            select(columns.id, columns.task, columns.payload, columns.batched)
            .where(columns.sent_at.is_(None), columns.created_at < utcnow() - older_than)
            .order_by(columns.created_at)
            .limit(_CHUNK)
        )
        # Two sweepers never send the same row at once.
        query = skip_locked(session, query)
        # A "sent" mark lost in a database crash only sends the job again: every task
        # tolerates that.
        relaxed_commit(session)
        sent, failed, error = _publish([Message(*row) for row in session.execute(query).all()])
        _mark(session, sent, sent_at=utcnow())
        _mark(session, failed, last_error=error)
        session.commit()
    return len(sent), error is None


def _publish(messages: Sequence[Message]) -> tuple[list[UUID], list[UUID], str | None]:
    """Send the messages in batches until the broker fails.

    Returns the ids sent, those of the batch that failed, and the broker's error.
    """
    sent: list[UUID] = []
    for batch in _batches(messages):
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
            log.warning("outbox: could not send %s (%s)", first.id, error)
            # The broker is down: don't wait out a timeout per message.
            return sent, [m.id for m in batch], error
        sent += [m.id for m in batch]
    return sent, [], None


def _mark(connection: Session | Connection, ids: list[UUID], **values: Any) -> None:
    """Count a send attempt on the rows, with its outcome, in one statement."""
    if ids:
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(ids))
            .values(send_attempts=_TABLE.c.send_attempts + 1, **values)
        )
