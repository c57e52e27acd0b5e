"""Organisations: created and listed by administrators."""

from uuid import UUID

from sqlalchemy import String, cast
from sqlmodel import Session, col, func, select

from service.auth import audit
from service.auth.models import User
from service.errors import Conflict, NotFound
from service.organisations.models import Organisation, OrganisationCreate, OrganisationUpdate
from service.pagination import keyset, split_page
from service.search import contains


def create_organisation(*, session: Session, admin: User, data: OrganisationCreate) -> Organisation:
    """A new applicant organisation (audited); names are unique regardless of case."""
    _check_name_free(session, data.name)
    organisation = Organisation.model_validate(data)
    session.add(organisation)
    session.flush()
    audit.record(
        session=session,
        actor=admin,
        action="organisation.create",
        target_type="organisation",
        target_id=organisation.id,
        after=data.model_dump(mode="json"),
    )
    return organisation


def _check_name_free(session: Session, name: str, except_id: UUID | None = None) -> None:
    taken = select(Organisation).where(func.lower(Organisation.name) == name.lower())
    if except_id is not None:
        taken = taken.where(Organisation.id != except_id)
    if session.exec(taken).first():
        raise Conflict(f"an organisation named {name!r} already exists", field="name")


def get_organisation(*, session: Session, organisation_id: UUID) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"organisation {organisation_id} not found")
    return organisation


def update_organisation(
    *, session: Session, admin: User, organisation_id: UUID, data: OrganisationUpdate
) -> Organisation:
    """Rename an organisation, change its country or e-mail domains (audited, before and after).

    The domains feed the conflict-of-interest rules: proposals already staffed keep their
    reviewers, later assignments and the chair's standing follow the new domains.
    """
    organisation = get_organisation(session=session, organisation_id=organisation_id)
    _check_name_free(session, data.name, except_id=organisation.id)
    before = OrganisationUpdate.model_validate(organisation).model_dump(mode="json")
    organisation.sqlmodel_update(data.model_dump())
    session.add(organisation)
    session.flush()
    after = data.model_dump(mode="json")
    changed = [name for name in after if before[name] != after[name]]
    if changed:
        audit.record(
            session=session,
            actor=admin,
            action="organisation.update",
            target_type="organisation",
            target_id=organisation.id,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return organisation


def list_organisations(
    *, session: Session, cursor: str | None, limit: int, search: str | None = None
) -> tuple[list[Organisation], str | None]:
    """A page of organisations by name (those whose name or a domain holds `search`), and
    the cursor of the next page."""
    key = [(col(Organisation.name), True), (col(Organisation.id), True)]
    found = select(Organisation)
    if search:
        # The domains are a JSON list: searched as their text, which holds each domain.
        found = found.where(
            contains(search, Organisation.name, cast(Organisation.email_domains, String))
        )
    query = keyset(found, key, cursor, [str, UUID], limit)
    return split_page(session.exec(query).all(), limit, lambda o: (o.name, o.id))
