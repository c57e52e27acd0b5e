"""Dependencies every router shares: the session and the authenticated caller."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.auth.models import Role, User
from service.auth.service import SignedIn, user_for_token
from service.db import get_engine
from service.errors import Forbidden, NotAuthenticated

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# The dependencies that do no I/O are coroutines: FastAPI runs every plain function in the
# thread pool, and each such hop costs the request a thread switch each way.


async def get_session() -> AsyncIterator[Session]:
    """A request's session; the route commits, anything unfinished is rolled back."""
    session = Session(get_engine(), expire_on_commit=False)  # connects on first use
    try:
        yield session
    finally:
        if session.in_transaction():  # a rollback: a round trip, off the event loop
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def get_signed_in(session: SessionDep, token: Annotated[str | None, Depends(_bearer)]) -> SignedIn:
    if not token:
        raise NotAuthenticated("a valid bearer token is required")
    return user_for_token(session=session, token=token)


SignedInDep = Annotated[SignedIn, Depends(get_signed_in)]


async def get_current_user(signed_in: SignedInDep) -> User:
    return signed_in.user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise Forbidden("only administrators may do this")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
