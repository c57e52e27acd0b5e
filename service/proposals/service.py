"""Proposals: who may see and change them, and every state change through the workflow table.

Service functions flush but never commit: the request or the task that calls them owns the
transaction. Every function taking a client-supplied id checks the caller against the object.
"""

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID, uuid4

from sqlalchemy import bindparam, insert, or_, tuple_
from sqlalchemy import update as sa_update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from service.assignment.models import READING_STATUSES, Assignment
from service.auth.models import Role, User
from service.committees.service import chaired_by
from service.db import utcnow
from service.errors import (
    EditConflict,
    Forbidden,
    Incomplete,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from service.outbox.service import enqueue_all
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


class StageJob(NamedTuple):
    """One automated stage's work: a proposal version expected to be in that stage."""

    proposal_id: UUID
    version: int


def queue_stage(*, session: Session, state: State, jobs: Sequence[StageJob]) -> None:
    """Queue the work of an automated stage for proposal versions (batched per message)."""
    enqueue_all(
        session=session,
        task=stage_task(state),
        payloads=[{"proposal_id": str(job.proposal_id), "version": job.version} for job in jobs],
        batched=True,
    )


def awaiting(*, session: Session, state: State, jobs: Sequence[StageJob]) -> list[Proposal]:
    """The jobs' proposals still in `state` at the job's version, loaded in one query.

    A job whose proposal has moved on (a duplicate delivery, a re-drive racing the stage) is
    left out: the stage has nothing to do for it.
    """
    wanted = {job.proposal_id: job.version for job in jobs}
    found = session.exec(
        select(Proposal).where(col(Proposal.id).in_(list(wanted)), Proposal.state == state)
    )
    return [p for p in found if wanted[p.id] == p.version]


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
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:  # the column holds UTC instants; we only hand out aware ones
            raise ValueError("naive time")
        return moment.astimezone(UTC), UUID(ident)  # OverflowError: a time out of range
    except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError):
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
        # A row-value comparison, which PostgreSQL reads as an index range; the equivalent
        # OR of comparisons makes it walk the index from the top: deep pages grew linearly.
        query = query.where(tuple_(col(Proposal.created_at), col(Proposal.id)) < (created, ident))
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


@dataclass(frozen=True)
class Move:
    """One event to fire on one proposal (see `move_all`)."""

    proposal: Proposal
    event: Event
    actor: Actor
    actor_id: UUID | None = None
    reason: str = ""
    context: GuardContext | None = None
    # Other columns of the proposal that change with the move (e.g. the committee routed to).
    changes: Mapping[str, Any] = field(default_factory=dict)


def move_all(*, session: Session, moves: Sequence[Move]) -> None:
    """Fire each move's event: check the table, change state, write history, queue the jobs.

    Each kind of row is written in one statement for all the moves: the proposals' UPDATE
    (executed for many rows at once), the history and the next stages' jobs (INSERTs). The
    UPDATE checks each proposal's row_version (optimistic locking), so if another transaction
    changed one of them meanwhile, EditConflict is raised and the caller's unit of work rolls
    back: a transition never happens twice. An event the table refuses raises
    InvalidTransition before anything is written.
    """
    now = utcnow()
    updates: dict[frozenset[str], list[dict[str, Any]]] = {}
    new_values: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    jobs: dict[State, list[StageJob]] = {}
    for change in moves:
        proposal = change.proposal
        source = State(proposal.state)
        try:
            transition = decide(source, change.event, change.actor, change.context)
        except TransitionRefused as refused:
            if refused.missing:  # the client's input is incomplete: a 422 naming the fields
                raise Incomplete(
                    refused.reason,
                    fields=[{"field": f, "message": "required to submit"} for f in refused.missing],
                ) from None
            raise InvalidTransition(
                refused.reason, state=source, legal=[str(e) for e in refused.legal]
            ) from None
        values = {
            **change.changes,
            "state": transition.target,
            "state_entered_at": now,
            "stage_attempts": 0,
            "stalled_at": None,
            "last_error": None,
            "updated_at": now,
            "version": proposal.version + int(transition.snapshots),
            "row_version": proposal.row_version + 1,
        }
        new_values.append(values)
        updates.setdefault(frozenset(values), []).append(
            {**values, "_id": proposal.id, "_row_version": proposal.row_version}
        )
        if transition.snapshots:
            session.add(
                ProposalVersion(
                    proposal_id=proposal.id,
                    number=values["version"],
                    snapshot=ProposalFields.model_validate(proposal).model_dump(mode="json"),
                    submitted_by=change.actor_id or proposal.created_by,
                )
            )
        history.append(
            {
                "id": uuid4(),
                "proposal_id": proposal.id,
                "from_state": source,
                "to_state": transition.target,
                "event": change.event,
                "actor_id": change.actor_id,
                "actor_role": change.actor,
                "reason": change.reason,
                "proposal_version": values["version"],
                "created_at": now,
            }
        )
        if has_tag(transition.target, Tag.automated):
            jobs.setdefault(transition.target, []).append(StageJob(proposal.id, values["version"]))
    # Core statements: an ORM flush would UPDATE the versioned rows one statement each, and
    # building an ORM object per history row costs more than writing it. No autoflush: a
    # pending ORM change of a proposal (say its committee) must not take the version first.
    with session.no_autoflush:
        for rows in updates.values():
            _update_versioned(session, rows)
    for change, values in zip(moves, new_values, strict=True):
        for name, value in values.items():
            # Written by the UPDATE: the ORM must not write it again at the flush.
            set_committed_value(change.proposal, name, value)
    if history:
        session.execute(insert(Transition.__table__), history)  # type: ignore[attr-defined]
    for state, queued in jobs.items():
        queue_stage(session=session, state=state, jobs=queued)


def _update_versioned(session: Session, rows: list[dict[str, Any]]) -> None:
    """UPDATE the proposals in `rows` at the row_version read; EditConflict if any had moved.

    Each row holds the new column values and the proposal's `_id` and `_row_version`.
    """
    table = Proposal.__table__  # type: ignore[attr-defined]
    # No .values(): with many parameter sets, the keys of the rows make the SET clause.
    statement = sa_update(table).where(
        table.c.id == bindparam("_id"), table.c.row_version == bindparam("_row_version")
    )
    changed = session.execute(statement, rows).rowcount  # type: ignore[attr-defined]
    if changed != len(rows):
        which = rows[0]["_id"] if len(rows) == 1 else f"{len(rows) - changed} of a batch"
        raise EditConflict(f"proposal {which} was changed by someone else; reload it and try again")


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
    """Fire `event` on `proposal` (`move_all` for one) and flush, unless `flush` is False.

    The flush turns a concurrent change of the proposal into EditConflict. A caller moving
    many proposals passes `flush=False` (better: calls `move_all`) so the batch is written in
    a few statements; a conflict then surfaces as StaleDataError at commit.
    """
    move_all(
        session=session,
        moves=[Move(proposal, event, actor, actor_id, reason, context)],
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
