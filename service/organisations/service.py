"""Organisations: created and listed by administrators."""

from sqlmodel import Session, func, select

from service.errors import Conflict
from service.organisations.models import Organisation, OrganisationCreate


def create_organisation(*, session: Session, data: OrganisationCreate) -> Organisation:
    """A new applicant organisation; names are unique regardless of case."""
    taken = select(Organisation).where(func.lower(Organisation.name) == data.name.lower())
    if session.exec(taken).first():
        raise Conflict(f"an organisation named {data.name!r} already exists", field="name")
    organisation = Organisation.model_validate(data)
    session.add(organisation)
    session.flush()
    return organisation


def list_organisations(*, session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.name)))
