"""Organisations, created by administrators."""

from fastapi import APIRouter
from sqlmodel import func, select

from service.deps import AdminUser, SessionDep
from service.errors import Conflict
from service.organisations.models import Organisation, OrganisationCreate, OrganisationPublic

router = APIRouter(tags=["organisations"])


@router.post("/organizations", response_model=OrganisationPublic, status_code=201)
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


@router.get("/organizations", response_model=list[OrganisationPublic])
def list_organisations(session: SessionDep, _: AdminUser) -> list[OrganisationPublic]:
    rows = session.exec(select(Organisation).order_by(Organisation.name))
    return [OrganisationPublic.model_validate(o) for o in rows]
