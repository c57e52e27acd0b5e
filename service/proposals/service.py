"""Proposals: who may see and change them, and every state change through the workflow table.

Service functions flush but never commit: the request or the task that calls them owns the
transaction. Every function taking a client-supplied id checks the caller against the object.
"""

import base64
import binascii
import json
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, or_
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from service.assignment.models import READING_STATUSES, Assignment
from service.auth.models import Role, User
from service.committees.service import chaired_by
from service.db import utcnow
from service.errors import EditConflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from service.outbox.service import enqueue
from service.proposals.models import (
    Proposal,
    ProposalCreate,
    ProposalFields,
    ProposalUpdate,
    ProposalVersion,
    Transition,
)
from service.proposals.workflow import (
    Actor,
    Event,
    GuardContext,
    State,
    Tag,
    TransitionRefused,
    decide,
    has_tag,
)


def stage_task(state: State) -> str:
    """The Celery task that works an automated stage."""
    return f"pipeline.{state}"


def queue_stage(*, session: Session, proposal_id: UUID, state: State, version: int) -> None:
    """Queue the work of an automated stage for one proposal version (batched per message)."""
    enqueue(
        session=session,
        task=stage_task(state),
        batched=True,
        proposal_id=str(proposal_id),
        version=version,
    )


# --- who may see what -------------------------------------------------------------------


def visible_to(*, session: Session, user: User) -> SelectOfScalar[Proposal]:
    """The proposals `user` may read, as a query to refine."""
    query = select(Proposal)
    match user.role:
        case Role.admin:
            return query
        case Role.applicant:
            return query.where(Proposal.organisation_id == user.organisation_id)
        case Role.chair:
            committees = chaired_by(session=session, user_id=user.id)
            assigned = select(Assignment.proposal_id).where(
                Assignment.reviewer_id == user.id, col(Assignment.status).in_(READING_STATUSES)
            )
            return query.where(
                or_(col(Proposal.committee_id).in_(committees), col(Proposal.id).in_(assigned))
            )
        case Role.reviewer:
            assigned = select(Assignment.proposal_id).where(
                Assignment.reviewer_id == user.id, col(Assignment.status).in_(READING_STATUSES)
            )
            return query.where(col(Proposal.id).in_(assigned))
    raise AssertionError(f"unknown role {user.role}")


def get_visible(*, session: Session, user: User, proposal_id: UUID) -> Proposal:
    """The proposal, if `user` may read it; 404 otherwise (its existence is not revealed)."""
    proposal = session.exec(
        visible_to(session=session, user=user).where(Proposal.id == proposal_id)
    ).first()
    if proposal is None:
        raise NotFound(f"proposal {proposal_id} not found")
    return proposal


def get_own(*, session: Session, user: User, proposal_id: UUID) -> Proposal:
    """The proposal, if `user` is an applicant of its organisation: the only one who may edit."""
    proposal = get_visible(session=session, user=user, proposal_id=proposal_id)
    if user.role != Role.applicant:
        raise Forbidden("only the applicant organisation may change its proposal")
    return proposal


# --- listing ------------------------------------------------------------------------------


def _encode_cursor(proposal: Proposal) -> str:
    raw = json.dumps([proposal.created_at.isoformat(), str(proposal.id)])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        created, ident = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(created), UUID(ident)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise InvalidInput("cursor: not a cursor this API returned", field="cursor") from None


def list_visible(
    *,
    session: Session,
    user: User,
    state: State | None = None,
    committee_id: UUID | None = None,
    cursor: str | None = None,
    limit: int,
) -> tuple[list[Proposal], str | None]:
    """A page of the proposals `user` may read, newest first, and the cursor of the next page."""
    query = visible_to(session=session, user=user)
    if state is not None:
        query = query.where(Proposal.state == state)
    if committee_id is not None:
        query = query.where(Proposal.committee_id == committee_id)
    if cursor is not None:
        created, ident = _decode_cursor(cursor)
        query = query.where(
            or_(
                col(Proposal.created_at) < created,
                and_(col(Proposal.created_at) == created, col(Proposal.id) < ident),
            )
        )
    query = query.order_by(col(Proposal.created_at).desc(), col(Proposal.id).desc())
    rows = list(session.exec(query.limit(limit + 1)))
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


# --- editing ------------------------------------------------------------------------------


def create(*, session: Session, user: User, data: ProposalCreate) -> Proposal:
    """A new draft owned by the applicant's organisation."""
    if user.role != Role.applicant or user.organisation_id is None:
        raise Forbidden("only applicants create proposals")
    proposal = Proposal.model_validate(
        data, update={"organisation_id": user.organisation_id, "created_by": user.id}
    )
    session.add(proposal)
    session.flush()
    return proposal


def _flush_guarded(session: Session, proposal: Proposal) -> None:
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise EditConflict(
            f"proposal {proposal.id} was changed by someone else; reload it and try again"
        ) from None


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
    proposal = get_own(session=session, user=user, proposal_id=proposal_id)
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
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "summary"):
        if name in changes and changes[name] is None:
            raise InvalidInput(f"{name}: may not be null", field=name)
    proposal.sqlmodel_update(changes)
    _flush_guarded(session, proposal)
    return proposal


# --- moving through the workflow ------------------------------------------------------------


def move(
    *,
    session: Session,
    proposal: Proposal,
    event: Event,
    actor: Actor,
    actor_id: UUID | None,
    reason: str = "",
    context: GuardContext | None = None,
    flush: bool = True,
) -> Proposal:
    """Fire `event` on `proposal`: check the table, change state, write history, queue the job.

    All in the caller's transaction; a concurrent change of the same proposal makes the flush
    fail with EditConflict, so a transition never happens twice. Workers moving a batch pass
    `flush=False` so the whole batch is written in a few statements; a conflict then surfaces
    as StaleDataError when they commit, and the batch is retried proposal by proposal.
    """
    source = State(proposal.state)
    try:
        transition = decide(source, event, actor, context)
    except TransitionRefused as refused:
        raise InvalidTransition(
            refused.reason, state=source, legal=[str(e) for e in refused.legal]
        ) from None
    now = utcnow()
    if transition.snapshots:
        proposal.version += 1
        session.add(
            ProposalVersion(
                proposal_id=proposal.id,
                number=proposal.version,
                snapshot=ProposalFields.model_validate(proposal).model_dump(mode="json"),
                submitted_by=actor_id or proposal.created_by,
            )
        )
    proposal.state = transition.target
    proposal.state_entered_at = now
    proposal.stage_attempts = 0
    proposal.stalled_at = None
    proposal.last_error = None
    session.add(
        Transition(
            proposal_id=proposal.id,
            from_state=source,
            to_state=transition.target,
            event=event,
            actor_id=actor_id,
            actor_role=actor,
            reason=reason,
            proposal_version=proposal.version,
            created_at=now,
        )
    )
    if has_tag(transition.target, Tag.automated):
        queue_stage(
            session=session,
            proposal_id=proposal.id,
            state=transition.target,
            version=proposal.version,
        )
    if flush:
        _flush_guarded(session, proposal)
    return proposal


def submit(*, session: Session, user: User, proposal_id: UUID) -> Proposal:
    """Freeze a new version and send it to screening (first submit or a resubmit)."""
    proposal = get_own(session=session, user=user, proposal_id=proposal_id)
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
    proposal = get_own(session=session, user=user, proposal_id=proposal_id)
    return move(
        session=session,
        proposal=proposal,
        event=Event.withdraw,
        actor=Actor.applicant,
        actor_id=user.id,
        reason=reason,
    )


def history(*, session: Session, user: User, proposal_id: UUID) -> list[Transition]:
    """Every state change of a proposal the caller may read, oldest first."""
    get_visible(session=session, user=user, proposal_id=proposal_id)
    query = (
        select(Transition)
        .where(Transition.proposal_id == proposal_id)
        .order_by(col(Transition.created_at), col(Transition.id))
    )
    return list(session.exec(query))
