"""Organisations: the enterprises that submit proposals (and committee members' employers)."""

from uuid import UUID

from pydantic import ConfigDict, field_validator
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from service.db import Record


class OrganisationBase(SQLModel):
    name: str = Field(min_length=2, max_length=200, unique=True)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code")
    email_domains: list[str] = Field(
        default_factory=list,
        sa_type=JSON,
        description="E-mail domains of its people, used to detect conflicts of interest",
    )


class Organisation(OrganisationBase, Record, table=True):
    __tablename__ = "organisations"


class OrganisationCreate(OrganisationBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @field_validator("country")
    @classmethod
    def _country_code(cls, value: str) -> str:
        if not value.isalpha():
            raise ValueError("must be an ISO 3166-1 alpha-2 code such as CN or KZ")
        return value.upper()

    @field_validator("email_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        cleaned = sorted({d.strip().lower().lstrip("@") for d in value if d.strip()})
        for domain in cleaned:
            if "." not in domain or " " in domain:
                raise ValueError(f"{domain!r} is not an e-mail domain")
        return cleaned


class OrganisationPublic(OrganisationBase):
    id: UUID


class OrganisationUpdate(OrganisationCreate):
    """An admin's edit of an organisation: the whole record again, checked as at creation."""
