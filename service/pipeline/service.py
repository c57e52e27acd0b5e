"""Running the automated stages: attempts, stalls, re-drives and the deadline scan.

A stage function takes ids, re-reads the row and does nothing when the proposal has already
moved past the state it expects, so a task delivered twice changes nothing the second time.
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from sqlalchemy import text, tuple_, update
from sqlmodel import Session, col, select

from service.analysis.service import run_analysis
from service.assignment.models import OPEN_STATUSES, Assignment
from service.assignment.service import release_for_replacement, staff_waiting
from service.auth.models import User
from service.committees.models import MemberRole
from service.committees.service import members
from service.config import get_settings
from service.db import utcnow
from service.errors import Conflict, NotFound
from service.notifications.models import DeliveryStatus, Notification
from service.notifications.service import Notice, notify_all, queue_deliveries
from service.proposals.models import Proposal
from service.proposals.service import StageJob, awaiting, queue_stage
from service.proposals.workflow import State, Tag, has_tag, states_tagged
from service.screening.service import screen

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
    if session.get_bind().dialect.name == "postgresql":
        # A count lost in a database crash costs one more start at most; not waiting for the
        # WAL flush saves a disk round trip per message.
        session.execute(text("SET LOCAL synchronous_commit = off"))
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


def record_failure(
    *, session: Session, proposal_id: UUID, version: int, error: str, final: bool
) -> None:
    """Record why the proposal's current stage failed (its start was counted); stall if final."""
    values: dict[str, object] = {"last_error": error[:4000]}
    if final:
        values["stalled_at"] = utcnow()
    # A plain guarded UPDATE: no optimistic-lock bump, so it never races a real transition.
    session.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal_id, col(Proposal.version) == version)
        .where(col(Proposal.state).in_(states_tagged(Tag.automated)))
        .values(**values)
    )


def redrive(*, session: Session, proposal_id: UUID) -> Proposal:
    """Queue the proposal's automated stage again (an admin's action, or the SLA scan's)."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"proposal {proposal_id} not found")
    state = State(proposal.state)
    if not has_tag(state, Tag.automated):
        raise Conflict(
            f"a proposal in state {state} waits for people, not a worker; "
            "nothing to re-drive (reminders and escalation handle human stages)",
            state=state,
        )
    proposal.stalled_at = None
    proposal.stage_attempts = 0
    queue_stage(session=session, state=state, jobs=[StageJob(proposal.id, proposal.version)])
    return proposal


def scan_deadlines(*, session: Session) -> dict[str, int]:
    """Re-drive automated stages past their SLA, remind reviewers, replace overdue ones."""
    settings = get_settings()
    now = utcnow()
    done = {"redriven": 0, "reminded": 0, "replaced": 0}
    for state in states_tagged(Tag.automated):
        seconds = settings.sla_seconds.get(state)
        if seconds is None:
            continue
        late = now - timedelta(seconds=seconds)
        # One guarded UPDATE (no optimistic-lock bump) takes them all: a proposal a worker
        # moved meanwhile no longer matches, so the scan never conflicts with the stage itself.
        stuck = session.execute(
            update(Proposal)
            .where(
                col(Proposal.state) == state,
                col(Proposal.stalled_at).is_(None),
                col(Proposal.state_entered_at) < late,
                col(Proposal.updated_at) < late,
            )
            .values(updated_at=now)
            .returning(col(Proposal.id), col(Proposal.version))
            .execution_options(synchronize_session=False)
        ).all()
        queue_stage(session=session, state=state, jobs=[StageJob(i, v) for i, v in stuck])
        done["redriven"] += len(stuck)
    remind_before = timedelta(hours=settings.reminder_hours_before_due)
    # One query for the assignments with their proposals and reviewers, one insert for all.
    due_soon = session.exec(
        select(Assignment, Proposal, User)
        .join(Proposal, col(Proposal.id) == col(Assignment.proposal_id))
        .join(User, col(User.id) == col(Assignment.reviewer_id))
        .where(
            col(Assignment.status).in_(OPEN_STATUSES),
            col(Assignment.reminded_at).is_(None),
            col(Assignment.due_at) < now + remind_before,
            col(Assignment.due_at) >= now,
        )
    ).all()
    reminders = []
    for assignment, reviewed, reviewer in due_soon:
        assignment.reminded_at = now
        reminders.append(
            Notice(
                event="review.reminder",
                proposal=reviewed,
                recipients=[reviewer],
                subject=f"Review due soon: {reviewed.title}",
                body=f"Your review of '{reviewed.title}' is due by "
                f"{assignment.due_at:%Y-%m-%d %H:%M} UTC.",
                occurrence=f"{assignment.proposal_version}:{assignment.id}",
            )
        )
    notify_all(session=session, notices=reminders)
    done["reminded"] = len(reminders)
    overdue = session.exec(
        select(Assignment).where(
            col(Assignment.status).in_(OPEN_STATUSES), col(Assignment.due_at) < now
        )
    ).all()
    release_for_replacement(session=session, assignments=overdue)
    done["replaced"] = len(overdue)
    done["escalated"] = _escalate_deliberations(session, now)
    done["notifications_requeued"] = _requeue_stuck_notifications(session, now)
    session.flush()
    return done


def _requeue_stuck_notifications(session: Session, now: datetime) -> int:
    """Queue again the notifications left pending without an attempt for too long.

    Their batch failed outright or their retry could not be sent; delivery skips a row that
    is no longer pending, so a row queued twice is still told once. Touching updated_at
    spaces the re-queues of a row that keeps failing by a full period.
    """
    stale = now - timedelta(seconds=get_settings().notification_resend_seconds)
    touched = session.execute(
        update(Notification)
        .where(
            col(Notification.status) == DeliveryStatus.pending,
            col(Notification.updated_at) < stale,
        )
        .values(updated_at=now)
        .returning(col(Notification.id))
    )
    ids = list(touched.scalars())
    queue_deliveries(session=session, notification_ids=ids)
    return len(ids)


def _escalate_deliberations(session: Session, now: datetime) -> int:
    """Tell the chairs once about each decision that is past its SLA."""
    seconds = get_settings().sla_seconds.get(State.deliberation)
    if seconds is None:
        return 0
    late = session.exec(
        select(Proposal).where(
            Proposal.state == State.deliberation,
            Proposal.state_entered_at < now - timedelta(seconds=seconds),
        )
    ).all()
    chairs: dict[UUID, list[User]] = {}
    notices = []
    for proposal in late:
        assert proposal.committee_id is not None, "deliberation needs a committee"
        if proposal.committee_id not in chairs:
            chairs[proposal.committee_id] = members(
                session=session, committee_id=proposal.committee_id, seat=MemberRole.chair
            )
        notices.append(
            Notice(
                event="deliberation.overdue",
                proposal=proposal,
                recipients=chairs[proposal.committee_id],
                subject=f"Decision overdue: {proposal.title}",
                body=f"'{proposal.title}' has waited for a decision since "
                f"{proposal.state_entered_at:%Y-%m-%d}.",
                occurrence=str(proposal.version),
            )
        )
    return notify_all(session=session, notices=notices)
