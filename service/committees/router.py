"""Committees, created, edited and listed by administrators, read by their chairs too."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from service.committees import service
from service.committees.models import CommitteeCreate, CommitteePublic, CommitteeUpdate
from service.deps import AdminUser, CurrentUser, SessionDep
from service.idempotency import IdempotentDep
from service.pagination import Cursor, Limit, Page, page_size

router = APIRouter(tags=["committees"])


@router.post("/committees", response_model=CommitteePublic, status_code=201)
def create_committee(
    session: SessionDep, admin: AdminUser, data: CommitteeCreate, once: IdempotentDep
) -> JSONResponse:
    """Create a committee. Honours an Idempotency-Key header."""

    def work() -> CommitteePublic:
        committee = service.create_committee(session=session, admin=admin, data=data)
        return service.to_public(session=session, committee=committee)

    return once.respond(session, work, 201)


@router.get("/committees", response_model=Page[CommitteePublic])
def list_committees(
    session: SessionDep,
    _: AdminUser,
    cursor: Cursor = None,
    limit: Limit = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[CommitteePublic]:
    """Committees by name (`search`: in the name); follow `next_cursor` for more."""
    rows, next_cursor = service.list_committees(
        session=session, cursor=cursor, limit=page_size(limit), search=search
    )
    return Page(
        items=service.to_public_all(session=session, committees=rows),
        next_cursor=next_cursor,
    )


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
    committee = service.update_committee(
        session=session, admin=admin, committee_id=committee_id, data=data
    )
    session.commit()
    return service.to_public(session=session, committee=committee)
