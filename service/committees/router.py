"""Committees, created and listed by administrators."""

from fastapi import APIRouter
from sqlmodel import select

from service.committees import service
from service.committees.models import Committee, CommitteeCreate, CommitteePublic
from service.deps import AdminUser, SessionDep

router = APIRouter(tags=["committees"])


@router.post("/committees", response_model=CommitteePublic, status_code=201)
def create_committee(session: SessionDep, _: AdminUser, data: CommitteeCreate) -> CommitteePublic:
    committee = service.create_committee(session=session, data=data)
    session.commit()
    return service.to_public(session=session, committee=committee)


@router.get("/committees", response_model=list[CommitteePublic])
def list_committees(session: SessionDep, _: AdminUser) -> list[CommitteePublic]:
    rows = session.exec(select(Committee).order_by(Committee.name))
    return [service.to_public(session=session, committee=c) for c in rows]
