"""Review endpoints: reviewers' assignments and reviews, the chair's reading and decision."""

from uuid import UUID

from fastapi import APIRouter

from service.assignment.models import AssignmentStatus
from service.deps import CurrentUser, SessionDep
from service.pagination import Cursor, Limit, page_size
from service.reviews import service
from service.reviews.schemas import (
    AssignmentPage,
    AssignmentPublic,
    DecisionForApplicant,
    DecisionForCommittee,
    DecisionRequest,
    DeclineRequest,
    ProposalReviews,
    ReviewDraft,
    ReviewPublic,
)

router = APIRouter(tags=["reviews"])


@router.get("/assignments", response_model=AssignmentPage)
def list_assignments(
    session: SessionDep,
    user: CurrentUser,
    status: AssignmentStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> AssignmentPage:
    """The caller's review assignments, soonest due first; follow `next_cursor` for more."""
    items, next_cursor = service.list_assignments(
        session=session, user=user, status=status, limit=page_size(limit), cursor=cursor
    )
    return AssignmentPage(items=items, next_cursor=next_cursor)


@router.post("/assignments/{assignment_id}/accept", response_model=AssignmentPublic)
def accept_assignment(
    session: SessionDep, user: CurrentUser, assignment_id: UUID
) -> AssignmentPublic:
    """Accept an invitation to review (declaring, by doing so, no conflict of interest)."""
    assignment = service.accept(session=session, user=user, assignment_id=assignment_id)
    session.commit()
    return AssignmentPublic.model_validate(assignment)


@router.post("/assignments/{assignment_id}/decline", response_model=AssignmentPublic)
def decline_assignment(
    session: SessionDep, user: CurrentUser, assignment_id: UUID, data: DeclineRequest
) -> AssignmentPublic:
    """Decline an assignment, saying why; a conflict of interest is recorded."""
    assignment = service.decline(
        session=session,
        user=user,
        assignment_id=assignment_id,
        reason=data.reason,
        conflict_of_interest=data.conflict_of_interest,
    )
    session.commit()
    return AssignmentPublic.model_validate(assignment)


@router.put("/assignments/{assignment_id}/review", response_model=ReviewPublic)
def save_review(
    session: SessionDep, user: CurrentUser, assignment_id: UUID, data: ReviewDraft
) -> ReviewPublic:
    """Save the draft review (the whole draft; scores may be partial). Accept first."""
    review = service.save_draft(session=session, user=user, assignment_id=assignment_id, draft=data)
    session.commit()
    return ReviewPublic.model_validate(review)


@router.post("/assignments/{assignment_id}/review/submit", response_model=ReviewPublic)
def submit_review(session: SessionDep, user: CurrentUser, assignment_id: UUID) -> ReviewPublic:
    """Submit the saved review; every criterion, the recommendation and confidence needed."""
    review = service.submit_review(session=session, user=user, assignment_id=assignment_id)
    session.commit()
    return ReviewPublic.model_validate(review)


@router.get("/proposals/{proposal_id}/reviews", response_model=ProposalReviews)
def read_reviews(session: SessionDep, user: CurrentUser, proposal_id: UUID) -> ProposalReviews:
    """The submitted reviews of the current version with their aggregate (committee only)."""
    return service.reviews_for(session=session, user=user, proposal_id=proposal_id)


@router.post("/proposals/{proposal_id}/decision", response_model=DecisionForCommittee)
def decide_proposal(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, data: DecisionRequest
) -> DecisionForCommittee:
    """The chair decides: approved, rejected or revision_requested; the applicant is told."""
    decided = service.decide(
        session=session,
        user=user,
        proposal_id=proposal_id,
        outcome=data.outcome,
        rationale=data.rationale,
        message_to_applicant=data.message_to_applicant,
    )
    session.commit()
    return decided


@router.get(
    "/proposals/{proposal_id}/decision",
    response_model=DecisionForCommittee | DecisionForApplicant,
)
def read_decision(
    session: SessionDep, user: CurrentUser, proposal_id: UUID
) -> DecisionForApplicant | DecisionForCommittee:
    """The decision; applicants see the outcome, the message and the anonymous comments."""
    return service.decision_for(session=session, user=user, proposal_id=proposal_id)
