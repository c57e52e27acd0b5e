"""Closing assignments that are no longer needed: the slot, the capacity and the reviewer told.

An open assignment (invited or accepted) ends when its proposal no longer needs it: withdrawn,
decided, its quorum reached without it, or the reviewer gone. It becomes `cancelled` with the
reason, stops counting against the reviewer's capacity, gets no more reminders, and the
reviewer is told once.
"""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, col, select

from service.assignment.models import OPEN_STATUSES, Assignment, AssignmentStatus, ClosedReason
from service.auth.models import User
from service.db import utcnow
from service.i18n import N_, Text
from service.jobs import Job
from service.notifications.service import Notice, notify_all
from service.outbox.service import enqueue_all
from service.proposals.models import Proposal

_TOLD = {
    ClosedReason.withdrawn: N_("the applicant withdrew the proposal"),
    ClosedReason.decided: N_("the committee has decided on the proposal"),
    ClosedReason.quorum_reached: N_("enough reviews are in to decide"),
    ClosedReason.returned: N_("the proposal went back to its applicant"),
    ClosedReason.reviewer_removed: N_("you no longer sit on the committee"),
    ClosedReason.reviewer_deactivated: N_("your account was deactivated"),
}


def close_open_assignments(
    *,
    session: Session,
    reason: ClosedReason,
    proposal_ids: Sequence[UUID] = (),
    reviewer_id: UUID | None = None,
) -> list[Assignment]:
    """Cancel the open assignments of the proposals (or of the reviewer) and tell each reviewer.

    Returns the assignments closed; two statements and one batch of notices whatever the count.
    """
    if not proposal_ids and reviewer_id is None:
        return []
    which: list[ColumnElement[bool]] = [col(Assignment.status).in_(OPEN_STATUSES)]
    if proposal_ids:
        which.append(col(Assignment.proposal_id).in_(list(proposal_ids)))
    if reviewer_id is not None:
        which.append(col(Assignment.reviewer_id) == reviewer_id)
    closed = list(session.exec(select(Assignment).where(*which)))
    if not closed:
        return []
    session.execute(
        update(Assignment)
        .where(col(Assignment.id).in_([a.id for a in closed]))
        .values(status=AssignmentStatus.cancelled, closed_reason=reason, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    proposals = {
        p.id: p
        for p in session.exec(
            select(Proposal).where(col(Proposal.id).in_({a.proposal_id for a in closed}))
        )
    }
    reviewers = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_({a.reviewer_id for a in closed})))
    }
    notify_all(
        session=session,
        notices=[
            Notice(
                event="assignment.cancelled",
                proposal=proposals[a.proposal_id],
                recipients=[reviewers[a.reviewer_id]],
                subject=Text(
                    N_("Review no longer needed: %(title)s"),
                    {"title": proposals[a.proposal_id].title},
                ),
                body=Text(
                    N_(
                        "Your review of '%(title)s' is no longer needed: %(why)s. Nothing more "
                        "is expected of you for it."
                    ),
                    {"title": proposals[a.proposal_id].title, "why": Text(_TOLD[reason])},
                ),
                occurrence=str(a.id),
            )
            for a in closed
        ],
    )
    return closed


def release_reviewer(
    *,
    session: Session,
    reviewer_id: UUID,
    reason: ClosedReason,
    proposal_ids: Sequence[UUID] | None = None,
) -> list[Assignment]:
    """Close the reviewer's open assignments (on `proposal_ids`, or all) and staff them again.

    For a reviewer who leaves a committee or is deactivated: each proposal it leaves still
    being staffed or reviewed gets a replacement job.
    """
    if proposal_ids is not None and not proposal_ids:
        return []
    closed = close_open_assignments(
        session=session, reason=reason, proposal_ids=proposal_ids or (), reviewer_id=reviewer_id
    )
    enqueue_all(
        session=session,
        task=Job.replace_reviewers,
        payloads=[{"proposal_id": str(i)} for i in sorted({a.proposal_id for a in closed})],
    )
    return closed
