"""The committee's discussion of a round, the chair's meta-review, and reconsiderations.

Once a reviewer has submitted, it may read the round's discussion and write in it beside the
chair; the applicant never sees it. The chair's meta-review is the committee's synthesis and
goes out with the decision. A chair may ask a reviewer to reconsider a submitted review: the
review reopens as a draft and the version it reopened from is kept.
"""

from uuid import UUID

from sqlmodel import Session, col, select

from service import policy
from service.assignment.models import Assignment, AssignmentStatus
from service.auth.models import User
from service.errors import Conflict, NotFound
from service.i18n import N_, Text
from service.notifications.service import notify
from service.proposals.models import Proposal
from service.reviews.models import DiscussionComment, MetaReview, Review, ReviewReopening
from service.reviews.schemas import DiscussionCommentPublic, ReviewPublic
from service.reviews.service import ROUND_STATES, meta_review_of


def _in_round(proposal: Proposal, action: str) -> None:
    if proposal.state not in ROUND_STATES:
        raise Conflict(
            f"cannot {action}: the proposal is {proposal.state}, not in a review round",
            state=proposal.state,
        )


def discussion(
    *, session: Session, user: User, proposal_id: UUID, version: int | None = None
) -> list[DiscussionCommentPublic]:
    """A round's discussion (the current one by default), oldest first, with its authors."""
    found = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.read_discussion
    )
    wanted = found.proposal.version if version is None else version
    rows = session.exec(
        select(DiscussionComment, User.full_name)
        .join(User, col(User.id) == col(DiscussionComment.author_id))
        .where(
            DiscussionComment.proposal_id == proposal_id,
            DiscussionComment.proposal_version == wanted,
        )
        .order_by(col(DiscussionComment.created_at), col(DiscussionComment.id))
    ).all()
    return [
        DiscussionCommentPublic.model_validate(comment).model_copy(update={"author_name": name})
        for comment, name in rows
    ]


def comment(*, session: Session, user: User, proposal_id: UUID, body: str) -> DiscussionComment:
    """Add to the current round's discussion (the chair, or a reviewer who submitted)."""
    proposal = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.discuss
    ).proposal
    _in_round(proposal, "discuss it")
    written = DiscussionComment(
        proposal_id=proposal.id, proposal_version=proposal.version, author_id=user.id, body=body
    )
    session.add(written)
    session.flush()
    return written


def write_meta_review(*, session: Session, user: User, proposal_id: UUID, body: str) -> MetaReview:
    """The chair's synthesis of the current round (written again, it replaces the last)."""
    proposal = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.decide
    ).proposal
    _in_round(proposal, "write the meta-review")
    meta = meta_review_of(session=session, proposal_id=proposal.id, version=proposal.version)
    if meta is None:
        meta = MetaReview(
            proposal_id=proposal.id, proposal_version=proposal.version, author_id=user.id, body=body
        )
    meta.sqlmodel_update({"body": body, "author_id": user.id})
    session.add(meta)
    session.flush()
    return meta


def ask_to_reconsider(
    *, session: Session, user: User, assignment_id: UUID, reason: str
) -> Assignment:
    """Reopen a submitted review of the current round as a draft; the reviewer is told why."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(f"assignment {assignment_id} not found")
    proposal = policy.access(
        session=session,
        user=user,
        proposal_id=assignment.proposal_id,
        action=policy.Action.manage_reviewers,
    ).proposal
    _in_round(proposal, "reopen a review")
    review = session.exec(select(Review).where(Review.assignment_id == assignment.id)).first()
    if (
        assignment.status != AssignmentStatus.submitted
        or review is None
        or assignment.proposal_version != proposal.version
    ):
        raise Conflict(
            "only a submitted review of the current round can be reconsidered",
            status=assignment.status,
        )
    session.add(
        ReviewReopening(
            review_id=review.id,
            asked_by=user.id,
            reason=reason,
            submitted=ReviewPublic.model_validate(review).model_dump(mode="json"),
        )
    )
    review.submitted_at = None
    assignment.status = AssignmentStatus.accepted
    session.add_all([review, assignment])
    reviewer = session.get(User, assignment.reviewer_id)
    assert reviewer is not None
    notify(
        session=session,
        event="review.reconsider",
        proposal=proposal,
        recipients=[reviewer],
        subject=Text(N_("Please reconsider your review of %(title)s"), {"title": proposal.title}),
        body=[
            Text(
                N_("The chair asks you to reconsider your review of '%(title)s':"),
                {"title": proposal.title},
            ),
            reason,
            Text(N_("Your review is open again as a draft; submit it when you are done.")),
        ],
        # One notice per reopening: the count of earlier ones tells them apart.
        occurrence=f"{assignment.id}:{len(reopenings(session=session, review_id=review.id))}",
    )
    session.flush()
    return assignment


def reopenings(*, session: Session, review_id: UUID) -> list[ReviewReopening]:
    return list(
        session.exec(
            select(ReviewReopening)
            .where(ReviewReopening.review_id == review_id)
            .order_by(col(ReviewReopening.created_at))
        )
    )
