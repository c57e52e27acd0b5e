"""Thin Celery tasks: ids in, a unit of work, the same service functions the API uses.

Delivery is at least once (acks late, requeued when a worker dies), so every task re-reads
its rows and does nothing when the work is already done.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from celery import Task

from service.config import get_settings
from service.db import session_scope
from service.jobs import Job
from service.outbox.service import relay
from service.workflow.deadlines import scan_deadlines
from service.workflow.moves import STAGE_JOBS, StageJob
from service.workflow.stages import count_start, record_failure, work_stage
from service.workflow.table import State
from workers.celery_app import celery_app, is_transient, retry_if_transient, retry_job

log = logging.getLogger(__name__)


def _job(payload: dict[str, Any]) -> StageJob:
    return StageJob(UUID(payload["proposal_id"]), int(payload["version"]))


def _fail(state: State, job: StageJob, error: str, final: bool) -> None:
    """Record a failed start on the proposal; a final one stalls it for an admin."""
    try:
        with session_scope() as session:
            recorded = record_failure(
                session=session, state=state, job=job, error=error, final=final
            )
    except Exception:  # the database may be the thing that is down
        log.exception("could not record the failure of %s for %s", state, job.proposal_id)
        return
    if not recorded:
        log.info("%s failed for %s, which has moved on: nothing recorded", state, job.proposal_id)
    elif final:
        log.error("stage %s stalled for proposal %s: %s", state, job.proposal_id, error)


def _work_one(
    task: Task, state: State, payload: dict[str, Any], job: StageJob, starts: int | None
) -> None:
    """One proposal's stage in its own transaction; a failure is retried or stalls it."""
    # Attempts so far: counted in the database, or (if it was down) carried by the message.
    attempts = starts or int(payload.get("attempt", 0)) + 1
    try:
        with session_scope() as session:
            work_stage(session=session, state=state, jobs=[job])
        return
    except Exception as exc:
        final = not is_transient(exc) or attempts >= get_settings().stage_max_attempts
        _fail(state, job, f"{state}: {type(exc).__name__}: {exc}", final)
    if not final:
        # The retry travels as a message of its own, after a backoff; if even that cannot be
        # sent, the deadline scan re-drives the proposal once its stage is past the SLA.
        retry_job(task, payload)


def _count_starts(state: State, jobs: list[StageJob]) -> dict[UUID, int] | None:
    """Each waiting job's start count, committed before the work; None if it cannot be."""
    try:
        with session_scope() as session:
            return count_start(session=session, state=state, jobs=jobs)
    except Exception:  # the database may be down: the work itself meets it and retries
        log.warning("could not count the start of %d %s jobs", len(jobs), state, exc_info=True)
        return None


def _stage_task(state: State) -> Callable[..., None]:
    @celery_app.task(name=STAGE_JOBS[state], bind=True)
    def work(self: Task, jobs: list[dict[str, Any]]) -> None:
        batch = [(payload, _job(payload)) for payload in jobs]
        limit = get_settings().stage_max_attempts
        starts = _count_starts(state, [job for _, job in batch])
        if starts is not None:
            # A job started more than `limit` times never finished: each start killed its
            # worker (out of memory, a crash), so Celery redelivered it. Stop it here.
            for _, job in batch:
                if starts.get(job.proposal_id, 0) > limit:
                    _fail(
                        state,
                        job,
                        f"{state}: started {starts[job.proposal_id]} times without finishing "
                        "(its worker died each time); fix the cause, then re-drive",
                        final=True,
                    )
            # The others are no longer waiting for this stage: nothing to do for them.
            batch = [(p, job) for p, job in batch if 0 < starts.get(job.proposal_id, 0) <= limit]
        # The whole batch in one transaction is the fast path. After a failure, or if any job
        # was started before without finishing, each proposal is worked on its own so one bad
        # proposal (even one that kills its worker) never holds back the others.
        if batch and (starts is None or all(starts[job.proposal_id] == 1 for _, job in batch)):
            try:
                # No autoflush: the batch's changes go out together at commit.
                with session_scope() as session, session.no_autoflush:
                    work_stage(session=session, state=state, jobs=[job for _, job in batch])
                return
            except Exception:
                log.info("batch of %d %s jobs failed; working them one by one", len(batch), state)
        for payload, job in batch:
            _work_one(self, state, payload, job, starts.get(job.proposal_id) if starts else None)

    work.__doc__ = f"Work the {state} stage of a batch of submitted proposal versions."
    return work


screening = _stage_task(State.screening)
analysis = _stage_task(State.analysis)
assignment = _stage_task(State.assignment)


def _retrying(task: Task, work: Callable[[Any], object], what: str) -> None:
    """Run `work` in a unit of work, retrying transient failures with backoff."""
    try:
        with session_scope() as session:
            work(session)
    except Exception as exc:
        retry_if_transient(task, exc)
        log.exception("%s failed for good", what)
        raise


@celery_app.task(name=Job.replace_reviewers, bind=True)
def replace_reviewers(self: Task, proposal_id: str, outbox_id: str | None = None) -> None:
    """Find reviewers for the slots of a proposal left by declines or overdue reviews."""
    from service.assignment.service import fill_vacancies

    _retrying(
        self,
        lambda s: fill_vacancies(session=s, proposal_id=UUID(proposal_id)),
        f"replacing reviewers of {proposal_id}",
    )


@celery_app.task(name=Job.check_quorum, bind=True)
def check_quorum(self: Task, proposal_id: str, outbox_id: str | None = None) -> None:
    """Aggregate the reviews and move to deliberation once the quorum is in."""
    from service.reviews.service import check_quorum as reach_quorum

    _retrying(
        self,
        lambda s: reach_quorum(session=s, proposal_id=UUID(proposal_id)),
        f"checking the quorum of {proposal_id}",
    )


@celery_app.task(name=Job.relay_outbox)
def relay_outbox() -> int:
    """Send outbox rows that were not sent right after their commit."""
    return relay(older_than=timedelta(seconds=get_settings().outbox_resend_seconds))


@celery_app.task(name=Job.scan_deadlines)
def deadlines() -> dict[str, int]:
    """Re-drive stuck automated stages, remind and replace late reviewers, escalate."""
    with session_scope() as session:
        return scan_deadlines(session=session)
