"""The outbox: jobs leave only after their transaction commits, batched, and none is lost."""

from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from service.db import get_engine
from service.jobs import Job
from service.outbox.models import OutboxMessage
from service.outbox.service import enqueue, relay
from tests.proxy import Proxy


def _unsent() -> int:
    with Session(get_engine()) as session:
        query = select(func.count()).select_from(OutboxMessage)
        return int(session.exec(query.where(col(OutboxMessage.sent_at).is_(None))).one())


def test_rolled_back_jobs_are_never_sent(db: None, broker: Any) -> None:
    with Session(get_engine()) as session:
        enqueue(session=session, task=Job.screening, batched=True, proposal_id="x", version=1)
        session.rollback()
    assert broker.llen("celery") == 0
    with Session(get_engine()) as session:
        assert session.exec(select(OutboxMessage)).all() == []


def test_committed_jobs_are_sent_in_batches_of_a_hundred(db: None, broker: Any) -> None:
    with Session(get_engine()) as session:
        for i in range(1250):
            enqueue(
                session=session,
                task=Job.analysis,
                batched=True,
                proposal_id=str(i),
                version=1,
            )
        enqueue(session=session, task=Job.deliver_notifications, notification_id="n-1")
        session.commit()  # relayed right after the commit, past the 1,000-row chunk too
    assert _unsent() == 0
    assert broker.llen("celery") == 13 + 1


def test_jobs_left_unsent_while_redis_is_down_are_sent_by_the_sweeper(
    db: None, broker: Any, broker_proxy: Proxy
) -> None:
    broker_proxy.cut()
    try:
        with Session(get_engine()) as session:
            enqueue(session=session, task=Job.screening, batched=True, proposal_id="p", version=1)
            session.commit()  # the commit succeeds; the send fails quietly
        with Session(get_engine()) as session:
            row = session.exec(select(OutboxMessage)).one()
            assert row.sent_at is None
            assert row.last_error
    finally:
        broker_proxy.restore()
    assert relay(older_than=timedelta(0)) == 1
    assert _unsent() == 0
    assert broker.llen("celery") == 1


def test_a_savepoints_jobs_wait_for_the_outer_commit_and_die_with_its_rollback(
    db: None, broker: Any
) -> None:
    with Session(get_engine()) as session:
        enqueue(session=session, task=Job.screening, batched=True, proposal_id="outer", version=1)
        kept = session.begin_nested()
        enqueue(session=session, task=Job.analysis, batched=True, proposal_id="kept", version=1)
        kept.commit()  # released, not yet committed: nothing may reach the workers
        assert broker.llen("celery") == 0
        dropped = session.begin_nested()
        enqueue(session=session, task=Job.analysis, batched=True, proposal_id="gone", version=1)
        dropped.rollback()
        session.commit()
    assert broker.llen("celery") == 2  # the outer job and the released savepoint's
    assert _unsent() == 0
    with Session(get_engine()) as session:
        stored = session.exec(select(OutboxMessage.payload)).all()
    assert sorted(p["proposal_id"] for p in stored) == ["kept", "outer"]


def test_jobs_are_sent_once_the_commits_connection_is_back_in_the_pool(
    db: None, broker: Any, monkeypatch: Any
) -> None:
    import service.outbox.service as outbox

    held: list[int] = []
    send = outbox.send_committed
    monkeypatch.setattr(
        outbox,
        "send_committed",
        lambda messages: (held.append(get_engine().pool.checkedout()), send(messages)),
    )
    with Session(get_engine()) as session:
        enqueue(session=session, task=Job.screening, batched=True, proposal_id="p", version=1)
        session.commit()
    # Waiting for a second connection while holding the first starves a busy pool.
    assert held == [0]
    assert broker.llen("celery") == 1
