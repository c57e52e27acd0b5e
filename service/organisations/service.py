"""Organisations: created and listed by administrators."""

from uuid import UUID

from sqlmodel import Session, col, func, select

from service.errors import Conflict
from service.organisations.models import Organisation, OrganisationCreate
from service.pagination import keyset, split_page


def create_organisation(*, session: Session, data: OrganisationCreate) -> Organisation:
    """A new applicant organisation; names are unique regardless of case."""
    taken = select(Organisation).where(func.lower(Organisation.name) == data.name.lower())
    if session.exec(taken).first():
        raise Conflict(f"an organisation named {data.name!r} already exists", field="name")
    organisation = Organisation.model_validate(data)
    session.add(organisation)
    session.flush()
    return organisation


def list_organisations(
    *, session: Session, cursor: str | None, limit: int
) -> tuple[list[Organisation], str | None]:
    """A page of organisations by name, and the cursor of the next page."""
    key = [(col(Organisation.name), True), (col(Organisation.id), True)]
    query = keyset(select(Organisation), key, cursor, [str, UUID], limit)
    return split_page(session.exec(query).all(), limit, lambda o: (o.name, o.id))
