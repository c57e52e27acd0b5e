"""Organisations, created by administrators."""

from fastapi import APIRouter

from service.deps import AdminUser, SessionDep
from service.organisations import service
from service.organisations.models import OrganisationCreate, OrganisationPublic

router = APIRouter(tags=["organisations"])


@router.post("/organizations", response_model=OrganisationPublic, status_code=201)
def create_organisation(
    session: SessionDep, _: AdminUser, data: OrganisationCreate
) -> OrganisationPublic:
    organisation = service.create_organisation(session=session, data=data)
    session.commit()
    return OrganisationPublic.model_validate(organisation)


@router.get("/organizations", response_model=list[OrganisationPublic])
def list_organisations(session: SessionDep, _: AdminUser) -> list[OrganisationPublic]:
    rows = service.list_organisations(session=session)
    return [OrganisationPublic.model_validate(o) for o in rows]
