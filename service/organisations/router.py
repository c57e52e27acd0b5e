"""Organisations, created by administrators."""

from uuid import UUID

from fastapi import APIRouter
from sqlmodel import col, func, select

from service.deps import AdminUser, SessionDep
from service.errors import Conflict
from service.organisations.models import Organisation, OrganisationCreate, OrganisationPublic
from service.pagination import Cursor, Limit, Page, keyset, page_size, split_page

router = APIRouter(tags=["organisations"])


@router.post("/organisations", response_model=OrganisationPublic, status_code=201)
def create_organisation(
    session: SessionDep, _: AdminUser, data: OrganisationCreate
) -> OrganisationPublic:
    taken = select(Organisation).where(func.lower(Organisation.name) == data.name.lower())
    if session.exec(taken).first():
        raise Conflict(f"an organisation named {data.name!r} already exists", field="name")
    organisation = Organisation.model_validate(data)
    session.add(organisation)
    session.commit()
    return OrganisationPublic.model_validate(organisation)


@router.get("/organisations", response_model=Page[OrganisationPublic])
def list_organisations(
    session: SessionDep, _: AdminUser, cursor: Cursor = None, limit: Limit = None
) -> Page[OrganisationPublic]:
    """Organisations by name; follow `next_cursor` for more."""
    size = page_size(limit)
    key = [(col(Organisation.name), True), (col(Organisation.id), True)]
    query = keyset(select(Organisation), key, cursor, [str, UUID], size)
    rows, next_cursor = split_page(session.exec(query).all(), size, lambda o: (o.name, o.id))
    return Page(items=[OrganisationPublic.model_validate(o) for o in rows], next_cursor=next_cursor)
