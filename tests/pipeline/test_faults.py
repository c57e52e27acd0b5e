"""Faults lose nothing and duplicate nothing: killed workers, double deliveries, outages.

Each test ends by checking the invariants a user relies on: every proposal in the right state,
exactly one history row per transition, exactly k reviewers, no notification twice.
"""

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from service.assignment.models import Assignment
from service.db import get_engine
from service.notifications.models import Notification
from service.proposals.models import Proposal, Transition
from tests.conftest import Api
from tests.pipeline.conftest import Process, state_of, submitted_proposal, wait_for
from tests.proxy import Proxy

# Fast deadlines, so that anything a fault leaves behind is re-driven within seconds.
FAST = {
    "SLA_SECONDS": json.dumps({"screening": 3, "analysis": 3, "assignment": 3}),
    "DEADLINE_SCAN_SECONDS": "1",
    "OUTBOX_RESEND_SECONDS": "1",
}
PATH = ["screening", "analysis", "assignment", "in_review"]


def _states(ids: list[str]) -> Counter[tuple[str, str | None]]:
    """How many of the proposals are in each state, with their last error."""
    with Session(get_engine()) as session:
        rows = session.exec(select(Proposal).where(col(Proposal.id).in_(ids))).all()
    return Counter((p.state, p.last_error) for p in rows)


def _wait_all_in_review(ids: list[str], seconds: float, what: str) -> None:
    wait_for(
        lambda: _states(ids) == Counter({("in_review", None): len(ids)}),
        seconds=seconds,
        what=what,
        describe=lambda: _states(ids),
    )


def assert_exactly_once(ids: list[str]) -> None:
    with Session(get_engine()) as session:
        for proposal_id in ids:
            steps = session.exec(
                select(Transition.to_state)
                .where(Transition.proposal_id == proposal_id)
                .order_by(Transition.created_at)  # type: ignore[arg-type]
            ).all()
            assert list(steps) == PATH, (proposal_id, steps)
            reviewers = session.exec(
                select(Assignment.reviewer_id).where(Assignment.proposal_id == proposal_id)
            ).all()
            assert len(reviewers) == len(set(reviewers)) == 3
        keys = session.exec(select(Notification.dedupe_key)).all()
        assert not [k for k, n in Counter(keys).items() if n > 1]
        invited = session.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.event == "assignment.invited")
        ).one()
        assert invited == 3 * len(ids)


def test_worker_killed_mid_stage_loses_and_duplicates_nothing(
    api: Api, committee: dict[str, Any], processes: Callable[..., Process], tmp_path: Path
) -> None:
    first = processes("worker", "--concurrency", "2", env=FAST)
    ids = [
        submitted_proposal(
            api, committee["applicant"], title=f"Programme {i} of many distinct words {i * 7}"
        )
        for i in range(5)
    ]

    def some_moved() -> bool:
        with Session(get_engine()) as session:
            return bool(
                session.exec(select(Transition).where(Transition.to_state == "analysis")).first()
            )

    wait_for(some_moved, what="the first stage to run")
    first.kill()
    processes("worker", "--concurrency", "2", env=FAST)
    processes("beat", "--schedule", str(tmp_path / "beat-schedule"), env=FAST)
    _wait_all_in_review(ids, 120, "every proposal in review after the crash")
    assert_exactly_once(ids)


def test_same_task_delivered_twice_at_once_runs_once(
    api: Api, committee: dict[str, Any], processes: Callable[..., Process]
) -> None:
    from workers.celery_app import celery_app

    ids = [
        submitted_proposal(
            api, committee["applicant"], title=f"Twin delivery {i} unique text {i * 13}"
        )
        for i in range(4)
    ]
    # Every proposal's screening job was already sent once on submit; send each again.
    with Session(get_engine()) as session:
        versions = {str(p.id): p.version for p in session.exec(select(Proposal))}
    for proposal_id in ids:
        celery_app.send_task(
            "pipeline.screening",
            kwargs={"jobs": [{"proposal_id": proposal_id, "version": versions[proposal_id]}]},
        )
    processes("worker", "--concurrency", "2", env=FAST)
    _wait_all_in_review(ids, 90, "every proposal in review")
    assert_exactly_once(ids)


def test_submits_succeed_while_redis_is_down_and_move_on_after(
    api: Api,
    committee: dict[str, Any],
    processes: Callable[..., Process],
    broker_proxy: Proxy,
    tmp_path: Path,
) -> None:
    processes("worker", "--concurrency", "2", env=FAST)
    processes("beat", "--schedule", str(tmp_path / "beat-schedule"), env=FAST)
    broker_proxy.cut()
    try:
        ids = [
            submitted_proposal(
                api, committee["applicant"], title=f"Outage {i} proposal text {i * 17}"
            )
            for i in range(3)
        ]
        assert all(state_of(api, committee["applicant"], p) == "screening" for p in ids)
    finally:
        broker_proxy.restore()
    _wait_all_in_review(ids, 90, "every proposal in review once Redis is back")
    assert_exactly_once(ids)


def test_database_briefly_unreachable_inside_a_task(
    api: Api, committee: dict[str, Any], processes: Callable[..., Process]
) -> None:
    url = urlsplit(os.environ["DATABASE_URL"])
    proxy = Proxy(url.hostname or "127.0.0.1", url.port or 5432)
    try:
        through_proxy = url._replace(netloc=f"{url.username}@127.0.0.1:{proxy.port}").geturl()
        proxy.cut()
        processes("worker", "--concurrency", "2", env={**FAST, "DATABASE_URL": through_proxy})
        ids = [
            submitted_proposal(
                api, committee["applicant"], title=f"Database outage {i} text {i * 19}"
            )
            for i in range(3)
        ]
        # The tasks start, fail to reach the database, and retry with backoff meanwhile: wait
        # until the worker has really tried (not merely not started yet).
        tried = proxy.refused
        deadline = time.monotonic() + 60
        while proxy.refused < tried + 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proxy.refused >= tried + 3, "the worker never tried to reach the database"
        assert all(state_of(api, committee["applicant"], p) == "screening" for p in ids)
        proxy.restore()
        _wait_all_in_review(ids, 90, "every proposal in review after the outage")
        assert_exactly_once(ids)
    finally:
        proxy.close()


def _pool_children(worker: Process) -> list[int]:
    assert worker.popen is not None
    found = subprocess.run(
        ["pgrep", "-P", str(worker.popen.pid)], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in found.stdout.split()]


def test_a_job_that_kills_its_worker_every_time_is_stalled_after_the_limit(
    api: Api, committee: dict[str, Any], processes: Callable[..., Process]
) -> None:
    limit = 2
    proposal_id = submitted_proposal(
        api, committee["applicant"], title="Programme whose screening always crashes"
    )

    def row() -> Proposal:
        with Session(get_engine()) as session:
            proposal = session.get(Proposal, proposal_id)
            assert proposal is not None
            return proposal

    with get_engine().connect() as blocker:
        # Screening blocks when it reads the committees, after its start was counted and
        # before it writes anything: a crash there is a crash mid-stage.
        blocker.execute(text("LOCK TABLE committees IN ACCESS EXCLUSIVE MODE"))
        worker = processes("worker", "--concurrency", "1", env={"STAGE_MAX_ATTEMPTS": str(limit)})
        for attempt in range(1, limit + 1):
            wait_for(
                lambda n=attempt: row().stage_attempts == n,  # type: ignore[misc]
                what=f"start {attempt}",
                describe=lambda: row().stage_attempts,
            )
            # Killed mid-stage; the worker's main process puts the message back (acks late,
            # reject on worker lost) and a new pool process takes it up again.
            for child in _pool_children(worker):
                os.kill(child, signal.SIGKILL)
        wait_for(
            lambda: row().stalled_at is not None,
            what="the stall past the limit",
            describe=lambda: (row().stage_attempts, row().last_error),
        )
        blocker.rollback()
    with Session(get_engine()) as session:
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None
        assert proposal.state == "screening" and proposal.stalled_at is not None
        assert proposal.last_error is not None
        assert f"started {limit + 1} times without finishing" in proposal.last_error
        steps = session.exec(
            select(Transition.to_state).where(Transition.proposal_id == proposal_id)
        ).all()
        assert steps == ["screening"]  # the submit's; the stage never ran to its end
