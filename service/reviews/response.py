"""The applicant's response round: the reviews' comments for applicants, answered once.

When a committee gives applicants time to answer (`applicant_response_days` > 0), reaching the
quorum opens this round instead of deliberation. The applicant reads the comments meant for it,
labelled Reviewer A, B, C (never names), and may answer once; the answer, or the end of its
time (the deadline scan), opens deliberation, and the reviewers and the chair read it.
"""

from datetime import datetime, timedelta
from string import ascii_uppercase
from uuid import UUID

from sqlmodel import Session, col, select

from service import policy
from service.auth.models import User
from service.committees.models import Committee
from service.errors import Conflict
from service.i18n import N_, Text
from service.notifications.service import notify
from service.proposals.models import Proposal
from service.reviews.models import ApplicantResponse, Review
from service.reviews.schemas import LabelledComment, ResponseRound
from service.reviews.service import tell_chairs_ready
from service.workflow.moves import Move, move, move_all
from service.workflow.table import Actor, Event, State


def _submitted(session: Session, proposal: Proposal) -> list[Review]:
    return list(
        session.exec(
            select(Review)
            .where(
                Review.proposal_id == proposal.id,
                Review.proposal_version == proposal.version,
                col(Review.submitted_at).is_not(None),
            )
            .order_by(col(Review.submitted_at), col(Review.id))
        )
    )


def _deadline(session: Session, proposal: Proposal) -> datetime | None:
    committee = session.get(Committee, proposal.committee_id) if proposal.committee_id else None
    if committee is None or proposal.state != State.applicant_response:
        return None
    return proposal.state_entered_at + timedelta(days=committee.applicant_response_days)


def response_round(*, session: Session, user: User, proposal_id: UUID) -> ResponseRound:
    """The current round's comments for applicants, labelled, and the applicant's answer."""
    proposal = policy.readable(session=session, user=user, proposal_id=proposal_id)
    reviews = _submitted(session, proposal)
    answer = session.exec(
        select(ApplicantResponse).where(
            ApplicantResponse.proposal_id == proposal.id,
            ApplicantResponse.proposal_version == proposal.version,
        )
    ).first()
    return ResponseRound(
        proposal_id=proposal.id,
        proposal_version=proposal.version,
        open=proposal.state == State.applicant_response and answer is None,
        closes_at=_deadline(session, proposal),
        comments=[
            LabelledComment(
                reviewer=f"Reviewer {ascii_uppercase[i % 26]}", comment=r.comments_for_applicant
            )
            for i, r in enumerate(reviews)
            if r.comments_for_applicant.strip()
        ],
        response=answer.body if answer else None,
        responded_at=answer.created_at if answer else None,
    )


def respond(*, session: Session, user: User, proposal_id: UUID, body: str) -> ResponseRound:
    """The applicant's one answer: stored, the round closed, the committee told."""
    proposal = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.respond
    ).proposal
    if proposal.state != State.applicant_response:
        raise Conflict(
            f"the proposal is {proposal.state}: answers are taken while it is applicant_response",
            state=proposal.state,
        )
    session.add(
        ApplicantResponse(
            proposal_id=proposal.id,
            proposal_version=proposal.version,
            author_id=user.id,
            body=body,
        )
    )
    move(
        session=session,
        proposal=proposal,
        event=Event.respond,
        actor=Actor.applicant,
        actor_id=user.id,
        reason="the applicant answered the reviews",
    )
    reviewers = session.exec(
        select(User).where(col(User.id).in_([r.reviewer_id for r in _submitted(session, proposal)]))
    ).all()
    notify(
        session=session,
        event="proposal.response",
        proposal=proposal,
        recipients=list(reviewers),
        subject=Text(
            N_("The applicant answered the reviews of %(title)s"), {"title": proposal.title}
        ),
        body=[Text(N_("The applicant's answer to the reviews:")), "", body],
        occurrence=str(proposal.version),
    )
    tell_chairs_ready(session=session, proposal=proposal, reviews=len(reviewers))
    session.flush()
    return response_round(session=session, user=user, proposal_id=proposal.id)


def close_expired_responses(session: Session, now: datetime) -> int:
    """Open deliberation for proposals whose response time is up (a deadline scan)."""
    waiting = session.exec(
        select(Proposal, Committee)
        .join(Committee, col(Committee.id) == col(Proposal.committee_id))
        .where(Proposal.state == State.applicant_response)
    ).all()
    late = [
        p
        for p, c in waiting
        if p.state_entered_at + timedelta(days=c.applicant_response_days) <= now
    ]
    move_all(
        session=session,
        moves=[
            Move(p, Event.close_response, Actor.system, reason="the time to answer is up")
            for p in late
        ],
    )
    for proposal in late:
        tell_chairs_ready(
            session=session, proposal=proposal, reviews=len(_submitted(session, proposal))
        )
    return len(late)
