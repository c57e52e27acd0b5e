"""What each export holds and who may have it: the proposals as the proposals list shows
them, the reviews and decisions for admins and the committee's chairs."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel import Session, col, select

from service import policy
from service.auth.models import User
from service.committees.models import Committee
from service.errors import NotFound
from service.exports.tables import EXPORT_PAGE_ROWS, Export, Row, keyed_pages
from service.pagination import keyset, split_page
from service.proposals.models import Proposal, ProposalPublic
from service.reviews.models import Decision, Review
from service.workflow.table import State

PROPOSAL_COLUMNS = [
    "id",
    "title",
    "summary",
    "organisation_id",
    "committee_id",
    "state",
    "version",
    "therapeutic_area",
    "modality",
    "phase",
    "budget_requested",
    "expected_peak_sales",
    "target_launch_year",
    "target_markets",
    "keywords",
    "created_at",
    "state_entered_at",
]


def _page(session: Session, query: Any, key: Any, cursor: str | None) -> tuple[list[Any], Any]:
    """One keyset page of `query` in the order `key` (its last two columns: a time and an id)."""
    rows = session.exec(keyset(query, key, cursor, [datetime, UUID], EXPORT_PAGE_ROWS)).all()
    return split_page(rows, EXPORT_PAGE_ROWS, lambda r: _key_of(r))


def _key_of(row: Any) -> tuple[datetime, UUID]:
    first = row[0] if isinstance(row, Sequence) else row
    return first.created_at, first.id


def _visible(
    session: Session, user: User, proposals: list[Proposal], action: policy.Action
) -> set[UUID]:
    """The page's proposals on which the caller may do `action` (a chair's conflicts left out)."""
    unique = list({p.id: p for p in proposals}.values())
    return {
        a.proposal.id
        for a in policy.readable_page(session=session, user=user, proposals=unique)
        if a.may(action)
    }


def proposals_export(*, user: User, state: State | None, committee_id: UUID | None) -> Export:
    """The proposals the caller may read, newest first, as the proposals list shows them."""
    query = policy.readable_proposals(user=user)
    if state is not None:
        query = query.where(Proposal.state == state)
    if committee_id is not None:
        query = query.where(Proposal.committee_id == committee_id)
    key = [(col(Proposal.created_at), False), (col(Proposal.id), False)]

    def rows_of(session: Session, proposals: list[Proposal]) -> list[Row]:
        rows: list[Row] = []
        for found in policy.readable_page(session=session, user=user, proposals=proposals):
            shown = policy.shown_fields(found, ProposalPublic.model_validate(found.proposal))
            fields = shown.model_dump()
            fields["target_markets"] = ";".join(shown.target_markets)
            fields["keywords"] = ";".join(shown.keywords)
            rows.append([fields[c] for c in PROPOSAL_COLUMNS])
        return rows

    return Export(
        name="proposals",
        header=PROPOSAL_COLUMNS,
        pages=keyed_pages(lambda s, c: _page(s, query, key, c), rows_of),
    )


def reviews_export(*, session: Session, user: User, committee_id: UUID) -> Export:
    """The committee's submitted reviews, oldest first, one column per rubric criterion."""
    policy.statistics_committees(session=session, user=user, committee_id=committee_id)
    committee = session.get(Committee, committee_id)
    if committee is None:
        raise NotFound(f"no committee {committee_id}")
    criteria = [str(c["key"]) for c in committee.rubric]
    query = (
        select(Review, Proposal, User)
        .join(Proposal, col(Proposal.id) == col(Review.proposal_id))
        .join(User, col(User.id) == col(Review.reviewer_id))
        .where(Proposal.committee_id == committee_id, col(Review.submitted_at).is_not(None))
    )
    key = [(col(Review.created_at), True), (col(Review.id), True)]

    def rows_of(session: Session, records: list[Any]) -> list[Row]:
        shown = _visible(session, user, [p for _, p, _ in records], policy.Action.read_reviews)
        return [
            [
                review.id,
                proposal.id,
                proposal.title,
                review.proposal_version,
                reviewer.id,
                reviewer.full_name,
                review.recommendation,
                review.confidence,
                review.submitted_at,
                *(review.scores.get(c) for c in criteria),
                review.comments_for_applicant,
                review.confidential_comments,
            ]
            for review, proposal, reviewer in records
            if proposal.id in shown
        ]

    return Export(
        name="reviews",
        header=[
            "review_id",
            "proposal_id",
            "title",
            "version",
            "reviewer_id",
            "reviewer",
            "recommendation",
            "confidence",
            "submitted_at",
            *criteria,
            "comments_for_applicant",
            "confidential_comments",
        ],
        pages=keyed_pages(lambda s, c: _page(s, query, key, c), rows_of),
    )


def decisions_export(*, session: Session, user: User, committee_id: UUID | None) -> Export:
    """The decisions of the committees the caller may report on, oldest first."""
    committees = policy.statistics_committees(session=session, user=user, committee_id=committee_id)
    query = (
        select(Decision, Proposal, User)
        .join(Proposal, col(Proposal.id) == col(Decision.proposal_id))
        .join(User, col(User.id) == col(Decision.decided_by))
    )
    if committees is not None:
        query = query.where(col(Proposal.committee_id).in_(committees))
    key = [(col(Decision.created_at), True), (col(Decision.id), True)]

    def rows_of(session: Session, records: list[Any]) -> list[Row]:
        shown = _visible(
            session, user, [p for _, p, _ in records], policy.Action.read_decision_rationale
        )
        return [
            [
                decision.id,
                proposal.id,
                proposal.title,
                proposal.committee_id,
                proposal.therapeutic_area,
                proposal.modality,
                decision.proposal_version,
                decision.outcome,
                decision.created_at,
                chair.full_name,
                decision.rationale,
                decision.message_to_applicant,
            ]
            for decision, proposal, chair in records
            if proposal.id in shown
        ]

    return Export(
        name="decisions",
        header=[
            "decision_id",
            "proposal_id",
            "title",
            "committee_id",
            "therapeutic_area",
            "modality",
            "version",
            "outcome",
            "decided_at",
            "decided_by",
            "rationale",
            "message_to_applicant",
        ],
        pages=keyed_pages(lambda s, c: _page(s, query, key, c), rows_of),
    )
