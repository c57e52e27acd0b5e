"""The deadline scan (beat, every DEADLINE_SCAN_SECONDS): one named scan per kind of deadline.

Deadlines are found by scanning the database, never by long countdown tasks (a countdown
longer than Redis' visibility timeout is delivered twice). Each scan is a few set-based
statements, whatever the number of proposals, and touches what it acts on so that the next
scan does not act on it again before a full period has passed.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import and_, func, update
from sqlmodel import Session, col, select

from service import policy
from service.admin.broker import queue_depths
from service.assignment.models import OPEN_STATUSES, Assignment, AssignmentStatus
from service.auth.models import User
from service.committees.models import Committee, MemberRole
from service.committees.service import members
from service.config import get_settings
from service.db import utcnow
from service.i18n import N_, Text
from service.jobs import Job, queue_names
from service.notifications.models import DeliveryStatus, Notification
from service.notifications.service import Notice, notify_all, queue_deliveries
from service.outbox.service import enqueue_all
from service.proposals.models import Proposal
from service.reviews.models import Review
from service.reviews.response import close_expired_responses
from service.workflow.moves import StageJob, queue_stage
from service.workflow.stages import queue_review_jobs
from service.workflow.table import State, Tag, states_tagged


def _broker_backlog() -> bool:
    """Whether messages wait in the broker (unknown counts as a backlog: do not pile on)."""
    view = queue_depths(settings=get_settings(), queues=queue_names())
    return any(q.depth is None or q.depth > 0 for q in view.queues)


def redrive_late_stages(session: Session, now: datetime) -> int:
    """Queue again the automated stages past their SLA (a lost job, a worker that died).

    A stage no worker has started yet is left alone while messages wait in the broker: its job
    is most likely queued behind them, and sending it again would only duplicate the work.
    """
    settings = get_settings()
    backlog: bool | None = None
    redriven = 0
    for state in states_tagged(Tag.automated):
        seconds = settings.sla_seconds.get(state)
        if seconds is None:
            continue
        late = now - timedelta(seconds=seconds)
        if backlog is None:
            backlog = _broker_backlog()
        conditions = [
            col(Proposal.state) == state,
            col(Proposal.stalled_at).is_(None),
            col(Proposal.state_entered_at) < late,
            col(Proposal.updated_at) < late,
        ]
        if backlog:
            conditions.append(col(Proposal.stage_attempts) > 0)
        # One guarded UPDATE (no optimistic-lock bump) takes them all: a proposal a worker
        # moved meanwhile no longer matches, so the scan never conflicts with the stage itself.
        stuck = session.execute(
            update(Proposal)
            .where(*conditions)
            .values(updated_at=now)
            .returning(col(Proposal.id), col(Proposal.version))
            .execution_options(synchronize_session=False)
        ).all()
        queue_stage(session=session, state=state, jobs=[StageJob(i, v) for i, v in stuck])
        redriven += len(stuck)
    return redriven


def recover_reviews(session: Session, now: datetime) -> int:
    """Queue again the review jobs that should have run: a quorum that is in, an empty slot.

    Quorum checks and replacements are queued when a review is submitted or an invitation
    declined; if the broker loses them, this finds the proposals still waiting for them after
    JOB_LOST_AFTER_SECONDS (quiet since then) and queues both jobs, which are idempotent.
    """
    quiet = now - timedelta(seconds=get_settings().job_lost_after_seconds)
    current = and_(
        col(Assignment.proposal_id) == col(Proposal.id),
        col(Assignment.proposal_version) == col(Proposal.version),
    )
    submitted = (
        select(func.count())
        .select_from(Review)
        .join(Assignment, col(Assignment.id) == col(Review.assignment_id))
        .where(current, col(Review.submitted_at).is_not(None))
        .scalar_subquery()
    )
    holding = (
        select(func.count())
        .select_from(Assignment)
        .where(current, col(Assignment.status).in_((*OPEN_STATUSES, AssignmentStatus.submitted)))
        .scalar_subquery()
    )
    candidates = (
        select(Proposal.id)
        .join(Committee, col(Committee.id) == col(Proposal.committee_id))
        .where(
            col(Proposal.state) == State.in_review,
            col(Proposal.updated_at) < quiet,
            (submitted >= col(Committee.quorum))
            | (holding < col(Committee.reviewers_per_proposal)),
        )
    )
    # Touched in the same statement that re-checks the state: a proposal that moved on
    # meanwhile is not queued, and one queued now waits a full period before the next time.
    waiting = session.execute(
        update(Proposal)
        .where(
            col(Proposal.id).in_(candidates),
            col(Proposal.state) == State.in_review,
        )
        .values(updated_at=now)
        .returning(col(Proposal.id))
        .execution_options(synchronize_session=False)
    )
    ids = list(waiting.scalars())
    queue_review_jobs(session=session, proposal_ids=ids)
    return len(ids)


def remind_reviewers(session: Session, now: datetime) -> int:
    """Remind each reviewer once before an open review falls due."""
    remind_before = timedelta(hours=get_settings().reminder_hours_before_due)
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
                subject=Text(N_("Review due soon: %(title)s"), {"title": reviewed.title}),
                body=Text(
                    N_("Your review of '%(title)s' is due by %(due)s UTC."),
                    {"title": reviewed.title, "due": f"{assignment.due_at:%Y-%m-%d %H:%M}"},
                ),
                occurrence=f"{assignment.proposal_version}:{assignment.id}",
            )
        )
    notify_all(session=session, notices=reminders)
    return len(reminders)


def replace_overdue_reviewers(session: Session, now: datetime) -> int:
    """Give the slot of each review past its due date to another reviewer."""
    overdue = session.execute(
        update(Assignment)
        .where(col(Assignment.status).in_(OPEN_STATUSES), col(Assignment.due_at) < now)
        .values(status=AssignmentStatus.replaced, updated_at=now)
        .returning(col(Assignment.proposal_id))
    )
    proposal_ids = list(overdue.scalars())
    enqueue_all(
        session=session,
        task=Job.replace_reviewers,
        payloads=[{"proposal_id": str(i)} for i in proposal_ids],
    )
    return len(proposal_ids)


def escalate_deliberations(session: Session, now: datetime) -> int:
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
                recipients=policy.chairs_free_of_conflict(
                    session=session, proposal=proposal, chairs=chairs[proposal.committee_id]
                ),
                subject=Text(N_("Decision overdue: %(title)s"), {"title": proposal.title}),
                body=Text(
                    N_("'%(title)s' has waited for a decision since %(since)s."),
                    {"title": proposal.title, "since": f"{proposal.state_entered_at:%Y-%m-%d}"},
                ),
                occurrence=str(proposal.version),
            )
        )
    return notify_all(session=session, notices=notices)


def requeue_stuck_notifications(session: Session, now: datetime) -> int:
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


# Every scan, by the name its count has in the result (and in the worker's log).
SCANS: dict[str, Callable[[Session, datetime], int]] = {
    "redriven": redrive_late_stages,
    "reviews_recovered": recover_reviews,
    "reminded": remind_reviewers,
    "replaced": replace_overdue_reviewers,
    "responses_closed": close_expired_responses,
    "escalated": escalate_deliberations,
    "notifications_requeued": requeue_stuck_notifications,
}


def scan_deadlines(*, session: Session) -> dict[str, int]:
    """Run every scan in the caller's unit of work; how many rows each acted on."""
    now = utcnow()
    done = {name: scan(session, now) for name, scan in SCANS.items()}
    session.flush()
    return done
