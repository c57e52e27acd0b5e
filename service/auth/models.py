"""Users and their roles, their sign-in sessions, and the counters that throttle log-ins."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import ConfigDict, EmailStr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, Index, String
from sqlmodel import Field, SQLModel

from service.auth.passwords import password_problem
from service.db import Record, UTCDateTime, created_field, id_field
from service.storable import StorableInput


class Role(StrEnum):
    applicant = "applicant"
    reviewer = "reviewer"
    chair = "chair"
    admin = "admin"


class Language(StrEnum):
    """The languages the pages, e-mails and letters are written in."""

    en = "en"
    zh_Hans = "zh_Hans"
    ru = "ru"


class UserBase(SQLModel):
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(min_length=1, max_length=200)
    role: Role = Field(sa_type=String(16))
    organisation_id: UUID | None = Field(default=None, foreign_key="organisations.id", index=True)
    expertise_keywords: list[str] = Field(default_factory=list, sa_type=JSON)
    expertise_profile: str = Field(default="", max_length=5000)
    capacity: int = Field(default=5, ge=0, le=100, description="Most open reviews at once")
    language: Language | None = Field(
        default=None,
        sa_type=String(8),
        description="Pages, e-mails and letters in this language; unset: the browser's",
    )


class UnavailablePeriod(SQLModel):
    """Days (inclusive) on which a reviewer takes no new invitations."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> "UnavailablePeriod":
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class User(UserBase, Record, table=True):
    __tablename__ = "users"
    password_hash: str
    is_active: bool = True
    # A reviewer's own availability and standing conflicts (PATCH /me), kept as JSON: the
    # assignment stage reads them with the rest of the reviewer's profile.
    unavailable_periods: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    standing_conflicts: list[str] = Field(
        default_factory=list,
        sa_type=JSON,
        description="E-mails, organisation names or domains this reviewer must never review",
    )


class UserCreate(UserBase, StorableInput):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    email: EmailStr
    password: str = Field(max_length=128, description="See the password rule in the README")

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("password")
    @classmethod
    def _strong_password(cls, value: str, info: ValidationInfo) -> str:
        # The e-mail and name are validated before the password (field order).
        email, name = info.data.get("email", ""), info.data.get("full_name", "")
        if problem := password_problem(value, email=email, name=name):
            # A custom error keeps the refusal's code for the 422's `fields` (service.errors).
            raise PydanticCustomError(problem.code, problem.reason, problem.params)
        return value

    @field_validator("expertise_keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        return [k.strip() for k in value if k.strip()]


class UserPublic(UserBase):
    id: UUID
    is_active: bool
    unavailable_periods: list[UnavailablePeriod]
    standing_conflicts: list[str]
    created_at: datetime


class UserPage(SQLModel):
    items: list[UserPublic]
    next_cursor: str | None


def _clean_list(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    items = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(items) > 50 or any(len(v) > 200 for v in items):
        raise ValueError("at most 50 entries of at most 200 characters")
    return items


class _NoNulls(StorableInput):
    """A partial edit: only the fields sent change, and none of them may be sent as null."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @field_validator("*", mode="after")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class UserAdminUpdate(_NoNulls):
    """What an admin changes on an account; `is_active: false` deactivates it."""

    role: Role | None = None
    organisation_id: UUID | None = None
    capacity: int | None = Field(default=None, ge=0, le=100)
    is_active: bool | None = None


class ProfileUpdate(_NoNulls):
    """What people change on their own account (the last three: reviewers and chairs)."""

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    expertise_keywords: list[str] | None = None
    expertise_profile: str | None = Field(default=None, max_length=5000)
    capacity: int | None = Field(default=None, ge=0, le=100)
    unavailable_periods: list[UnavailablePeriod] | None = Field(default=None, max_length=50)
    standing_conflicts: list[str] | None = None
    language: Language | None = None

    @field_validator("expertise_keywords", "standing_conflicts")
    @classmethod
    def _lists(cls, value: list[str] | None) -> list[str] | None:
        return _clean_list(value)


class PasswordChange(StorableInput):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    current_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128, description="See the password rule in the README")


class Token(SQLModel):
    access_token: str
    token_type: str = "bearer"


class AuthSession(SQLModel, table=True):
    """One signed-in session: a token names it (`sid`) and is honoured while it is open.

    Logging out, a password change and deactivation set `revoked_at`; a token of a revoked
    or expired session is refused even though its signature is still valid.
    """

    __tablename__ = "auth_sessions"
    id: UUID = id_field()
    user_id: UUID = Field(foreign_key="users.id", index=True)
    created_at: datetime = created_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    """Recent failed log-ins of one account or one client address, shared by every worker.

    `key` is `account:<e-mail>` or `client:<address>`. The count is forgotten once no failure
    came for a whole window; past the limit, log-ins are refused until `blocked_until`.
    """

    __tablename__ = "login_throttles"
    key: str = Field(primary_key=True, max_length=320)
    failures: int = 0
    last_failure_at: datetime = Field(sa_type=UTCDateTime, index=True)
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    """An invitation to an account: its single-use link sets the password and opens it."""

    __tablename__ = "invitations"
    id: UUID = id_field()
    email: str = Field(max_length=254, index=True)
    full_name: str = Field(max_length=200)
    role: Role = Field(sa_type=String(16))
    organisation_id: UUID | None = Field(default=None, foreign_key="organisations.id")
    invited_by: UUID = Field(foreign_key="users.id")
    # Only the SHA-256 of the link's secret is kept: a database reader cannot use it.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_id: UUID | None = Field(default=None, foreign_key="users.id")


class InvitationCreate(StorableInput):
    """Whom to invite. Applicants invite colleagues: role applicant, their organisation."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    email: EmailStr
    full_name: str = Field(min_length=1, max_length=200)
    role: Role = Role.applicant
    organisation_id: UUID | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class InvitationPublic(SQLModel):
    id: UUID
    email: str
    full_name: str
    role: Role
    organisation_id: UUID | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None


class InvitationAccept(StorableInput):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    token: str = Field(max_length=200)
    password: str = Field(max_length=128, description="See the password rule in the README")


class PasswordReset(SQLModel, table=True):
    """A single-use, short-lived password reset sent by e-mail (only its hash is kept)."""

    __tablename__ = "password_resets"
    id: UUID = id_field()
    user_id: UUID = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasswordResetRequest(StorableInput):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    email: EmailStr


class PasswordResetConfirm(StorableInput):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    token: str = Field(max_length=200)
    new_password: str = Field(max_length=128, description="See the password rule in the README")


class AuditEntry(SQLModel, table=True):
    """One admin action on an account or a committee: who, what, when, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created_at_id", "created_at", "id"),)
    id: UUID = id_field()
    actor_id: UUID = Field(foreign_key="users.id")
    action: str = Field(max_length=64)
    target_type: str = Field(max_length=32)
    target_id: UUID | None = None
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = created_field()


class AuditEntryPublic(SQLModel):
    id: UUID
    actor_id: UUID
    action: str
    target_type: str
    target_id: UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


class AuditPage(SQLModel):
    items: list[AuditEntryPublic]
    next_cursor: str | None
