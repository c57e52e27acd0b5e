"""The automated stages: which function works each, their starts, failures and re-drives.

A stage function takes ids, re-reads the row and does nothing when the proposal has already
moved past the state it expects, so a task delivered twice changes nothing the second time.
"""

import logging
from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from sqlalchemy import tuple_, update
from sqlmodel import Session, col

from service.analysis.service import run_analysis
from service.assignment.service import staff_waiting
from service.db import relaxed_commit, utcnow
from service.errors import Conflict, NotFound
from service.jobs import Job
from service.outbox.service import enqueue_all
from service.proposals.models import Proposal
from service.screening.service import screen
from service.workflow.moves import StageJob, awaiting, queue_stage
from service.workflow.table import State, Tag, has_tag

log = logging.getLogger(__name__)


def run_assignment(*, session: Session, jobs: Sequence[StageJob]) -> None:
    """Staff the whole waiting batch of each committee the jobs' proposals wait in."""
    proposals = awaiting(session=session, state=State.assignment, jobs=jobs)
    for committee_id in {p.committee_id for p in proposals}:
        assert committee_id is not None, "screening routes every proposal to a committee"
        staff_waiting(session=session, committee_id=committee_id)


class Stage(Protocol):
    """The work of an automated stage on a batch of proposal versions, in the caller's unit."""

    def __call__(self, *, session: Session, jobs: Sequence[StageJob]) -> None: ...


# The function that works each automated stage, by the state it works on.
STAGES: dict[State, Stage] = {
    State.screening: screen,
    State.analysis: run_analysis,
    State.assignment: run_assignment,
}


def count_start(*, session: Session, state: State, jobs: Sequence[StageJob]) -> dict[UUID, int]:
    """Count a worker's start on each job whose proposal waits in `state` at its version.

    Returns how many times each was started: more than one means an earlier start did not
    finish (a retry after a failure, or a redelivery after its worker died). Committed before
    the work, so a start that kills its worker is still counted; stalled proposals are left
    out. A plain UPDATE: no optimistic-lock bump, so it never conflicts with the stage itself.
    """
    # A count lost in a database crash costs one more start at most.
    relaxed_commit(session)
    counted = session.execute(
        update(Proposal)
        .where(
            tuple_(col(Proposal.id), col(Proposal.version)).in_(
                [(job.proposal_id, job.version) for job in jobs]
            ),
            col(Proposal.state) == state,
            col(Proposal.stalled_at).is_(None),
        )
        .values(stage_attempts=col(Proposal.stage_attempts) + 1)
        .returning(col(Proposal.id), col(Proposal.stage_attempts))
        .execution_options(synchronize_session=False)
    )
    return {proposal_id: starts for proposal_id, starts in counted}


def work_stage(*, session: Session, state: State, jobs: Sequence[StageJob]) -> None:
    """Work `state` for the jobs, then stop counting the starts of those it left waiting.

    A stage that ran to its end and found nothing to do yet (a proposal no reviewer can take
    now) is not a start that killed its worker: its count goes back to zero, so waiting for
    the next SLA re-drive never ends in a stall.
    """
    STAGES[state](session=session, jobs=jobs)
    session.execute(
        update(Proposal)
        .where(
            tuple_(col(Proposal.id), col(Proposal.version)).in_(
                [(job.proposal_id, job.version) for job in jobs]
            ),
            col(Proposal.state) == state,
            col(Proposal.stage_attempts) > 0,
        )
        .values(stage_attempts=0)
        .execution_options(synchronize_session=False)
    )


def record_failure(
    *, session: Session, state: State, job: StageJob, error: str, final: bool
) -> bool:
    """Record why the job's stage failed (its start was counted); stall it if final.

    Only against the state and version the job was for: a duplicate job failing after the
    proposal moved on leaves the proposal alone. True if the failure was recorded.
    """
    values: dict[str, object] = {"last_error": error[:4000]}
    if final:
        values["stalled_at"] = utcnow()
    # A plain guarded UPDATE: no optimistic-lock bump, so it never races a real transition.
    recorded = session.execute(
        update(Proposal)
        .where(col(Proposal.id) == job.proposal_id, col(Proposal.version) == job.version)
        .where(col(Proposal.state) == state)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(recorded.rowcount)  # type: ignore[attr-defined]


def redrive(*, session: Session, proposal_id: UUID) -> Proposal:
    """Queue the proposal's work again: its automated stage, or its review's jobs.

    An admin's action, for every state in which a job can be lost.
    """
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"proposal {proposal_id} not found")
    state = State(proposal.state)
    if not has_tag(state, Tag.automated) and state != State.in_review:
        raise Conflict(
            f"a proposal in state {state} waits for people, not a worker; "
            "nothing to re-drive (reminders and escalation handle human stages)",
            state=state,
        )
    proposal.stalled_at = None
    proposal.stage_attempts = 0
    if has_tag(state, Tag.automated):
        queue_stage(session=session, state=state, jobs=[StageJob(proposal.id, proposal.version)])
    else:
        queue_review_jobs(session=session, proposal_ids=[proposal.id])
    return proposal


def queue_review_jobs(*, session: Session, proposal_ids: Sequence[UUID]) -> None:
    """Queue a quorum check and a vacancy fill for proposals in review (both idempotent).

    What recovers a review whose jobs were lost (the broker lost its queue): a quorum that is
    in opens deliberation, a slot left by a decline is offered to another reviewer.
    """
    payloads = [{"proposal_id": str(i)} for i in proposal_ids]
    enqueue_all(session=session, task=Job.check_quorum, payloads=payloads)
    enqueue_all(session=session, task=Job.replace_reviewers, payloads=payloads)
