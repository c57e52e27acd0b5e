"""The queue view and the re-drive: what operators need to keep the pipeline moving.

The view is a handful of aggregate queries plus two reads of the broker, whatever the number of
proposals; the endpoint, `committee queue` and the Prometheus collector all call `queue_view`.
"""

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlmodel import Session, col

from service.admin.broker import live_workers, queue_depths
from service.admin.models import (
    OutboxBacklog,
    OverdueReview,
    OverdueReviews,
    ProposalTrouble,
    QueueView,
    RedriveResult,
    StateQueue,
    TroubleList,
)
from service.assignment.models import OPEN_STATUSES, Assignment
from service.auth.models import Role, User
from service.config import get_settings
from service.db import flush_or_conflict, utcnow
from service.jobs import queue_names
from service.outbox.models import OutboxMessage
from service.proposals.models import Proposal, Transition
from service.workflow.stages import redrive
from service.workflow.table import State, Tag, has_tag

THROUGHPUT_WINDOW = timedelta(hours=1)
# The history event of an admin's re-drive (not a state change: from and to are the same).
REDRIVE_EVENT = "redrive"
# The lists show the oldest this many; the totals count them all.
LIST_LIMIT = 50


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round((now - then).total_seconds(), 3)


def _states(session: Session, now: datetime) -> list[StateQueue]:
    """Counts, ages, SLA breaches and stalls per state, then the last hour's transitions."""
    sla = get_settings().sla_seconds
    past_sla: ColumnElement[bool] = or_(
        false(),
        *(
            and_(
                col(Proposal.state) == state,
                col(Proposal.state_entered_at) < now - timedelta(seconds=seconds),
            )
            for state, seconds in sla.items()
        ),
    )
    rows = session.execute(
        select(
            col(Proposal.state),
            func.count(),
            func.min(col(Proposal.state_entered_at)),
            func.sum(case((past_sla, 1), else_=0)),
            func.sum(case((col(Proposal.stalled_at).is_not(None), 1), else_=0)),
        ).group_by(col(Proposal.state))
    ).all()
    by_state = {State(row[0]): row[1:] for row in rows}
    moves = session.execute(
        select(col(Transition.from_state), col(Transition.to_state), func.count())
        .where(col(Transition.created_at) >= now - THROUGHPUT_WINDOW)
        # A re-drive is kept in the history but moves nothing.
        .where(col(Transition.event) != REDRIVE_EVENT)
        .group_by(Transition.from_state, Transition.to_state)
    ).all()
    entered: dict[State, int] = dict.fromkeys(State, 0)
    left: dict[State, int] = dict.fromkeys(State, 0)
    for source, target, count in moves:
        left[State(source)] += count
        entered[State(target)] += count
    queues = []
    for state in State:
        count, oldest, late, stalled = by_state.get(state, (0, None, 0, 0))
        seconds = sla.get(state)
        queues.append(
            StateQueue(
                state=state,
                count=count,
                # A terminal state is not a queue: nothing there waits for anything.
                oldest_age_seconds=None if has_tag(state, Tag.terminal) else _age(now, oldest),
                sla_seconds=seconds,
                past_sla=None if seconds is None else int(late or 0),
                stalled=int(stalled or 0),
                entered_last_hour=entered[state],
                left_last_hour=left[state],
            )
        )
    return queues


def _outbox(session: Session, now: datetime) -> OutboxBacklog:
    unsent, oldest, failing = session.execute(
        select(
            func.count(),
            func.min(col(OutboxMessage.created_at)),
            func.sum(case((col(OutboxMessage.send_attempts) > 0, 1), else_=0)),
        ).where(col(OutboxMessage.sent_at).is_(None))
    ).one()
    return OutboxBacklog(
        unsent=unsent, oldest_unsent_age_seconds=_age(now, oldest), failing=int(failing or 0)
    )


def _troubled(session: Session, now: datetime, *, stalled: bool) -> TroubleList:
    """Stalled proposals, or (`stalled=False`) those with an error that did not stall them."""
    where = (
        col(Proposal.stalled_at).is_not(None)
        if stalled
        else and_(col(Proposal.last_error).is_not(None), col(Proposal.stalled_at).is_(None))
    )
    rows = session.execute(
        select(
            col(Proposal.id),
            col(Proposal.title),
            col(Proposal.state),
            col(Proposal.committee_id),
            col(Proposal.stage_attempts),
            col(Proposal.stalled_at),
            col(Proposal.last_error),
            col(Proposal.state_entered_at),
            func.count().over(),
        )
        .where(where)
        .order_by(col(Proposal.state_entered_at))
        .limit(LIST_LIMIT)
    ).all()
    return TroubleList(
        total=rows[0][-1] if rows else 0,
        items=[
            ProposalTrouble(
                id=row[0],
                title=row[1],
                state=row[2],
                committee_id=row[3],
                stage_attempts=row[4],
                stalled_at=row[5],
                last_error=row[6],
                waiting_seconds=_age(now, row[7]) or 0.0,
            )
            for row in rows
        ],
    )


def _overdue_reviews(session: Session, now: datetime) -> OverdueReviews:
    rows = session.execute(
        select(
            col(Assignment.id),
            col(Assignment.proposal_id),
            col(Proposal.title),
            col(Assignment.reviewer_id),
            col(User.email),
            col(Assignment.status),
            col(Assignment.due_at),
            func.count().over(),
        )
        .join(Proposal, col(Proposal.id) == col(Assignment.proposal_id))
        .join(User, col(User.id) == col(Assignment.reviewer_id))
        .where(col(Assignment.status).in_(OPEN_STATUSES), col(Assignment.due_at) < now)
        .order_by(col(Assignment.due_at))
        .limit(LIST_LIMIT)
    ).all()
    return OverdueReviews(
        total=rows[0][-1] if rows else 0,
        items=[
            OverdueReview(
                assignment_id=row[0],
                proposal_id=row[1],
                proposal_title=row[2],
                reviewer_id=row[3],
                reviewer_email=row[4],
                status=row[5],
                due_at=row[6],
                overdue_seconds=_age(now, row[6]) or 0.0,
            )
            for row in rows
        ],
    )


def queue_view(*, session: Session) -> QueueView:
    """The pipeline at a glance, for admins: queues per state, broker, workers, trouble."""
    settings = get_settings()
    now = utcnow()
    return QueueView(
        generated_at=now,
        throughput_window_seconds=int(THROUGHPUT_WINDOW.total_seconds()),
        states=_states(session, now),
        broker=queue_depths(settings=settings, queues=queue_names()),
        workers=live_workers(settings=settings),
        outbox=_outbox(session, now),
        stalled=_troubled(session, now, stalled=True),
        errors=_troubled(session, now, stalled=False),
        overdue_reviews=_overdue_reviews(session, now),
    )


def redrive_stage(*, session: Session, admin: User, proposal_id: UUID) -> RedriveResult:
    """Queue the proposal's automated stage again on an admin's word; the caller commits.

    The stage is idempotent, so re-driving twice only sends the job twice. Each re-drive is
    kept in the proposal's history (event `redrive`, from and to its current state) with the
    admin and the error it cleared, as the audit trail of who intervened.
    """
    proposal = redrive(session=session, proposal_id=proposal_id)
    error = proposal.last_error
    session.add(
        Transition(
            proposal_id=proposal.id,
            from_state=proposal.state,
            to_state=proposal.state,
            event=REDRIVE_EVENT,
            actor_id=admin.id,
            actor_role=Role.admin,
            reason=f"stage queued again by {admin.email}"
            + (f"; last error: {error}" if error else ""),
            proposal_version=proposal.version,
        )
    )
    flush_or_conflict(session, f"proposal {proposal_id}")
    return RedriveResult(
        proposal_id=proposal.id,
        state=proposal.state,
        version=proposal.version,
        queued=True,
        last_error=proposal.last_error,
        detail=f"the {proposal.state} stage was queued again for version {proposal.version}",
    )
