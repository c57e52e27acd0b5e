"""Committees, created, edited and listed by administrators, read by their chairs too."""

from uuid import UUID

from fastapi import APIRouter
from sqlmodel import select

from service.auth import audit
from service.committees import service
from service.committees.models import (
    Committee,
    CommitteeCreate,
    CommitteePublic,
    CommitteeUpdate,
)
from service.deps import AdminUser, CurrentUser, SessionDep
from service.reviews.service import recheck_quorum

router = APIRouter(tags=["committees"])


@router.post("/committees", response_model=CommitteePublic, status_code=201)
def create_committee(
    session: SessionDep, admin: AdminUser, data: CommitteeCreate
) -> CommitteePublic:
    committee = service.create_committee(session=session, data=data)
    public = service.to_public(session=session, committee=committee)
    audit.record(
        session=session,
        actor=admin,
        action="committee.create",
        target_type="committee",
        target_id=committee.id,
        after=public.model_dump(mode="json"),
    )
    session.commit()
    return public


@router.get("/committees", response_model=list[CommitteePublic])
def list_committees(session: SessionDep, _: AdminUser) -> list[CommitteePublic]:
    rows = session.exec(select(Committee).order_by(Committee.name))
    return [service.to_public(session=session, committee=c) for c in rows]


@router.get("/committees/{committee_id}", response_model=CommitteePublic)
def get_committee(session: SessionDep, user: CurrentUser, committee_id: UUID) -> CommitteePublic:
    """One committee, for admins and its chairs (404 for anybody else)."""
    committee = service.get_committee(session=session, user=user, committee_id=committee_id)
    return service.to_public(session=session, committee=committee)


@router.patch("/committees/{committee_id}", response_model=CommitteePublic)
def edit_committee(
    session: SessionDep, admin: AdminUser, committee_id: UUID, data: CommitteeUpdate
) -> CommitteePublic:
    """Change the fields sent; `chair_ids` or `reviewer_ids` sent replace that whole list."""
    current = service.get_committee(session=session, user=admin, committee_id=committee_id)
    before = service.to_public(session=session, committee=current).model_dump(mode="json")
    committee, changed = service.update_committee(
        session=session, committee_id=committee_id, data=data
    )
    if "quorum" in changed:
        recheck_quorum(session=session, committee_id=committee.id)
    public = service.to_public(session=session, committee=committee)
    if changed:
        after = public.model_dump(mode="json")
        audit.record(
            session=session,
            actor=admin,
            action="committee.update",
            target_type="committee",
            target_id=committee.id,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    session.commit()
    return public
