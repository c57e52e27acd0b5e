"""Dependencies every router shares: the session and the authenticated caller."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from service.auth.models import Role, User
from service.auth.security import read_token
from service.db import get_engine
from service.errors import Forbidden, NotAuthenticated

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_session() -> Iterator[Session]:
    """A request's session; the route commits, anything unfinished is rolled back."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_current_user(session: SessionDep, token: Annotated[str | None, Depends(_bearer)]) -> User:
    user_id = read_token(token) if token else None
    user = session.get(User, user_id) if user_id else None
    if user is None or not user.is_active:
        raise NotAuthenticated("a valid bearer token is required")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_admin(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise Forbidden("only administrators may do this")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
