"""Committees: creation and edits by admins, membership look-ups for authorization and routing."""

from collections.abc import Sequence
from uuid import UUID

from sqlmodel import Session, col, func, select

from service import policy
from service.assignment.closing import release_reviewer
from service.assignment.models import ClosedReason
from service.auth import audit
from service.auth.models import Role, User
from service.committees.models import (
    Committee,
    CommitteeCreate,
    CommitteeMembership,
    CommitteePublic,
    CommitteeUpdate,
    MemberRole,
    check_panel,
)
from service.errors import Conflict, InvalidInput, NotFound
from service.jobs import Job
from service.outbox.service import enqueue_all
from service.pagination import keyset, split_page
from service.proposals.models import Proposal
from service.search import contains
from service.workflow.table import State

_SEAT_LISTS = {"chair_ids", "reviewer_ids"}
# Who may hold each seat: a chair may also sit on another committee as a reviewer.
_SEAT_HOLDERS = {
    MemberRole.chair: {Role.chair},
    MemberRole.reviewer: {Role.reviewer, Role.chair},
}


def create_committee(*, session: Session, admin: User, data: CommitteeCreate) -> Committee:
    """Create a committee with its chairs and reviewers (checked to hold those roles); audited."""
    _check_name_free(session, data.name)
    seats = _seats(session, chair_ids=data.chair_ids, reviewer_ids=data.reviewer_ids)
    committee = Committee.model_validate(
        data.model_dump(exclude={"chair_ids", "reviewer_ids"}, mode="json")
    )
    session.add(committee)
    session.flush()
    _seat(session, committee=committee, seats=seats)
    audit.record(
        session=session,
        actor=admin,
        action="committee.create",
        target_type="committee",
        target_id=committee.id,
        after=to_public(session=session, committee=committee).model_dump(mode="json"),
    )
    return committee


def get_committee(*, session: Session, user: User, committee_id: UUID) -> Committee:
    """The committee, for an admin or one of its members (its rubric); NotFound for others."""
    committee = session.get(Committee, committee_id)
    if committee is None or not policy.committee_readable(
        session=session, user=user, committee_id=committee_id
    ):
        raise NotFound(f"no committee {committee_id}")
    return committee


def update_committee(
    *, session: Session, admin: User, committee_id: UUID, data: CommitteeUpdate
) -> Committee:
    """Change the fields sent, checked as at creation; a seat list sent replaces that list.

    Seats dropped are only deleted membership rows: the former member's assignments and
    reviews stay, and proposals already routed keep their committee whatever the areas become.
    What changed goes into the audit log, before and after.
    """
    committee = session.get(Committee, committee_id)
    if committee is None:
        raise NotFound(f"no committee {committee_id}")
    before_all = to_public(session=session, committee=committee).model_dump(mode="json")
    changes = data.model_dump(exclude_unset=True, mode="json")
    for name, value in changes.items():
        if value is None:
            raise InvalidInput(f"{name}: may not be null", field=name)
    if "name" in changes:
        _check_name_free(session, changes["name"], except_id=committee.id)
    try:
        check_panel(
            reviewers_per_proposal=changes.get(
                "reviewers_per_proposal", committee.reviewers_per_proposal
            ),
            quorum=changes.get("quorum", committee.quorum),
        )
    except ValueError as problem:
        field = "quorum" if "quorum" in changes else "reviewers_per_proposal"
        raise InvalidInput(str(problem), field=field) from problem
    fields = {
        name: value
        for name, value in changes.items()
        if name not in _SEAT_LISTS and getattr(committee, name) != value
    }
    changed = dict(fields)
    if _SEAT_LISTS & changes.keys():
        before = to_public(session=session, committee=committee)
        after = {
            "chair_ids": before.chair_ids if data.chair_ids is None else data.chair_ids,
            "reviewer_ids": before.reviewer_ids if data.reviewer_ids is None else data.reviewer_ids,
        }
        seats = _seats(session, **after)
        _seat(session, committee=committee, seats=seats)
        changed.update(
            (name, [str(uid) for uid in after[name]])
            for name in sorted(_SEAT_LISTS)
            if set(getattr(before, name)) != set(after[name])
        )
    committee.sqlmodel_update(fields)
    session.add(committee)
    session.flush()
    if "quorum" in changed:
        _recheck_quorum(session=session, committee_id=committee.id)
    if changed:
        after = to_public(session=session, committee=committee).model_dump(mode="json")
        audit.record(
            session=session,
            actor=admin,
            action="committee.update",
            target_type="committee",
            target_id=committee.id,
            before={name: before_all[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return committee


def _recheck_quorum(*, session: Session, committee_id: UUID) -> None:
    """Queue a quorum check of each of the committee's proposals in review.

    For a lowered quorum: a proposal may already hold enough reviews, and no new review
    would come to trigger the check.
    """
    waiting = session.exec(
        select(Proposal.id).where(
            Proposal.committee_id == committee_id, Proposal.state == State.in_review
        )
    ).all()
    enqueue_all(
        session=session, task=Job.check_quorum, payloads=[{"proposal_id": str(i)} for i in waiting]
    )


def list_committees(
    *, session: Session, cursor: str | None, limit: int, search: str | None = None
) -> tuple[list[Committee], str | None]:
    """A page of committees by name (those whose name holds `search`), and the cursor of the
    next page."""
    key = [(col(Committee.name), True), (col(Committee.id), True)]
    found = select(Committee)
    if search:
        found = found.where(contains(search, Committee.name))
    query = keyset(found, key, cursor, [str, UUID], limit)
    return split_page(session.exec(query).all(), limit, lambda c: (c.name, c.id))


def _check_name_free(session: Session, name: str, except_id: UUID | None = None) -> None:
    query = select(Committee).where(func.lower(Committee.name) == name.lower())
    if except_id is not None:
        query = query.where(Committee.id != except_id)
    if session.exec(query).first():
        raise Conflict(f"a committee named {name!r} already exists", field="name")


def _seats(
    session: Session, *, chair_ids: list[UUID], reviewer_ids: list[UUID]
) -> dict[UUID, MemberRole]:
    """The seat of each member, once each holder is checked to exist and hold a fitting role."""
    seats = [(uid, MemberRole.chair) for uid in chair_ids] + [
        (uid, MemberRole.reviewer) for uid in reviewer_ids
    ]
    seen: set[UUID] = set()
    for uid, _ in seats:
        if uid in seen:
            raise InvalidInput(
                f"user {uid} is given twice: a user can hold only one seat on a committee",
                field="reviewer_ids",
            )
        seen.add(uid)
    for uid, seat in seats:
        user = session.get(User, uid)
        if user is None:
            raise InvalidInput(f"no such user {uid}", field=f"{seat}_ids")
        if user.role not in _SEAT_HOLDERS[seat]:
            raise InvalidInput(
                f"user {user.email} has role {user.role}, not {seat}", field=f"{seat}_ids"
            )
    return dict(seats)


def _seat(session: Session, *, committee: Committee, seats: dict[UUID, MemberRole]) -> None:
    """Make the committee's membership exactly `seats`."""
    wanted = dict(seats)
    held = session.exec(
        select(CommitteeMembership).where(CommitteeMembership.committee_id == committee.id)
    ).all()
    for membership in held:
        seat = wanted.pop(membership.user_id, None)
        if membership.role == MemberRole.reviewer and seat != MemberRole.reviewer:
            _release_reviewer(session, committee_id=committee.id, reviewer_id=membership.user_id)
        if seat is None:
            session.delete(membership)
        elif seat != membership.role:
            # Changed in place: a delete and an insert would hit the one-seat unique constraint,
            # since the flush inserts before it deletes.
            membership.role = seat
            session.add(membership)
    for uid, seat in wanted.items():
        session.add(CommitteeMembership(committee_id=committee.id, user_id=uid, role=seat))
    session.flush()


def _release_reviewer(session: Session, *, committee_id: UUID, reviewer_id: UUID) -> None:
    """A reviewer leaving the committee: its open reviews there close and are staffed again."""
    staffing = session.exec(
        select(Proposal.id).where(
            Proposal.committee_id == committee_id,
            col(Proposal.state).in_((State.assignment, State.in_review)),
        )
    ).all()
    release_reviewer(
        session=session,
        reviewer_id=reviewer_id,
        reason=ClosedReason.reviewer_removed,
        proposal_ids=staffing,
    )


def to_public(*, session: Session, committee: Committee) -> CommitteePublic:
    return to_public_all(session=session, committees=[committee])[0]


def to_public_all(*, session: Session, committees: Sequence[Committee]) -> list[CommitteePublic]:
    """The committees with their chairs and reviewers, read in one query for a whole page."""
    seats = session.exec(
        select(CommitteeMembership).where(
            col(CommitteeMembership.committee_id).in_([c.id for c in committees])
        )
    ).all()
    held: dict[tuple[UUID, MemberRole], list[UUID]] = {}
    for seat in seats:
        held.setdefault((seat.committee_id, seat.role), []).append(seat.user_id)
    return [
        CommitteePublic.model_validate(
            committee,
            update={
                "chair_ids": held.get((committee.id, MemberRole.chair), []),
                "reviewer_ids": held.get((committee.id, MemberRole.reviewer), []),
            },
        )
        for committee in committees
    ]


def routing(*, session: Session) -> dict[str, Committee]:
    """The committee for each therapeutic area covered: the oldest of those that cover it."""
    routes: dict[str, Committee] = {}
    for committee in session.exec(select(Committee).order_by(col(Committee.created_at))):
        for area in committee.therapeutic_areas:
            routes.setdefault(area, committee)
    return routes


def members(*, session: Session, committee_id: UUID, seat: MemberRole) -> list[User]:
    """The active users holding `seat` on the committee (its chairs, or its reviewers)."""
    query = (
        select(User)
        .join(CommitteeMembership, col(CommitteeMembership.user_id) == col(User.id))
        .where(
            CommitteeMembership.committee_id == committee_id,
            CommitteeMembership.role == seat,
            col(User.is_active),
        )
    )
    return list(session.exec(query))
