"""Users and their roles."""

from enum import StrEnum
from uuid import UUID

from pydantic import ConfigDict, EmailStr, field_validator
from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel

from service.db import Record


class Role(StrEnum):
    applicant = "applicant"
    reviewer = "reviewer"
    chair = "chair"
    admin = "admin"


class UserBase(SQLModel):
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(min_length=1, max_length=200)
    role: Role = Field(sa_type=String(16))
    organisation_id: UUID | None = Field(default=None, foreign_key="organisations.id", index=True)
    expertise_keywords: list[str] = Field(default_factory=list, sa_type=JSON)
    expertise_profile: str = Field(default="", max_length=5000)
    capacity: int = Field(default=5, ge=0, le=100, description="Most open reviews at once")


class User(UserBase, Record, table=True):
    __tablename__ = "users"
    password_hash: str
    is_active: bool = True


class UserCreate(UserBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    email: EmailStr
    password: str = Field(min_length=8, max_length=128)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("expertise_keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        return [k.strip() for k in value if k.strip()]


class UserPublic(UserBase):
    id: UUID
    is_active: bool


class Token(SQLModel):
    access_token: str
    token_type: str = "bearer"
