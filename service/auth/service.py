"""Users: creation by admins, log-in with throttling, sessions and the tokens that name them.

The API's bearer dependency and the web pages' cookie sessions use the same functions:
`authenticate` then `open_session` to log in, `user_for_token` on every request,
`log_out` to end a session.
"""

from collections.abc import Iterable
from datetime import timedelta
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import ColumnElement, and_, bindparam, func, update
from sqlmodel import Session, col, select

from service.auth import throttle
from service.auth.models import AuthSession, Role, User, UserCreate
from service.auth.passwords import INCORRECT, password_problem
from service.auth.security import (
    hash_password,
    issue_token,
    read_token,
    verify_nobody,
    verify_password,
)
from service.config import get_settings
from service.db import utcnow
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


def authenticate(*, session: Session, email: str, password: str, client: str) -> User:
    """The active user with this e-mail and password, from the client at address `client`.

    Refused with 429 while the account or the address is throttled. A failure is counted
    and raises NotAuthenticated: the caller commits before answering, so that it counts. An
    unknown e-mail costs the same time as a wrong password and is counted the same way, so
    neither the timing nor the throttling tells which e-mails have accounts.
    """
    now = utcnow()
    settings = get_settings()
    account, address = throttle.account_key(email), throttle.client_key(client)
    throttle.check(session=session, keys=[account, address], now=now)
    user = session.exec(select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is not None and user.is_active and verify_password(user.password_hash, password):
        throttle.forget(session=session, key=account)
        return user
    if user is None or not user.is_active:
        verify_nobody(password)
    limits = (
        (account, settings.login_account_max_failures),
        (address, settings.login_client_max_failures),
    )
    for key, limit in limits:
        throttle.record_failure(session=session, key=key, limit=limit, now=now)
    raise NotAuthenticated("incorrect e-mail or password")


def open_session(*, session: Session, user: User) -> str:
    """Start a session for `user` and return the bearer token naming it."""
    now = utcnow()
    expires = now + timedelta(minutes=get_settings().access_token_minutes)
    opened = AuthSession(user_id=user.id, created_at=now, expires_at=expires)
    session.add(opened)
    session.flush()
    return issue_token(user_id=user.id, session_id=opened.id, issued_at=now, expires_at=expires)


class SignedIn(NamedTuple):
    """Who a request comes from, and in which session."""

    user: User
    session_id: UUID


# Built once: composing this statement cost more than the database took to run it, and it
# runs on every request. The values come in as bound parameters.
_SIGNED_IN = (
    select(User)
    .join(AuthSession, col(AuthSession.user_id) == User.id)
    .where(
        AuthSession.id == bindparam("session_id"),
        User.id == bindparam("user_id"),
        col(AuthSession.revoked_at).is_(None),
        col(AuthSession.expires_at) > bindparam("now"),
        col(User.is_active),
    )
)


def user_for_token(*, session: Session, token: str) -> SignedIn:
    """The active user a token belongs to, while its session is open; 401 otherwise."""
    claims = read_token(token)
    if claims is not None:
        found = session.exec(
            _SIGNED_IN,
            params={"session_id": claims.session_id, "user_id": claims.user_id, "now": utcnow()},
        ).first()
        if found is not None:
            return SignedIn(found, claims.session_id)
    raise NotAuthenticated("a valid bearer token is required")


def log_out(*, session: Session, session_id: UUID) -> None:
    """End one session: its token is refused from now on."""
    _revoke(session=session, which=col(AuthSession.id) == session_id)


def revoke_sessions(*, session: Session, user_id: UUID, keep: UUID | None = None) -> None:
    """End every open session of a user, except `keep` (the one changing its password)."""
    which = col(AuthSession.user_id) == user_id
    if keep is not None:
        which = and_(which, col(AuthSession.id) != keep)
    _revoke(session=session, which=which)


def _revoke(*, session: Session, which: ColumnElement[bool]) -> None:
    session.execute(
        update(AuthSession)
        .where(which, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


def change_password(
    *, session: Session, user: User, current: str, new: str, session_id: UUID
) -> None:
    """Set a new password (the current one must be right); every other session ends."""
    if not verify_password(user.password_hash, current):
        raise InvalidInput(
            f"current_password: {INCORRECT}", **INCORRECT.refusal("current_password")
        )
    set_password(session=session, user=user, password=new, field="new_password")
    revoke_sessions(session=session, user_id=user.id, keep=session_id)


def set_password(*, session: Session, user: User, password: str, field: str = "password") -> None:
    """Store a new password for `user` if it meets the password rule (422 naming why not)."""
    if problem := password_problem(password, email=user.email, name=user.full_name):
        raise InvalidInput(f"{field}: {problem}", **problem.refusal(field))
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()


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
