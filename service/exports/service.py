"""What each export holds and who may have it: the proposals as the proposals list shows
them, the reviews and decisions for admins and the committee's chairs."""

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlmodel import Session, col

from service import policy
from service.auth.models import User
from service.committees.models import Committee
from service.errors import NotFound
from service.exports.tables import EXPORT_PAGE_ROWS, Export, Row, streamed_pages
from service.proposals.models import Proposal
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


def _counted(query: Any) -> Callable[[Session], int]:
    """The number of rows `query` selects, for the page to say before the download."""
    return lambda session: int(
        session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    )


def _pages(
    query: Any, rows_of: Callable[[Session, list[Any]], list[Row]]
) -> Callable[[Session], Iterator[list[Row]]]:
    def pages(session: Session) -> Iterator[list[Row]]:
        # The page size is read when the export runs (tests make pages of one row).
        return streamed_pages(query, rows_of, EXPORT_PAGE_ROWS)(session)

    return pages


def proposals_export(*, user: User, state: State | None, committee_id: UUID | None) -> Export:
    """The proposals the caller may read, newest first, as the proposals list shows them.

    The export's columns never include the applicant's declared conflicts, the one field
    `policy.shown_fields` hides from some readers.
    """
    query = policy.readable_proposals(user=user)
    if state is not None:
        query = query.where(Proposal.state == state)
    if committee_id is not None:
        query = query.where(Proposal.committee_id == committee_id)
    columns = query.with_only_columns(*(getattr(Proposal, c) for c in PROPOSAL_COLUMNS)).order_by(
        col(Proposal.created_at).desc(), col(Proposal.id).desc()
    )
    markets, keywords = PROPOSAL_COLUMNS.index("target_markets"), PROPOSAL_COLUMNS.index("keywords")

    def rows_of(session: Session, records: list[Any]) -> list[Row]:
        shown = policy.permitted_ids(
            session=session,
            user=user,
            proposal_ids=[r[0] for r in records],
            action=policy.Action.read,
        )
        rows: list[Row] = []
        for record in records:
            if record[0] not in shown:
                continue
            row = list(record)
            row[markets] = ";".join(row[markets] or ())
            row[keywords] = ";".join(row[keywords] or ())
            rows.append(row)
        return rows

    return Export(
        name="proposals",
        header=PROPOSAL_COLUMNS,
        pages=_pages(columns, rows_of),
        count=_counted(query),
    )


def reviews_export(*, session: Session, user: User, committee_id: UUID) -> Export:
    """The committee's submitted reviews, oldest first, one column per rubric criterion."""
    policy.statistics_committees(session=session, user=user, committee_id=committee_id)
    committee = session.get(Committee, committee_id)
    if committee is None:
        raise NotFound(f"no committee {committee_id}")
    criteria = [str(c["key"]) for c in committee.rubric]
    query = (
        select(
            col(Review.id),
            col(Review.proposal_id),
            col(Proposal.title),
            col(Review.proposal_version),
            col(User.id),
            col(User.full_name),
            col(Review.recommendation),
            col(Review.confidence),
            col(Review.submitted_at),
            col(Review.scores),
            col(Review.comments_for_applicant),
            col(Review.confidential_comments),
        )
        .join(Proposal, col(Proposal.id) == col(Review.proposal_id))
        .join(User, col(User.id) == col(Review.reviewer_id))
        .where(col(Proposal.committee_id) == committee_id, col(Review.submitted_at).is_not(None))
    )
    ordered = query.order_by(col(Review.created_at), col(Review.id))

    def rows_of(session: Session, records: list[Any]) -> list[Row]:
        shown = policy.permitted_ids(
            session=session,
            user=user,
            proposal_ids=list({r[1] for r in records}),
            action=policy.Action.read_reviews,
        )
        rows: list[Row] = []
        for *head, scores, for_applicant, confidential in records:
            if head[1] in shown:
                rows.append(
                    [*head, *(scores.get(c) for c in criteria), for_applicant, confidential]
                )
        return rows

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
        pages=_pages(ordered, rows_of),
        count=_counted(query),
    )


def decisions_export(*, session: Session, user: User, committee_id: UUID | None) -> Export:
    """The decisions of the committees the caller may report on, oldest first."""
    committees = policy.statistics_committees(session=session, user=user, committee_id=committee_id)
    query = (
        select(
            col(Decision.id),
            col(Proposal.id),
            col(Proposal.title),
            col(Proposal.committee_id),
            col(Proposal.therapeutic_area),
            col(Proposal.modality),
            col(Decision.proposal_version),
            col(Decision.outcome),
            col(Decision.created_at),
            col(User.full_name),
            col(Decision.rationale),
            col(Decision.message_to_applicant),
        )
        .join(Proposal, col(Proposal.id) == col(Decision.proposal_id))
        .join(User, col(User.id) == col(Decision.decided_by))
    )
    if committees is not None:
        query = query.where(col(Proposal.committee_id).in_(committees))
    ordered = query.order_by(col(Decision.created_at), col(Decision.id))

    def rows_of(session: Session, records: list[Any]) -> list[Row]:
        shown = policy.permitted_ids(
            session=session,
            user=user,
            proposal_ids=list({r[1] for r in records}),
            action=policy.Action.read_decision_rationale,
        )
        return [list(r) for r in records if r[1] in shown]

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
        pages=_pages(ordered, rows_of),
        count=_counted(query),
    )
