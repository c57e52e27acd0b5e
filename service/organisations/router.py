"""Organisations, created by administrators."""

from typing import Annotated

from fastapi import APIRouter, Query

from service.deps import AdminUser, SessionDep
from service.organisations import service
from service.organisations.models import OrganisationCreate, OrganisationPublic
from service.pagination import Cursor, Limit, Page, page_size

router = APIRouter(tags=["organisations"])


@router.post("/organisations", response_model=OrganisationPublic, status_code=201)
def create_organisation(
    session: SessionDep, admin: AdminUser, data: OrganisationCreate
) -> OrganisationPublic:
    organisation = service.create_organisation(session=session, admin=admin, data=data)
    session.commit()
    return OrganisationPublic.model_validate(organisation)


@router.get("/organisations", response_model=Page[OrganisationPublic])
def list_organisations(
    session: SessionDep,
    _: AdminUser,
    cursor: Cursor = None,
    limit: Limit = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[OrganisationPublic]:
    """Organisations by name (`search`: in the name or a domain); follow `next_cursor`."""
    rows, next_cursor = service.list_organisations(
        session=session, cursor=cursor, limit=page_size(limit), search=search
    )
    return Page(items=[OrganisationPublic.model_validate(o) for o in rows], next_cursor=next_cursor)
