"""Proposals: drafts, edits, submit and withdraw, listing and history.

Service functions flush but never commit: the request or the task that calls them owns the
transaction. Every function taking a client-supplied id asks the access policy first.
"""

from datetime import datetime
from uuid import UUID

from sqlmodel import Session, col, select

from service import policy
from service.auth.models import User
from service.db import flush_or_conflict
from service.errors import EditConflict, InvalidTransition
from service.pagination import keyset, split_page
from service.policy import Action
from service.proposals.models import (
    Proposal,
    ProposalCreate,
    ProposalPublic,
    ProposalUpdate,
    Transition,
    TransitionPublic,
)
from service.proposals.vocabulary import TherapeuticArea
from service.search import contains
from service.workflow.moves import move
from service.workflow.table import Actor, Event, GuardContext, State, Tag, has_tag

# --- listing ------------------------------------------------------------------------------


def list_visible(
    *,
    session: Session,
    user: User,
    state: State | None = None,
    committee_id: UUID | None = None,
    area: TherapeuticArea | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int,
) -> tuple[list[ProposalPublic], str | None]:
    """A page of the proposals `user` may read, newest first, and the cursor of the next page;
    filtered by state, committee, therapeutic area and words in the title."""
    query = policy.readable_proposals(user=user)
    if state is not None:
        query = query.where(Proposal.state == state)
    if committee_id is not None:
        query = query.where(Proposal.committee_id == committee_id)
    if area is not None:
        query = query.where(Proposal.therapeutic_area == area)
    if search and search.strip():
        query = query.where(contains(search.strip(), Proposal.title))
    key = [(col(Proposal.created_at), False), (col(Proposal.id), False)]
    rows, next_cursor = split_page(
        session.exec(keyset(query, key, cursor, [datetime, UUID], limit)).all(),
        limit,
        lambda p: (p.created_at, p.id),
    )
    # A page may come out short (a chair's conflicts); the cursor still moves past it.
    page = policy.readable_page(session=session, user=user, proposals=rows)
    return [policy.shown_fields(a, ProposalPublic.model_validate(a.proposal)) for a in page], (
        next_cursor
    )


def read(*, session: Session, user: User, proposal_id: UUID) -> ProposalPublic:
    """The proposal as the caller may see it."""
    found = policy.access(session=session, user=user, proposal_id=proposal_id, action=Action.read)
    return policy.shown_fields(found, ProposalPublic.model_validate(found.proposal))


# --- editing ------------------------------------------------------------------------------


def _editable(*, session: Session, user: User, proposal_id: UUID) -> Proposal:
    """The proposal, if the caller's organisation owns it (the table says when it may change)."""
    return policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.edit
    ).proposal


def create(*, session: Session, user: User, data: ProposalCreate) -> Proposal:
    """A new draft owned by the applicant's organisation."""
    organisation_id = policy.applicant_organisation(user, "create proposals")
    proposal = Proposal.model_validate(
        data, update={"organisation_id": organisation_id, "created_by": user.id}
    )
    session.add(proposal)
    session.flush()
    return proposal


def update(
    *,
    session: Session,
    user: User,
    proposal_id: UUID,
    data: ProposalUpdate,
    expected_row_version: int | None = None,
) -> Proposal:
    """Change the fields sent, while the proposal waits for its applicant.

    `expected_row_version` (the If-Match header) refuses an edit based on a stale copy.
    """
    proposal = _editable(session=session, user=user, proposal_id=proposal_id)
    if not has_tag(proposal.state, Tag.applicant_action):
        raise InvalidTransition(
            f"a proposal in state {proposal.state} cannot be edited",
            state=proposal.state,
            legal=[],
        )
    if expected_row_version is not None and expected_row_version != proposal.row_version:
        raise EditConflict(
            f"proposal {proposal.id} is at row_version {proposal.row_version}, "
            f"not {expected_row_version}; reload it and try again",
            row_version=proposal.row_version,
        )
    proposal.sqlmodel_update(data.model_dump(exclude_unset=True))
    flush_or_conflict(session, f"proposal {proposal.id}")
    return proposal


# --- moving through the workflow ------------------------------------------------------------


def submit(*, session: Session, user: User, proposal_id: UUID) -> Proposal:
    """Freeze a new version and send it to screening (first submit or a resubmit)."""
    proposal = _editable(session=session, user=user, proposal_id=proposal_id)
    event = Event.submit if proposal.state == State.draft else Event.resubmit
    context = GuardContext(missing_fields=proposal.missing_for_submit())
    return move(
        session=session,
        proposal=proposal,
        event=event,
        actor=Actor.applicant,
        actor_id=user.id,
        context=context,
    )


def withdraw(*, session: Session, user: User, proposal_id: UUID, reason: str) -> Proposal:
    proposal = _editable(session=session, user=user, proposal_id=proposal_id)
    return move(
        session=session,
        proposal=proposal,
        event=Event.withdraw,
        actor=Actor.applicant,
        actor_id=user.id,
        reason=reason,
    )


def history(*, session: Session, user: User, proposal_id: UUID) -> list[TransitionPublic]:
    """Every state change of a proposal the caller may read, oldest first, as it may read it."""
    found = policy.access(session=session, user=user, proposal_id=proposal_id, action=Action.read)
    query = (
        select(Transition)
        .where(Transition.proposal_id == proposal_id)
        .order_by(col(Transition.created_at), col(Transition.id))
    )
    return policy.shown_history(found, list(session.exec(query)))
