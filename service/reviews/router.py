"""Review endpoints: reviewers' assignments and reviews, the chair's reading and decision."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from service.assignment.models import AssignmentPublic, AssignmentStatus
from service.deps import CurrentUser, SessionDep
from service.pagination import Cursor, Limit, page_size
from service.reviews import discussion, quality, response, service
from service.reviews.schemas import (
    AssignmentDetail,
    AssignmentPage,
    BatchDecisionRequest,
    BatchDecisionResults,
    DecisionForApplicant,
    DecisionForCommittee,
    DecisionRequest,
    DeclineRequest,
    DiscussionCommentPublic,
    LetterPreviewRequest,
    MetaReviewPublic,
    ProposalReviews,
    RatingRequest,
    ReconsiderRequest,
    ResponseRound,
    ReviewDraft,
    ReviewerQuality,
    ReviewPublic,
    TextRequest,
)

# A review round (a proposal version); the current one when absent.
Round = Annotated[int | None, Query(ge=1, description="a round (version); the current if absent")]

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


@router.get("/assignments/{assignment_id}", response_model=AssignmentDetail)
def read_assignment(
    session: SessionDep, user: CurrentUser, assignment_id: UUID
) -> AssignmentDetail:
    """One of my assignments: the proposal's title and summary, the rubric, my review so far."""
    return service.assignment_detail(session=session, user=user, assignment_id=assignment_id)


@router.get("/assignments/{assignment_id}/review", response_model=ReviewPublic)
def read_review(session: SessionDep, user: CurrentUser, assignment_id: UUID) -> ReviewPublic:
    """My saved draft (or submitted review) on this assignment."""
    review = service.own_review(session=session, user=user, assignment_id=assignment_id)
    return ReviewPublic.model_validate(review)


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
def read_reviews(
    session: SessionDep,
    user: CurrentUser,
    proposal_id: UUID,
    version: Round = None,
) -> ProposalReviews:
    """The submitted reviews of a version with their aggregate (committee only)."""
    return service.reviews_for(session=session, user=user, proposal_id=proposal_id, version=version)


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


@router.post("/decisions", response_model=BatchDecisionResults)
def decide_proposals(
    session: SessionDep, user: CurrentUser, data: BatchDecisionRequest
) -> BatchDecisionResults:
    """Decide a set of proposals with the same outcome, each with its own letter: each one
    decided or refused on its own (its `status`, `error` and `detail` say why), in order."""
    results = service.decide_batch(
        session=session,
        user=user,
        outcome=data.outcome,
        rationale=data.rationale,
        letters=[(item.proposal_id, item.message_to_applicant) for item in data.items],
    )
    session.commit()
    return BatchDecisionResults(results=results)


@router.post("/proposals/{proposal_id}/decision/preview", response_model=DecisionForApplicant)
def preview_letter(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, data: LetterPreviewRequest
) -> DecisionForApplicant:
    """The letter as the applicant would receive it with this outcome and message; nothing is
    stored (the proposal's chair, free of conflicts)."""
    return service.letter_preview(
        session=session,
        user=user,
        proposal_id=proposal_id,
        outcome=data.outcome,
        message=data.message_to_applicant,
    )


@router.get(
    "/proposals/{proposal_id}/decision",
    response_model=DecisionForCommittee | DecisionForApplicant,
)
def read_decision(
    session: SessionDep,
    user: CurrentUser,
    proposal_id: UUID,
    version: Round = None,
) -> DecisionForApplicant | DecisionForCommittee:
    """A round's decision; applicants see the outcome, the message and the anonymous comments."""
    return service.decision_for(
        session=session, user=user, proposal_id=proposal_id, version=version
    )


@router.get("/proposals/{proposal_id}/discussion", response_model=list[DiscussionCommentPublic])
def read_discussion(
    session: SessionDep,
    user: CurrentUser,
    proposal_id: UUID,
    version: Round = None,
) -> list[DiscussionCommentPublic]:
    """The committee's discussion of a round: its chair and the reviewers who submitted."""
    return discussion.discussion(
        session=session, user=user, proposal_id=proposal_id, version=version
    )


@router.post(
    "/proposals/{proposal_id}/discussion",
    response_model=DiscussionCommentPublic,
    status_code=201,
)
def add_to_discussion(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, data: TextRequest
) -> DiscussionCommentPublic:
    written = discussion.comment(
        session=session, user=user, proposal_id=proposal_id, body=data.body
    )
    session.commit()
    return DiscussionCommentPublic.model_validate(written).model_copy(
        update={"author_name": user.full_name}
    )


@router.put("/proposals/{proposal_id}/meta-review", response_model=MetaReviewPublic)
def put_meta_review(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, data: TextRequest
) -> MetaReviewPublic:
    """The chair's synthesis of the round; it goes out with the decision, to the applicant too."""
    meta = discussion.write_meta_review(
        session=session, user=user, proposal_id=proposal_id, body=data.body
    )
    session.commit()
    return MetaReviewPublic.model_validate(meta)


@router.post("/assignments/{assignment_id}/reconsider", response_model=AssignmentPublic)
def reconsider_review(
    session: SessionDep, user: CurrentUser, assignment_id: UUID, data: ReconsiderRequest
) -> AssignmentPublic:
    """The chair asks the reviewer to reconsider: the review reopens, its submission kept."""
    assignment = discussion.ask_to_reconsider(
        session=session, user=user, assignment_id=assignment_id, reason=data.reason
    )
    session.commit()
    return AssignmentPublic.model_validate(assignment)


@router.get("/proposals/{proposal_id}/response", response_model=ResponseRound)
def read_response_round(session: SessionDep, user: CurrentUser, proposal_id: UUID) -> ResponseRound:
    """The comments for applicants (Reviewer A, B, ...) and the applicant's answer."""
    return response.response_round(session=session, user=user, proposal_id=proposal_id)


@router.post("/proposals/{proposal_id}/response", response_model=ResponseRound)
def answer_reviews(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, data: TextRequest
) -> ResponseRound:
    """The applicant's one answer to the reviews; deliberation opens."""
    answered = response.respond(session=session, user=user, proposal_id=proposal_id, body=data.body)
    session.commit()
    return answered


@router.put("/reviews/{review_id}/rating", status_code=204)
def rate_review(
    session: SessionDep, user: CurrentUser, review_id: UUID, data: RatingRequest
) -> None:
    """A chair says whether a submitted review helped; seen by chairs and admins only."""
    quality.rate(session=session, user=user, review_id=review_id, helpful=data.helpful)
    session.commit()


@router.get("/committees/{committee_id}/reviewers", response_model=list[ReviewerQuality])
def committee_reviewers(
    session: SessionDep, user: CurrentUser, committee_id: UUID
) -> list[ReviewerQuality]:
    """Each reviewer's timeliness, review length, agreement with decisions, declines and
    ratings (the committee's chairs and admins)."""
    return quality.reviewer_quality(session=session, user=user, committee_id=committee_id)
