"""Users: creation by admins, authentication by password."""

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.auth.models import Role, User, UserCreate
from service.auth.security import hash_password, verify_password
from service.errors import Conflict, InvalidInput, NotAuthenticated
from service.organisations.models import Organisation


def create_user(*, session: Session, data: UserCreate) -> User:
    """Create a user; applicants must belong to an organisation, others may."""
    if session.exec(select(User).where(func.lower(User.email) == data.email)).first():
        raise Conflict(f"a user with e-mail {data.email} already exists", field="email")
    if data.organisation_id is not None and session.get(Organisation, data.organisation_id) is None:
        raise InvalidInput("organisation_id: no such organisation", field="organisation_id")
    if data.role == Role.applicant and data.organisation_id is None:
        raise InvalidInput(
            "organisation_id: an applicant must belong to an organisation",
            field="organisation_id",
        )
    user = User.model_validate(
        data.model_dump(exclude={"password"}),
        update={"password_hash": hash_password(data.password)},
    )
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, email: str, password: str) -> User:
    user = session.exec(select(User).where(func.lower(User.email) == email.lower())).first()
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise NotAuthenticated("incorrect e-mail or password")
    return user


def applicants_of(*, session: Session, organisation_ids: Iterable[UUID]) -> dict[UUID, list[User]]:
    """Each organisation's active applicants (who hears about its proposals), in one query."""
    found: dict[UUID, list[User]] = {i: [] for i in organisation_ids}
    query = select(User).where(
        col(User.organisation_id).in_(list(found)),
        User.role == Role.applicant,
        col(User.is_active),
    )
    for user in session.exec(query):
        found[user.organisation_id].append(user)  # type: ignore[index]
    return found
