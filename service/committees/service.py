"""Committees: creation by admins, membership look-ups for authorization and routing."""

from uuid import UUID

from sqlmodel import Session, col, func, select

from service.auth.models import Role, User
from service.committees.models import (
    Committee,
    CommitteeCreate,
    CommitteeMembership,
    CommitteePublic,
    MemberRole,
)
from service.errors import Conflict, InvalidInput


def create_committee(*, session: Session, data: CommitteeCreate) -> Committee:
    """Create a committee with its chairs and reviewers (checked to hold those roles)."""
    if session.exec(
        select(Committee).where(func.lower(Committee.name) == data.name.lower())
    ).first():
        raise Conflict(f"a committee named {data.name!r} already exists", field="name")
    members = [(uid, MemberRole.chair) for uid in data.chair_ids] + [
        (uid, MemberRole.reviewer) for uid in data.reviewer_ids
    ]
    if len({uid for uid, _ in members}) != len(members):
        raise InvalidInput("a user can hold only one seat on a committee", field="reviewer_ids")
    allowed = {MemberRole.chair: {Role.chair}, MemberRole.reviewer: {Role.reviewer, Role.chair}}
    for uid, seat in members:
        user = session.get(User, uid)
        if user is None:
            raise InvalidInput(f"no such user {uid}", field=f"{seat}_ids")
        if user.role not in allowed[seat]:
            raise InvalidInput(
                f"user {user.email} has role {user.role}, not {seat}", field=f"{seat}_ids"
            )
    committee = Committee.model_validate(
        data.model_dump(exclude={"chair_ids", "reviewer_ids"}, mode="json")
    )
    session.add(committee)
    session.flush()
    for uid, seat in members:
        session.add(CommitteeMembership(committee_id=committee.id, user_id=uid, role=seat))
    session.flush()
    return committee


def to_public(*, session: Session, committee: Committee) -> CommitteePublic:
    seats = session.exec(
        select(CommitteeMembership).where(CommitteeMembership.committee_id == committee.id)
    ).all()
    return CommitteePublic.model_validate(
        committee,
        update={
            "chair_ids": [s.user_id for s in seats if s.role == MemberRole.chair],
            "reviewer_ids": [s.user_id for s in seats if s.role == MemberRole.reviewer],
        },
    )


def chaired_by(*, session: Session, user_id: UUID) -> list[UUID]:
    """Ids of the committees `user_id` chairs."""
    query = select(CommitteeMembership.committee_id).where(
        CommitteeMembership.user_id == user_id, CommitteeMembership.role == MemberRole.chair
    )
    return list(session.exec(query))


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
