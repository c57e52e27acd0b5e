"""Reviewer quality signals for the chair: timeliness, length, agreement, declines, ratings.

Computed from the stored assignments, reviews, decisions and ratings with one aggregate query
each, for the committee's current reviewers; shown to its chairs and admins only.
"""

from collections import Counter
from datetime import datetime
from uuid import UUID

from sqlmodel import Session, col, func, select

from service import policy
from service.assignment.models import Assignment, AssignmentStatus
from service.auth.models import User
from service.committees.models import MemberRole
from service.committees.service import members
from service.errors import Conflict, NotFound
from service.proposals.models import Proposal
from service.reviews.models import Decision, Outcome, Recommendation, Review, ReviewRating
from service.reviews.schemas import ReviewerQuality

# The recommendation that agrees with each outcome.
_AGREES = {
    Outcome.approved: Recommendation.approve,
    Outcome.rejected: Recommendation.reject,
    Outcome.revision_requested: Recommendation.revise,
}


def rate(*, session: Session, user: User, review_id: UUID, helpful: bool) -> ReviewRating:
    """A chair of the review's proposal says whether it helped (again: it changes its word)."""
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound(f"review {review_id} not found")
    policy.access(
        session=session,
        user=user,
        proposal_id=review.proposal_id,
        action=policy.Action.manage_reviewers,
    )
    if review.submitted_at is None:
        raise Conflict("only a submitted review can be rated")
    rating = session.exec(
        select(ReviewRating).where(
            ReviewRating.review_id == review.id, ReviewRating.rated_by == user.id
        )
    ).first() or ReviewRating(review_id=review.id, rated_by=user.id, helpful=helpful)
    rating.helpful = helpful
    session.add(rating)
    session.flush()
    return rating


def reviewer_quality(*, session: Session, user: User, committee_id: UUID) -> list[ReviewerQuality]:
    """Each current reviewer of the committee, with the signals of its work for it."""
    policy.committee_chaired(session=session, user=user, committee_id=committee_id)
    reviewers = members(session=session, committee_id=committee_id, seat=MemberRole.reviewer)
    ids = [r.id for r in reviewers]
    of_committee = select(Proposal.id).where(Proposal.committee_id == committee_id)
    declines = Counter(
        dict(
            session.exec(
                select(Assignment.reviewer_id, func.count())
                .where(
                    col(Assignment.reviewer_id).in_(ids),
                    col(Assignment.proposal_id).in_(of_committee),
                    Assignment.status == AssignmentStatus.declined,
                )
                .group_by(col(Assignment.reviewer_id))
            ).all()
        )
    )
    submitted = session.exec(
        select(Review, Assignment.due_at, Decision.outcome)
        .join(Assignment, col(Assignment.id) == col(Review.assignment_id))
        .join(
            Decision,
            (col(Decision.proposal_id) == col(Review.proposal_id))
            & (col(Decision.proposal_version) == col(Review.proposal_version)),
            isouter=True,
        )
        .where(
            col(Review.reviewer_id).in_(ids),
            col(Review.proposal_id).in_(of_committee),
            col(Review.submitted_at).is_not(None),
        )
    ).all()
    ratings = session.exec(
        select(Review.reviewer_id, ReviewRating.helpful)
        .join(Review, col(Review.id) == col(ReviewRating.review_id))
        .where(col(Review.reviewer_id).in_(ids), col(Review.proposal_id).in_(of_committee))
    ).all()
    return [
        _signals(
            reviewer,
            [(r, due, outcome) for r, due, outcome in submitted if r.reviewer_id == reviewer.id],
            declines[reviewer.id],
            [helpful for rid, helpful in ratings if rid == reviewer.id],
        )
        for reviewer in reviewers
    ]


def _signals(
    reviewer: User,
    reviews: list[tuple[Review, datetime | None, str | None]],
    declines: int,
    rated: list[bool],
) -> ReviewerQuality:
    late = sum(
        1 for r, due, _ in reviews if due is not None and r.submitted_at and r.submitted_at > due
    )
    lengths = [len(r.comments_for_applicant) + len(r.confidential_comments) for r, _, _ in reviews]
    decided = [(r, Outcome(o)) for r, _, o in reviews if o is not None]
    agreed = sum(r.recommendation == _AGREES[outcome] for r, outcome in decided)
    return ReviewerQuality(
        reviewer_id=reviewer.id,
        name=reviewer.full_name,
        reviews_submitted=len(reviews),
        on_time=len(reviews) - late,
        late=late,
        average_length=round(sum(lengths) / len(lengths)) if lengths else None,
        agreement_with_decision=round(agreed / len(decided), 3) if decided else None,
        declines=declines,
        rated_helpful=sum(rated),
        rated_not_helpful=len(rated) - sum(rated),
    )
