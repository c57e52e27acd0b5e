"""Moving proposals through the table: plan the moves, then write them in a few statements.

Every state change goes through `move_all` (or `move`, for one): the table decides, the
proposal's row changes under optimistic locking, a history row is written and the next
automated stage's job is queued in the same transaction (the outbox).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID, uuid4

from sqlalchemy import bindparam, insert
from sqlalchemy import update as sa_update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from service.assignment.closing import close_open_assignments
from service.assignment.models import ClosedReason
from service.db import flush_or_conflict, utcnow
from service.errors import EditConflict, Incomplete, InvalidTransition
from service.jobs import Job
from service.outbox.service import enqueue_all
from service.proposals.models import Proposal, ProposalFields, ProposalVersion, Transition
from service.workflow.table import (
    Actor,
    Event,
    GuardContext,
    State,
    Tag,
    TransitionRefused,
    decide,
    has_tag,
)

# The moves after which a proposal's open assignments are no longer needed, and why.
_CLOSING = {
    Event.withdraw: ClosedReason.withdrawn,
    Event.approve: ClosedReason.decided,
    Event.reject: ClosedReason.decided,
    Event.request_revision: ClosedReason.decided,
    Event.reach_quorum: ClosedReason.quorum_reached,
}

# The job that works each automated stage; a test checks every automated state has one.
STAGE_JOBS: dict[State, Job] = {
    State.screening: Job.screening,
    State.analysis: Job.analysis,
    State.assignment: Job.assignment,
}


class StageJob(NamedTuple):
    """One automated stage's work: a proposal version expected to be in that stage."""

    proposal_id: UUID
    version: int


def queue_stage(*, session: Session, state: State, jobs: Sequence[StageJob]) -> None:
    """Queue the work of an automated stage for proposal versions (batched per message)."""
    enqueue_all(
        session=session,
        task=STAGE_JOBS[state],
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


@dataclass
class MovePlan:
    """What a batch of moves writes, decided before anything is written."""

    # The new column values of each moved proposal, in the order of the moves.
    new_values: list[dict[str, Any]] = field(default_factory=list)
    versions: list[ProposalVersion] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    jobs: dict[State, list[StageJob]] = field(default_factory=dict)
    # Proposals whose open assignments close, by why.
    closing: dict[ClosedReason, list[UUID]] = field(default_factory=dict)


def plan_moves(moves: Sequence[Move], now: datetime) -> MovePlan:
    """Ask the table about each move; InvalidTransition for the first it refuses. No I/O."""
    plan = MovePlan()
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
        plan.new_values.append(values)
        if transition.snapshots:
            plan.versions.append(
                ProposalVersion(
                    proposal_id=proposal.id,
                    number=values["version"],
                    snapshot=ProposalFields.model_validate(proposal).model_dump(mode="json"),
                    submitted_by=change.actor_id or proposal.created_by,
                )
            )
        plan.history.append(
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
            plan.jobs.setdefault(transition.target, []).append(
                StageJob(proposal.id, values["version"])
            )
        if change.event in _CLOSING:
            plan.closing.setdefault(_CLOSING[change.event], []).append(proposal.id)
    return plan


def write_moves(*, session: Session, moves: Sequence[Move], plan: MovePlan) -> None:
    """Write a planned batch: one UPDATE per set of changed columns, one INSERT per table.

    The UPDATE checks each proposal's row_version (optimistic locking): if another transaction
    changed one meanwhile, EditConflict is raised and the caller's unit of work rolls back.
    """
    updates: dict[frozenset[str], list[dict[str, Any]]] = {}
    for change, values in zip(moves, plan.new_values, strict=True):
        updates.setdefault(frozenset(values), []).append(
            {**values, "_id": change.proposal.id, "_row_version": change.proposal.row_version}
        )
    # Core statements: an ORM flush would UPDATE the versioned rows one statement each, and
    # building an ORM object per history row costs more than writing it. No autoflush: a
    # pending ORM change of a proposal (say its committee) must not take the version first.
    with session.no_autoflush:
        for rows in updates.values():
            _update_versioned(session, rows)
    for change, values in zip(moves, plan.new_values, strict=True):
        for name, value in values.items():
            # Written by the UPDATE: the ORM must not write it again at the flush.
            set_committed_value(change.proposal, name, value)
    session.add_all(plan.versions)
    if plan.history:
        session.execute(insert(Transition.__table__), plan.history)  # type: ignore[attr-defined]
    for state, queued in plan.jobs.items():
        queue_stage(session=session, state=state, jobs=queued)
    for reason, proposal_ids in plan.closing.items():
        close_open_assignments(session=session, reason=reason, proposal_ids=proposal_ids)


def move_all(*, session: Session, moves: Sequence[Move]) -> None:
    """Fire each move's event: check the table, change state, write history, queue the jobs.

    An event the table refuses raises InvalidTransition before anything is written; a
    concurrent change of any of the proposals raises EditConflict: a transition never
    happens twice.
    """
    write_moves(session=session, moves=moves, plan=plan_moves(moves, utcnow()))


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
        flush_or_conflict(session, f"proposal {proposal.id}")
    return proposal
