"""Reviews: reviewers answer their assignments and review, the quorum opens deliberation, the
chair decides.

Service functions flush but never commit: the request or the task that calls them owns the
transaction. Every function taking a client-supplied id checks the caller against the object:
who may not know it exists gets NotFound, who may see it but not act gets Forbidden.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlmodel import Session, col, func, select

from service import policy
from service.assignment.models import (
    OPEN_STATUSES,
    READING_STATUSES,
    Assignment,
    AssignmentStatus,
    ConflictRecord,
)
from service.auth.models import User
from service.auth.service import applicants_of
from service.committees.models import Committee, MemberRole
from service.committees.service import members
from service.config import get_settings
from service.db import utcnow
from service.errors import Conflict, DomainError, InvalidInput, NotFound
from service.i18n import N_, Text
from service.jobs import Job
from service.notifications.service import notify
from service.outbox.service import enqueue
from service.pagination import keyset, split_page
from service.proposals.models import Proposal
from service.reviews.aggregate import aggregate
from service.reviews.models import Decision, MetaReview, Outcome, Review, ReviewAggregate
from service.reviews.schemas import (
    AssignmentDetail,
    AssignmentItem,
    BatchDecisionResult,
    DecisionForApplicant,
    DecisionForCommittee,
    ProposalReviews,
    ReviewDraft,
    ReviewPublic,
)
from service.workflow.moves import move
from service.workflow.table import Actor, Event, GuardContext, State

# While a round is open to its committee: reviews come in (a reconsidered one too), the
# applicant answers, the chair weighs them.
ROUND_STATES = (State.in_review, State.applicant_response, State.deliberation)
# The proposal states in which an assignment still matters (a declined one needs replacing).
_STAFFING_STATES = (State.assignment, State.in_review)

_DECISION_EVENTS = {
    Outcome.approved: Event.approve,
    Outcome.rejected: Event.reject,
    Outcome.revision_requested: Event.request_revision,
}
# The outcome as the decision e-mail words it, in the applicant's language.
_OUTCOME_TOLD = {
    Outcome.approved: N_("approved"),
    Outcome.rejected: N_("rejected"),
    Outcome.revision_requested: N_("revision requested"),
}


# --- who is who -------------------------------------------------------------------------------


def _committee(*, session: Session, proposal: Proposal) -> Committee:
    committee = session.get(Committee, proposal.committee_id) if proposal.committee_id else None
    if committee is None:
        # Only routed proposals reach review; this is a fault, not a user error.
        raise RuntimeError(f"proposal {proposal.id} in {proposal.state} has no committee")
    return committee


def _chairs(*, session: Session, proposal: Proposal) -> list[User]:
    """The chairs who act on the proposal: its committee's, less any in conflict with it."""
    assert proposal.committee_id is not None, "only routed proposals reach the chairs"
    chairs = members(session=session, committee_id=proposal.committee_id, seat=MemberRole.chair)
    return policy.chairs_free_of_conflict(session=session, proposal=proposal, chairs=chairs)


def _applicants(*, session: Session, proposal: Proposal) -> list[User]:
    return applicants_of(session=session, organisation_ids=[proposal.organisation_id])[
        proposal.organisation_id
    ]


# --- assignments ------------------------------------------------------------------------------


# Where an assignment without a due date sorts: after every dated one.
_UNDATED = datetime(9999, 12, 31, tzinfo=UTC)


def list_assignments(
    *,
    session: Session,
    user: User,
    status: AssignmentStatus | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[AssignmentItem], str | None]:
    """A page of the caller's own assignments, soonest due first (undated last), newest
    first among equals, and the cursor of the next page."""
    policy.require_committee_member(user)
    query = (
        select(Assignment, Proposal)
        .join(Proposal, col(Proposal.id) == col(Assignment.proposal_id))
        .where(Assignment.reviewer_id == user.id)
    )
    if status is not None:
        query = query.where(Assignment.status == status)
    # Undated assignments sort as due at the end of time, so the keyset has no NULL in it.
    due = func.coalesce(col(Assignment.due_at), _UNDATED)
    key = [(due, True), (col(Assignment.created_at), False), (col(Assignment.id), True)]
    rows, next_cursor = split_page(
        session.exec(keyset(query, key, cursor, [datetime, datetime, UUID], limit)).all(),
        limit,
        lambda row: (row[0].due_at or _UNDATED, row[0].created_at, row[0].id),
    )
    items = [
        AssignmentItem(
            id=assignment.id,
            proposal_id=proposal.id,
            # A closed assignment keeps its history, not a window on the proposal.
            proposal_title=proposal.title if assignment.status in READING_STATUSES else None,
            proposal_state=proposal.state if assignment.status in READING_STATUSES else None,
            proposal_version=assignment.proposal_version,
            status=assignment.status,
            due_at=assignment.due_at,
            created_at=assignment.created_at,
        )
        for assignment, proposal in rows
    ]
    return items, next_cursor


def _own_assignment(
    *, session: Session, user: User, assignment_id: UUID
) -> tuple[Assignment, Proposal]:
    """The caller's assignment, locked against a concurrent answer, and its proposal.

    The committee's chairs and admins may know the assignment exists (403); others get 404.
    """
    assignment = session.exec(
        select(Assignment)
        .where(Assignment.id == assignment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    assignment = policy.own_assignment(session=session, user=user, assignment=assignment)
    proposal = session.get(Proposal, assignment.proposal_id)
    assert proposal is not None, "an assignment's proposal is never deleted"
    return assignment, proposal


def _refuse_unless(assignment: Assignment, *allowed: AssignmentStatus, action: str) -> None:
    if assignment.status not in allowed:
        raise Conflict(
            f"cannot {action}: the assignment is {assignment.status}",
            status=assignment.status,
        )


def _refuse_if_superseded(assignment: Assignment, proposal: Proposal, *, action: str) -> None:
    if assignment.proposal_version != proposal.version:
        raise Conflict(
            f"cannot {action}: the assignment is for version {assignment.proposal_version}, "
            f"the proposal is at version {proposal.version}"
        )


def accept(*, session: Session, user: User, assignment_id: UUID) -> Assignment:
    """The reviewer takes the invitation (invited -> accepted); accepting twice is harmless."""
    assignment, proposal = _own_assignment(session=session, user=user, assignment_id=assignment_id)
    if assignment.status == AssignmentStatus.accepted:
        return assignment
    _refuse_unless(assignment, AssignmentStatus.invited, action="accept")
    if proposal.state not in _STAFFING_STATES:
        raise Conflict(
            f"the proposal is {proposal.state}; it no longer needs reviewers", state=proposal.state
        )
    _refuse_if_superseded(assignment, proposal, action="accept")
    assignment.status = AssignmentStatus.accepted
    session.flush()
    return assignment


def decline(
    *,
    session: Session,
    user: User,
    assignment_id: UUID,
    reason: str,
    conflict_of_interest: bool,
) -> Assignment:
    """The reviewer gives the slot back (invited or accepted -> declined).

    A declared conflict of interest is recorded, so the solver never offers this proposal to
    this reviewer again. While the proposal is still being staffed or reviewed, the pipeline is
    asked for a replacement.
    """
    assignment, proposal = _own_assignment(session=session, user=user, assignment_id=assignment_id)
    _refuse_unless(assignment, *OPEN_STATUSES, action="decline")
    assignment.status = AssignmentStatus.declined
    assignment.decline_reason = reason
    assignment.declined_for_conflict = conflict_of_interest
    if conflict_of_interest:
        session.add(
            ConflictRecord(
                reviewer_id=user.id, proposal_id=proposal.id, reason=reason, recorded_by=user.id
            )
        )
    if proposal.state in _STAFFING_STATES:
        enqueue(session=session, task=Job.replace_reviewers, proposal_id=str(proposal.id))
    session.flush()
    return assignment


def assignment_detail(*, session: Session, user: User, assignment_id: UUID) -> AssignmentDetail:
    """The caller's assignment with the proposal's title and summary, the rubric and its review.

    An invited reviewer reads the title and summary here to decide; the proposal itself waits
    for its acceptance. A closed assignment shows neither.
    """
    assignment = policy.own_assignment(
        session=session, user=user, assignment=session.get(Assignment, assignment_id)
    )
    proposal = session.get(Proposal, assignment.proposal_id)
    assert proposal is not None, "an assignment's proposal is never deleted"
    committee = _committee(session=session, proposal=proposal)
    review = _draft_of(session=session, assignment=assignment)
    open_or_done = assignment.status in READING_STATUSES
    return AssignmentDetail(
        id=assignment.id,
        proposal_id=proposal.id,
        proposal_version=assignment.proposal_version,
        status=assignment.status,
        closed_reason=assignment.closed_reason,
        due_at=assignment.due_at,
        proposal_title=proposal.title if open_or_done else None,
        proposal_summary=proposal.summary if open_or_done else None,
        proposal_state=proposal.state if open_or_done else None,
        rubric=committee.rubric,
        review=ReviewPublic.model_validate(review) if review else None,
    )


def own_review(*, session: Session, user: User, assignment_id: UUID) -> Review:
    """The caller's saved draft or submitted review on its assignment (404 before the first)."""
    assignment = policy.own_assignment(
        session=session, user=user, assignment=session.get(Assignment, assignment_id)
    )
    review = _draft_of(session=session, assignment=assignment)
    if review is None:
        raise NotFound(f"assignment {assignment_id} has no review saved yet")
    return review


# --- writing a review -------------------------------------------------------------------------


def _reviewable(
    *, session: Session, user: User, assignment_id: UUID, action: str
) -> tuple[Assignment, Proposal]:
    """The caller's accepted assignment on a proposal in review, for the version under review.

    An invited assignment must be accepted first (409), rather than accepted implicitly: the
    acceptance is the reviewer's statement that it has no conflict of interest.
    """
    assignment, proposal = _own_assignment(session=session, user=user, assignment_id=assignment_id)
    if assignment.status == AssignmentStatus.invited:
        raise Conflict(f"cannot {action}: accept the assignment first", status=assignment.status)
    _refuse_unless(assignment, AssignmentStatus.accepted, action=action)
    if proposal.state not in ROUND_STATES:
        raise Conflict(
            f"cannot {action}: the proposal is {proposal.state}, reviews are taken only while "
            "its review round is open",
            state=proposal.state,
        )
    _refuse_if_superseded(assignment, proposal, action=action)
    return assignment, proposal


def _draft_of(*, session: Session, assignment: Assignment) -> Review | None:
    # An assignment is for one version (a revised version gets new assignments), so its one
    # review is always of that version.
    return session.exec(select(Review).where(Review.assignment_id == assignment.id)).first()


def save_draft(*, session: Session, user: User, assignment_id: UUID, draft: ReviewDraft) -> Review:
    """Store the reviewer's draft (replacing the previous one); scores may be partial.

    Criterion keys must be in the committee's rubric (422 naming the key).
    """
    assignment, proposal = _reviewable(
        session=session, user=user, assignment_id=assignment_id, action="save the review"
    )
    rubric_keys = {str(c["key"]) for c in _committee(session=session, proposal=proposal).rubric}
    for key in draft.scores:
        if key not in rubric_keys:
            raise InvalidInput(
                f"scores.{key}: not a criterion of the committee's rubric "
                f"({', '.join(sorted(rubric_keys))})",
                field=f"scores.{key}",
            )
    review = _draft_of(session=session, assignment=assignment) or Review(
        assignment_id=assignment.id,
        proposal_id=proposal.id,
        reviewer_id=user.id,
        proposal_version=assignment.proposal_version,
    )
    review.sqlmodel_update(draft.model_dump(mode="json"))
    session.add(review)
    session.flush()
    return review


def submit_review(*, session: Session, user: User, assignment_id: UUID) -> Review:
    """Hand in the saved draft: every criterion scored, a recommendation and a confidence.

    The assignment becomes `submitted` and the quorum check is queued for the worker.
    """
    assignment, proposal = _reviewable(
        session=session, user=user, assignment_id=assignment_id, action="submit the review"
    )
    review = _draft_of(session=session, assignment=assignment)
    rubric = _committee(session=session, proposal=proposal).rubric
    scores = review.scores if review else {}
    missing = [f"scores.{c['key']}" for c in rubric if str(c["key"]) not in scores]
    if review is None or review.recommendation is None:
        missing.append("recommendation")
    if review is None or review.confidence is None:
        missing.append("confidence")
    if review is None or missing:
        raise InvalidInput(
            "the review is incomplete; missing: " + ", ".join(missing),
            fields=[{"field": name, "message": "required to submit"} for name in missing],
        )
    review.submitted_at = utcnow()
    assignment.status = AssignmentStatus.submitted
    enqueue(session=session, task=Job.check_quorum, proposal_id=str(proposal.id))
    session.flush()
    return review


# --- the quorum (worker) ----------------------------------------------------------------------


def _submitted(*, session: Session, proposal_id: UUID, version: int) -> list[Review]:
    query = (
        select(Review)
        .where(
            Review.proposal_id == proposal_id,
            Review.proposal_version == version,
            col(Review.submitted_at).is_not(None),
        )
        .order_by(col(Review.submitted_at), col(Review.id))
    )
    return list(session.exec(query))


def tell_chairs_ready(*, session: Session, proposal: Proposal, reviews: int) -> None:
    """Tell the chairs free to act that the proposal waits for their decision."""
    link = f"{get_settings().public_url}/api/v1/proposals/{proposal.id}/reviews"
    chairs = _chairs(session=session, proposal=proposal)
    if not chairs:
        # Shown in the queue view's list of proposals carrying an error.
        proposal.last_error = (
            "no chair of the committee is free of conflicts with this proposal: "
            "seat another chair to decide it"
        )
    notify(
        session=session,
        event="proposal.deliberation",
        proposal=proposal,
        recipients=chairs,
        subject=Text(N_("Ready for decision: %(title)s"), {"title": proposal.title}),
        body=Text(
            N_(
                '%(reviews)s reviews of version %(version)s of "%(title)s" are in. The reviews '
                "and their aggregate: %(link)s"
            ),
            {
                "reviews": reviews,
                "version": proposal.version,
                "title": proposal.title,
                "link": link,
            },
        ),
        occurrence=str(proposal.version),
    )


def check_quorum(*, session: Session, proposal_id: UUID) -> bool:
    """Open deliberation once the committee's quorum of reviews is in; True if it moved.

    Called by the worker after each submitted review. Stores the aggregate of the version's
    submitted reviews, moves the proposal in_review -> deliberation as the system and tells the
    committee's chairs. Idempotent: a proposal not in review, or short of its quorum, is left
    alone, and an aggregate already stored for the version is kept.
    """
    # Locked and re-read, so two workers finishing at once cannot both open deliberation.
    proposal = session.exec(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if proposal is None or proposal.state != State.in_review:
        return False
    committee = _committee(session=session, proposal=proposal)
    reviews = _submitted(session=session, proposal_id=proposal.id, version=proposal.version)
    if len(reviews) < committee.quorum:
        return False
    stored = session.exec(
        select(ReviewAggregate).where(
            ReviewAggregate.proposal_id == proposal.id,
            ReviewAggregate.proposal_version == proposal.version,
        )
    ).first()
    if stored is None:
        session.add(
            ReviewAggregate(
                proposal_id=proposal.id,
                proposal_version=proposal.version,
                aggregate=aggregate(committee.rubric, reviews),
            )
        )
    respond_first = committee.applicant_response_days > 0
    move(
        session=session,
        proposal=proposal,
        event=Event.open_response if respond_first else Event.reach_quorum,
        actor=Actor.system,
        actor_id=None,
        reason=f"{len(reviews)} of {committee.quorum} reviews submitted",
        context=GuardContext(reviews_submitted=len(reviews), quorum=committee.quorum),
    )
    if respond_first:
        notify(
            session=session,
            event="proposal.response_open",
            proposal=proposal,
            recipients=_applicants(session=session, proposal=proposal),
            subject=Text(
                N_("The reviews of %(title)s are in: you may answer"), {"title": proposal.title}
            ),
            body=Text(
                N_(
                    'The reviewers\' comments on "%(title)s" are ready. You may answer them '
                    "once within %(days)s days, before the committee decides: %(link)s"
                ),
                {
                    "title": proposal.title,
                    "days": committee.applicant_response_days,
                    "link": f"{get_settings().public_url}/proposals/{proposal.id}",
                },
            ),
            occurrence=str(proposal.version),
        )
    else:
        tell_chairs_ready(session=session, proposal=proposal, reviews=len(reviews))
    session.flush()
    return True


# --- reading reviews --------------------------------------------------------------------------


def reviews_for(
    *, session: Session, user: User, proposal_id: UUID, version: int | None = None
) -> ProposalReviews:
    """The submitted reviews of one version (the current one by default) and their aggregate.

    Chairs of the proposal's committee and admins read every round. A reviewer reads a round's
    reviews once its own review of that round is submitted (403 before). Applicants never read
    reviews (403 for their own organisation's proposal; each round's decision carries the
    comments for applicants); whoever may not read the proposal gets 404. Drafts stay private
    to their reviewer until submitted.
    """
    proposal, version = policy.reviews_readable(
        session=session, user=user, proposal_id=proposal_id, version=version
    )
    if proposal.committee_id is None:
        raise Conflict(
            f"proposal {proposal.id} has no committee yet: reviews begin after screening routes it",
            state=proposal.state,
        )
    if not 1 <= version <= proposal.version:
        raise NotFound(f"proposal {proposal.id} has no version {version}")
    reviews = _submitted(session=session, proposal_id=proposal.id, version=version)
    stored = session.exec(
        select(ReviewAggregate).where(
            ReviewAggregate.proposal_id == proposal.id,
            ReviewAggregate.proposal_version == version,
        )
    ).first()
    if stored is not None:
        combined = stored.aggregate
    else:
        committee = _committee(session=session, proposal=proposal)
        combined = aggregate(committee.rubric, reviews)
    names = dict(
        session.exec(
            select(User.id, User.full_name).where(
                col(User.id).in_([r.reviewer_id for r in reviews])
            )
        ).all()
    )
    return ProposalReviews(
        proposal_id=proposal.id,
        proposal_version=version,
        reviews=[
            ReviewPublic.model_validate(r).model_copy(
                update={"reviewer_name": names.get(r.reviewer_id)}
            )
            for r in reviews
        ],
        aggregate=combined,
        aggregate_stored=stored is not None,
    )


# --- the decision -----------------------------------------------------------------------------


def _comments_for_applicant(*, session: Session, proposal_id: UUID, version: int) -> list[str]:
    """The reviewers' comments meant for the applicant, without who wrote them."""
    reviews = _submitted(session=session, proposal_id=proposal_id, version=version)
    return [r.comments_for_applicant.strip() for r in reviews if r.comments_for_applicant.strip()]


def meta_review_of(*, session: Session, proposal_id: UUID, version: int) -> MetaReview | None:
    """The chair's meta-review of a round, if written."""
    return session.exec(
        select(MetaReview).where(
            MetaReview.proposal_id == proposal_id, MetaReview.proposal_version == version
        )
    ).first()


def _applicant_view(*, session: Session, decision: Decision) -> DecisionForApplicant:
    meta = meta_review_of(
        session=session, proposal_id=decision.proposal_id, version=decision.proposal_version
    )
    return DecisionForApplicant(
        meta_review=meta.body if meta else None,
        proposal_id=decision.proposal_id,
        proposal_version=decision.proposal_version,
        outcome=decision.outcome,
        message_to_applicant=decision.message_to_applicant,
        decided_at=decision.created_at,
        comments_for_applicant=_comments_for_applicant(
            session=session, proposal_id=decision.proposal_id, version=decision.proposal_version
        ),
    )


def _committee_view(*, session: Session, decision: Decision) -> DecisionForCommittee:
    return DecisionForCommittee(
        **_applicant_view(session=session, decision=decision).model_dump(),
        rationale=decision.rationale,
        decided_by=decision.decided_by,
    )


def decide(
    *,
    session: Session,
    user: User,
    proposal_id: UUID,
    outcome: Outcome,
    rationale: str,
    message_to_applicant: str,
) -> DecisionForCommittee:
    """The chair of the proposal's committee decides it (deliberation -> outcome).

    Only that chair: others who may read the proposal (admins, its applicant, its reviewers) get
    403, everyone else 404; a proposal not in deliberation is refused with 409 and the legal
    moves. The applicant organisation's applicants are told the outcome, the chair's message
    and the reviewers' comments for applicants: no reviewer identities, scores or rationale.
    """
    proposal = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.decide
    ).proposal
    move(
        session=session,
        proposal=proposal,
        event=_DECISION_EVENTS[outcome],
        actor=Actor.chair,
        actor_id=user.id,
        # The history is shown to applicants; the rationale is for the committee only.
        reason=f"committee decision: {outcome}",
    )
    decision = Decision(
        proposal_id=proposal.id,
        proposal_version=proposal.version,
        outcome=outcome,
        rationale=rationale,
        message_to_applicant=message_to_applicant,
        decided_by=user.id,
    )
    session.add(decision)
    session.flush()
    view = _committee_view(session=session, decision=decision)
    told = Text(_OUTCOME_TOLD[outcome])
    body: list[Text | str | list[str]] = [
        Text(
            N_('The committee\'s decision on "%(title)s": %(outcome)s.'),
            {"title": proposal.title, "outcome": told},
        )
    ]
    if message_to_applicant:
        body += ["", message_to_applicant]
    if view.comments_for_applicant:
        body += ["", Text(N_("Comments from the reviewers:")), view.comments_for_applicant]
    notify(
        session=session,
        event="proposal.decided",
        proposal=proposal,
        recipients=_applicants(session=session, proposal=proposal),
        subject=Text(
            N_("Decision on %(title)s: %(outcome)s"), {"title": proposal.title, "outcome": told}
        ),
        body=body,
        occurrence=str(proposal.version),
        payload={"outcome": str(outcome)},
    )
    session.flush()
    return view


def decide_batch(
    *,
    session: Session,
    user: User,
    outcome: Outcome,
    rationale: str,
    letters: Sequence[tuple[UUID, str]],
) -> list[BatchDecisionResult]:
    """Decide each proposal in turn with the same outcome and rationale, each with its own
    letter (`letters`: proposal id and message to its applicant).

    Each proposal is all or nothing in a savepoint of its own: one refused (not the caller's to
    decide, not in deliberation) is rolled back alone, with its reason in its result, and the
    others stand. The caller's transaction is never ended here; it commits what was decided.
    """
    results = []
    for proposal_id, message in letters:
        savepoint = session.begin_nested()
        try:
            decided = decide(
                session=session,
                user=user,
                proposal_id=proposal_id,
                outcome=outcome,
                rationale=rationale,
                message_to_applicant=message,
            )
        except DomainError as refused:
            savepoint.rollback()
            results.append(
                BatchDecisionResult(
                    proposal_id=proposal_id,
                    decided=False,
                    status=refused.status_code,
                    error=type(refused).__name__,
                    detail=refused.detail,
                )
            )
            continue
        savepoint.commit()
        results.append(BatchDecisionResult(proposal_id=proposal_id, decided=True, decision=decided))
    return results


def letter_preview(
    *, session: Session, user: User, proposal_id: UUID, outcome: Outcome, message: str
) -> DecisionForApplicant:
    """The letter the applicant would receive if the chair decided now: nothing is stored.

    Only who may decide the proposal previews it; the round's meta-review and the reviewers'
    comments for the applicant are those that would go out with it.
    """
    proposal = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.decide
    ).proposal
    meta = meta_review_of(session=session, proposal_id=proposal.id, version=proposal.version)
    return DecisionForApplicant(
        proposal_id=proposal.id,
        proposal_version=proposal.version,
        outcome=outcome,
        message_to_applicant=message,
        decided_at=utcnow(),
        comments_for_applicant=_comments_for_applicant(
            session=session, proposal_id=proposal.id, version=proposal.version
        ),
        meta_review=meta.body if meta else None,
    )


def decision_for(
    *, session: Session, user: User, proposal_id: UUID, version: int | None = None
) -> DecisionForApplicant | DecisionForCommittee:
    """The latest decision on a proposal the caller may read (404 if none yet).

    Applicants get the outcome, the chair's message and the anonymous comments for applicants;
    committee members and admins also the rationale and who decided.
    """
    found = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.read
    )
    proposal = found.proposal
    query = select(Decision).where(Decision.proposal_id == proposal.id)
    if version is not None:
        query = query.where(Decision.proposal_version == version)
    decision = session.exec(query.order_by(col(Decision.proposal_version).desc())).first()
    if decision is None:
        which = "" if version is None else f" on version {version}"
        raise NotFound(f"proposal {proposal_id} has no decision{which} yet")
    if found.may(policy.Action.read_decision_rationale):
        return _committee_view(session=session, decision=decision)
    return _applicant_view(session=session, decision=decision)
