"""The account lifecycle: admins list, change and deactivate accounts; people are invited by
single-use links, reset forgotten passwords by e-mail and keep their own profile.

Every admin action on an account goes into the audit log in the same transaction.
"""

import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.assignment.closing import release_reviewer
from service.assignment.models import ClosedReason
from service.auth import audit, throttle
from service.auth.models import (
    Invitation,
    InvitationCreate,
    PasswordReset,
    ProfileUpdate,
    Role,
    User,
    UserAdminUpdate,
)
from service.auth.pages import page
from service.auth.passwords import password_problem
from service.auth.security import hash_password
from service.auth.service import revoke_sessions, set_password
from service.committees.models import CommitteeMembership
from service.config import get_settings
from service.db import utcnow
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.i18n import N_, Text, reader_language
from service.notifications.service import send_account_email
from service.organisations.models import Organisation
from service.search import contains

# What the audit log keeps of an account: never its password hash.
_AUDITED = ("email", "full_name", "role", "organisation_id", "capacity", "is_active")
# Only people who review have a capacity, availability and standing conflicts.
_REVIEWING_ROLES = (Role.reviewer, Role.chair)

# A sentence per role: translators need the whole sentence (Russian declines the role).
_INVITED_AS = {
    Role.applicant: N_("%(inviter)s invited you to your organisation's account as an applicant."),
    Role.reviewer: N_("%(inviter)s invited you to the committee as a reviewer."),
    Role.chair: N_("%(inviter)s invited you to the committee as a chair."),
    Role.admin: N_("%(inviter)s invited you to run the service as an administrator."),
}


def _country(session: Session, organisation_id: UUID | None) -> str | None:
    """The organisation's country, which tells the language to write to its people in."""
    if organisation_id is None:
        return None
    organisation = session.get(Organisation, organisation_id)
    return organisation.country if organisation else None


def _snapshot(user: User) -> dict[str, Any]:
    # Through JSON: UUIDs become strings, and a role read back from the database (a plain
    # string) is written like one just set (an enum member).
    return dict(
        json.loads(json.dumps({name: getattr(user, name) for name in _AUDITED}, default=str))
    )


def _secret() -> tuple[str, str]:
    """A link's secret and the hash stored for it."""
    token = secrets.token_urlsafe(32)
    return token, _hashed(token)


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email_taken(session: Session, email: str) -> bool:
    found = session.exec(select(User.id).where(func.lower(User.email) == email.lower())).first()
    return found is not None


def _check_organisation(session: Session, role: Role, organisation_id: UUID | None) -> None:
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise InvalidInput("organisation_id: no such organisation", field="organisation_id")
    if role == Role.applicant and organisation_id is None:
        raise InvalidInput(
            "organisation_id: an applicant must belong to an organisation", field="organisation_id"
        )


# --- admins ---------------------------------------------------------------------------------


def list_users(
    *,
    session: Session,
    role: Role | None = None,
    organisation_id: UUID | None = None,
    committee_id: UUID | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int,
) -> tuple[list[User], str | None]:
    """A page of accounts, newest first, filtered by role, organisation, committee, name/e-mail."""
    query = select(User)
    if role is not None:
        query = query.where(User.role == role)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    if committee_id is not None:
        seats = select(CommitteeMembership.user_id).where(
            CommitteeMembership.committee_id == committee_id
        )
        query = query.where(col(User.id).in_(seats))
    if search:
        query = query.where(contains(search, User.email, User.full_name))
    return page(session=session, query=query, model=User, cursor=cursor, limit=limit)


def get_user(*, session: Session, user_id: UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def update_user(*, session: Session, actor: User, user_id: UUID, data: UserAdminUpdate) -> User:
    """Change an account's role, organisation, capacity or activity (audited).

    Deactivating ends its sessions at once and frees its open review invitations, which the
    re-staffing job gives to other reviewers.
    """
    user = get_user(session=session, user_id=user_id)
    changes = data.model_dump(exclude_unset=True)
    if user.id == actor.id and (changes.get("is_active") is False or "role" in changes):
        raise Forbidden("administrators cannot deactivate themselves or change their own role")
    before = _snapshot(user)
    _check_organisation(
        session,
        changes.get("role", user.role),
        changes.get("organisation_id", user.organisation_id),
    )
    deactivating = user.is_active and changes.get("is_active") is False
    user.sqlmodel_update(changes)
    session.add(user)
    if deactivating:
        revoke_sessions(session=session, user_id=user.id)
        release_reviewer(
            session=session, reviewer_id=user.id, reason=ClosedReason.reviewer_deactivated
        )
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="user.deactivate" if deactivating else "user.update",
        target_type="user",
        target_id=user.id,
        before=before,
        after=_snapshot(user),
    )
    return user


def record_creation(*, session: Session, actor: User, user: User) -> None:
    """Audit an account an admin created directly (POST /users)."""
    audit.record(
        session=session,
        actor=actor,
        action="user.create",
        target_type="user",
        target_id=user.id,
        after=_snapshot(user),
    )


# --- invitations ----------------------------------------------------------------------------


def invite(*, session: Session, inviter: User, data: InvitationCreate) -> Invitation:
    """Invite someone by e-mail to set a password and open an account.

    Admins invite anyone; an applicant invites colleagues into its own organisation, as
    applicants. Inviting the same e-mail again replaces the earlier, unused link.
    """
    if inviter.role == Role.applicant:
        if data.role != Role.applicant or data.organisation_id not in (
            None,
            inviter.organisation_id,
        ):
            raise Forbidden("applicants may invite colleagues of their own organisation only")
        data = data.model_copy(update={"organisation_id": inviter.organisation_id})
    elif inviter.role != Role.admin:
        raise Forbidden("only administrators and applicants may invite")
    _check_organisation(session, data.role, data.organisation_id)
    if _email_taken(session, data.email):
        raise Conflict(f"a user with e-mail {data.email} already exists", field="email")
    now = utcnow()
    for earlier in session.exec(
        select(Invitation).where(
            Invitation.email == data.email,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.expires_at) > now,
        )
    ):
        earlier.expires_at = now
    token, token_hash = _secret()
    invitation = Invitation(
        email=data.email,
        full_name=data.full_name,
        role=data.role,
        organisation_id=data.organisation_id,
        invited_by=inviter.id,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + timedelta(hours=get_settings().invitation_hours),
    )
    session.add(invitation)
    session.flush()
    link = f"{get_settings().public_url}/invitations/accept?token={token}"
    send_account_email(
        session=session,
        event="account.invitation",
        address=data.email,
        subject=Text(N_("You are invited to the expert committee review service")),
        body=[
            Text(_INVITED_AS[data.role], {"inviter": inviter.full_name}),
            Text(
                N_("Choose your password here (the link works once, for %(hours)s hours):"),
                {"hours": get_settings().invitation_hours},
            ),
            "",
            link,
            "",
            Text(
                N_("API clients: POST /api/v1/invitations/accept with this token and a password.")
            ),
        ],
        key=str(invitation.id),
        # The organisation's country tells the language best; a reviewer or chair has none,
        # and is written to in the language of whoever invited them.
        language=reader_language(
            None if data.organisation_id else inviter.language,
            _country(session, data.organisation_id),
        ),
    )
    if inviter.role == Role.admin:
        audit.record(
            session=session,
            actor=inviter,
            action="user.invite",
            target_type="invitation",
            target_id=invitation.id,
            after=invitation.model_dump(mode="json", exclude={"token_hash"}),
        )
    return invitation


def _open_link(session: Session, model: Any, token: str, used_field: str) -> Any:
    found = session.exec(
        select(model).where(
            model.token_hash == _hashed(token),
            col(getattr(model, used_field)).is_(None),
            model.expires_at > utcnow(),
        )
    ).first()
    if found is None:
        raise InvalidInput("token: this link is invalid, used or expired", field="token")
    return found


def accept_invitation(*, session: Session, token: str, password: str) -> User:
    """Open the invited account with the password chosen; the link then stops working."""
    invitation: Invitation = _open_link(session, Invitation, token, "accepted_at")
    if problem := password_problem(password, email=invitation.email, name=invitation.full_name):
        raise InvalidInput(f"password: {problem}", **problem.refusal("password"))
    if _email_taken(session, invitation.email):
        raise Conflict(f"a user with e-mail {invitation.email} already exists", field="email")
    user = User(
        email=invitation.email,
        full_name=invitation.full_name,
        role=invitation.role,
        organisation_id=invitation.organisation_id,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    invitation.accepted_at = utcnow()
    invitation.user_id = user.id
    session.flush()
    return user


# --- forgotten passwords ----------------------------------------------------------------------


def request_password_reset(*, session: Session, email: str, client: str) -> None:
    """E-mail a single-use reset link if an active account has this e-mail.

    The caller answers the same whether or not it has: nothing tells who has an account.
    Requests are counted per e-mail and per client address like failed log-ins, so nobody can
    flood an inbox with reset e-mails (429 with Retry-After past the limits), whether or not
    the e-mail has an account.
    """
    settings = get_settings()
    now = utcnow()
    per_email, per_client = throttle.reset_keys(email, client)
    throttle.check(
        session=session, keys=[per_email, per_client], now=now, what="password-reset requests"
    )
    throttle.record_failure(
        session=session, key=per_email, limit=settings.login_account_max_failures, now=now
    )
    throttle.record_failure(
        session=session, key=per_client, limit=settings.login_client_max_failures, now=now
    )
    user = session.exec(
        select(User).where(func.lower(User.email) == email.strip().lower(), col(User.is_active))
    ).first()
    if user is None:
        return
    token, token_hash = _secret()
    reset = PasswordReset(
        user_id=user.id,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.password_reset_minutes),
    )
    session.add(reset)
    session.flush()
    link = f"{settings.public_url}/password-reset?token={token}"
    send_account_email(
        session=session,
        event="account.password_reset",
        address=user.email,
        subject=Text(N_("Reset your password")),
        body=[
            Text(
                N_(
                    "Someone asked to reset the password of this account. If it was you, choose "
                    "a new one here (the link works once, for %(minutes)s minutes):"
                ),
                {"minutes": settings.password_reset_minutes},
            ),
            "",
            link,
            "",
            Text(N_("If it was not you, ignore this e-mail: nothing has changed.")),
        ],
        key=str(reset.id),
        language=reader_language(user.language, _country(session, user.organisation_id)),
        recipient_id=user.id,
    )


def reset_password(*, session: Session, token: str, new_password: str) -> None:
    """Set the password through a reset link; every session of the account ends."""
    reset: PasswordReset = _open_link(session, PasswordReset, token, "used_at")
    user = session.get(User, reset.user_id)
    if user is None or not user.is_active:
        raise InvalidInput("token: this link is invalid, used or expired", field="token")
    set_password(session=session, user=user, password=new_password, field="new_password")
    reset.used_at = utcnow()
    revoke_sessions(session=session, user_id=user.id)
    throttle.forget(session=session, key=throttle.account_key(user.email))
    session.flush()


# --- one's own profile --------------------------------------------------------------------------


def update_profile(*, session: Session, user: User, data: ProfileUpdate) -> User:
    """Change one's own name, expertise and profile; reviewers and chairs also their
    capacity, unavailable periods and standing conflicts."""
    changes = data.model_dump(exclude_unset=True, mode="json")
    reviewing_only = {"capacity", "unavailable_periods", "standing_conflicts"} & changes.keys()
    if reviewing_only and user.role not in _REVIEWING_ROLES:
        raise Forbidden(f"only reviewers and chairs set {', '.join(sorted(reviewing_only))}")
    user.sqlmodel_update(changes)
    session.add(user)
    session.flush()
    return user
