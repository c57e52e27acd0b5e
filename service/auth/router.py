"""Log in and out, the caller's own record and password, and the admin's account management."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import OAuth2PasswordRequestForm

from service.auth import accounts, audit, service
from service.auth.models import (
    AuditEntryPublic,
    AuditPage,
    InvitationAccept,
    InvitationCreate,
    InvitationPublic,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    ProfileUpdate,
    Role,
    Token,
    UserAdminUpdate,
    UserCreate,
    UserPage,
    UserPublic,
)
from service.deps import AdminUser, CurrentUser, SessionDep, SignedInDep
from service.errors import NotAuthenticated
from service.pagination import page_size

router = APIRouter(tags=["auth"])


def client_address(request: Request) -> str:
    """The address log-ins are throttled by (behind a proxy, run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


@router.post(
    "/auth/token",
    response_model=Token,
    responses={401: {"description": "Wrong e-mail or password"}, 429: {"description": "Throttled"}},
)
def log_in(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    """OAuth2 password flow: the username is the e-mail address. Failures are throttled."""
    try:
        user = service.authenticate(
            session=session,
            email=form.username,
            password=form.password,
            client=client_address(request),
        )
    except NotAuthenticated:
        session.commit()  # the failed attempt counts towards the throttle
        raise
    token = service.open_session(session=session, user=user)
    session.commit()
    return Token(access_token=token)


@router.post("/auth/logout", status_code=204)
def log_out(session: SessionDep, signed_in: SignedInDep) -> None:
    """End this session: its token is refused from now on."""
    service.log_out(session=session, session_id=signed_in.session_id)
    session.commit()


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.post("/me/password", status_code=204)
def change_password(session: SessionDep, signed_in: SignedInDep, data: PasswordChange) -> None:
    """Change one's own password; every other session of the account ends."""
    service.change_password(
        session=session,
        user=signed_in.user,
        current=data.current_password,
        new=data.new_password,
        session_id=signed_in.session_id,
    )
    session.commit()


@router.patch("/me", response_model=UserPublic)
def update_me(session: SessionDep, user: CurrentUser, data: ProfileUpdate) -> UserPublic:
    """One's own name, expertise and profile; reviewers' and chairs' capacity, unavailable
    periods (no new invitations then) and standing conflicts (never to review them)."""
    updated = accounts.update_profile(session=session, user=user, data=data)
    session.commit()
    return UserPublic.model_validate(updated)


@router.post("/auth/password-reset", status_code=202)
def request_password_reset(
    request: Request, session: SessionDep, data: PasswordResetRequest
) -> dict[str, str]:
    """E-mail a reset link. The answer is the same whether or not the e-mail has an account;
    requests are throttled per e-mail and per client address (429 with Retry-After)."""
    accounts.request_password_reset(
        session=session, email=data.email, client=client_address(request)
    )
    session.commit()
    return {"status": "if an active account has this e-mail, a reset link was sent to it"}


@router.post("/auth/password-reset/confirm", status_code=204)
def reset_password(session: SessionDep, data: PasswordResetConfirm) -> None:
    """Choose a new password with the link's token; every session of the account ends."""
    accounts.reset_password(session=session, token=data.token, new_password=data.new_password)
    session.commit()


@router.get("/users", response_model=UserPage)
def list_users(
    session: SessionDep,
    _: AdminUser,
    role: Role | None = None,
    organisation: UUID | None = None,
    committee: UUID | None = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> UserPage:
    """Accounts, newest first (admins): by role, organisation, committee, name or e-mail."""
    rows, next_cursor = accounts.list_users(
        session=session,
        role=role,
        organisation_id=organisation,
        committee_id=committee,
        search=search,
        cursor=cursor,
        limit=page_size(limit),
    )
    return UserPage(items=[UserPublic.model_validate(u) for u in rows], next_cursor=next_cursor)


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(session: SessionDep, admin: AdminUser, data: UserCreate) -> UserPublic:
    user = service.create_user(session=session, data=data)
    accounts.record_creation(session=session, actor=admin, user=user)
    session.commit()
    return UserPublic.model_validate(user)


@router.get("/users/{user_id}", response_model=UserPublic)
def read_user(session: SessionDep, _: AdminUser, user_id: UUID) -> UserPublic:
    return UserPublic.model_validate(accounts.get_user(session=session, user_id=user_id))


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(
    session: SessionDep, admin: AdminUser, user_id: UUID, data: UserAdminUpdate
) -> UserPublic:
    """Change role, organisation, capacity; `is_active: false` deactivates the account (its
    sessions end and a reviewer's open invitations go to other reviewers)."""
    user = accounts.update_user(session=session, actor=admin, user_id=user_id, data=data)
    session.commit()
    return UserPublic.model_validate(user)


@router.post("/invitations", response_model=InvitationPublic, status_code=201)
def invite(session: SessionDep, user: CurrentUser, data: InvitationCreate) -> InvitationPublic:
    """Invite by e-mail (admins: anyone; applicants: colleagues of their organisation)."""
    invitation = accounts.invite(session=session, inviter=user, data=data)
    session.commit()
    return InvitationPublic.model_validate(invitation)


@router.post("/invitations/accept", response_model=UserPublic, status_code=201)
def accept_invitation(session: SessionDep, data: InvitationAccept) -> UserPublic:
    """Open the invited account with a password; the link works once, until it expires."""
    user = accounts.accept_invitation(session=session, token=data.token, password=data.password)
    session.commit()
    return UserPublic.model_validate(user)


@router.get("/admin/audit", response_model=AuditPage, tags=["admin"])
def read_audit_log(
    session: SessionDep,
    _: AdminUser,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditPage:
    """Admin actions on accounts and committees, newest first (`search`: in the action, or
    the actor's e-mail or name)."""
    rows, next_cursor = audit.entries(
        session=session, cursor=cursor, limit=page_size(limit), search=search
    )
    return AuditPage(
        items=[AuditEntryPublic.model_validate(e) for e in rows], next_cursor=next_cursor
    )
