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
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from service.config import get_settings
from service.db import session_scope
from service.errors import EditConflict
from service.outbox.service import relay
from service.pipeline.service import STAGES, record_failure, scan_deadlines
from service.proposals.service import StageJob
from service.proposals.workflow import State
from workers.celery_app import backoff_seconds, celery_app, retry_job

log = logging.getLogger(__name__)

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


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, TRANSIENT)


def _job(payload: dict[str, Any]) -> StageJob:
    return StageJob(UUID(payload["proposal_id"]), int(payload["version"]))


def _work_one(task: Task, state: State, payload: dict[str, Any]) -> None:
    """One proposal's stage in its own transaction; a failure is counted, retried or stalled."""
    job = _job(payload)
    attempt = int(payload.get("attempt", 0))
    try:
        with session_scope() as session:
            STAGES[state](session=session, jobs=[job])
        return
    except Exception as exc:
        final = not _is_transient(exc) or attempt + 1 >= get_settings().stage_max_attempts
        error = f"{state}: {type(exc).__name__}: {exc}"
    try:
        with session_scope() as session:
            record_failure(
                session=session,
                proposal_id=job.proposal_id,
                version=job.version,
                error=error,
                final=final,
            )
    except Exception:  # the database may be the thing that is down
        log.exception("could not record the failure of %s for %s", state, job.proposal_id)
    if final:
        log.error("stage %s stalled for proposal %s: %s", state, job.proposal_id, error)
        return
    # The retry travels as a message of its own, after a backoff; if even that cannot be
    # sent, the deadline scan re-drives the proposal once its stage is past the SLA.
    retry_job(task, payload)


def _stage_task(state: State) -> Callable[..., None]:
    @celery_app.task(name=f"pipeline.{state}", bind=True)
    def work(self: Task, jobs: list[dict[str, Any]]) -> None:
        # The whole batch in one transaction is the fast path; if anything in it fails, each
        # proposal is worked on its own so one bad proposal never holds back the others.
        try:
            # No autoflush: the batch's changes go out together at commit, in a few statements.
            with session_scope() as session, session.no_autoflush:
                STAGES[state](session=session, jobs=[_job(payload) for payload in jobs])
            return
        except Exception:
            log.info("batch of %d %s jobs failed; working them one by one", len(jobs), state)
        for payload in jobs:
            _work_one(self, state, payload)

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
        retries = task.request.retries or 0
        attempts = get_settings().stage_max_attempts
        if _is_transient(exc) and retries + 1 < attempts:
            # max_retries=None would mean Celery's default of 3, not "unbounded".
            raise task.retry(
                exc=exc, countdown=backoff_seconds(retries), max_retries=attempts - 1
            ) from exc
        log.exception("%s failed for good", what)
        raise


@celery_app.task(name="assignment.replace", bind=True)
def replace_reviewers(self: Task, proposal_id: str, outbox_id: str | None = None) -> None:
    """Find reviewers for the slots of a proposal left by declines or overdue reviews."""
    from service.assignment.service import fill_vacancies

    _retrying(
        self,
        lambda s: fill_vacancies(session=s, proposal_id=UUID(proposal_id)),
        f"replacing reviewers of {proposal_id}",
    )


@celery_app.task(name="reviews.check_quorum", bind=True)
def check_quorum(self: Task, proposal_id: str, outbox_id: str | None = None) -> None:
    """Aggregate the reviews and move to deliberation once the quorum is in."""
    from service.reviews.service import check_quorum as reach_quorum

    _retrying(
        self,
        lambda s: reach_quorum(session=s, proposal_id=UUID(proposal_id)),
        f"checking the quorum of {proposal_id}",
    )


@celery_app.task(name="outbox.relay")
def relay_outbox() -> int:
    """Send outbox rows that were not sent right after their commit."""
    return relay(older_than=timedelta(seconds=get_settings().outbox_resend_seconds))


@celery_app.task(name="deadlines.scan")
def deadlines() -> dict[str, int]:
    """Re-drive stuck automated stages, remind and replace late reviewers, escalate."""
    with session_scope() as session:
        return scan_deadlines(session=session)
