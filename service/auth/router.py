"""Log in, and the caller's own record."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from service.auth import service
from service.auth.models import Token, UserCreate, UserPublic
from service.auth.security import issue_token
from service.deps import AdminUser, CurrentUser, SessionDep

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token)
def log_in(session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """OAuth2 password flow: the username is the e-mail address."""
    user = service.authenticate(session=session, email=form.username, password=form.password)
    return Token(access_token=issue_token(user.id))


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(session: SessionDep, _: AdminUser, data: UserCreate) -> UserPublic:
    user = service.create_user(session=session, data=data)
    session.commit()
    return UserPublic.model_validate(user)
