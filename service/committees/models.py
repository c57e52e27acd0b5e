"""Committees, their members and their review rubric."""

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import Record
from service.proposals.vocabulary import TherapeuticArea


class Criterion(BaseModel):
    """One rubric criterion, scored on a 1-5 scale, weighted in the aggregate."""

    model_config = ConfigDict(extra="forbid")
    key: str = PydanticField(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    label: str = PydanticField(min_length=2, max_length=120)
    weight: float = PydanticField(gt=0, le=100)


# The seed's named challenges for going international, plus the market itself.
DEFAULT_RUBRIC = [
    Criterion(key="innovative_technology", label="Innovative technology", weight=20),
    Criterion(key="batch_stability", label="Batch stability and quality control", weight=15),
    Criterion(key="regulatory_compliance", label="Regulatory compliance documentation", weight=20),
    Criterion(key="supply_chain", label="Supply chain readiness", weight=15),
    Criterion(key="international_talent", label="International talent and team", weight=10),
    Criterion(key="market_prospect", label="Market prospect", weight=20),
]


def check_panel(*, reviewers_per_proposal: int, quorum: int) -> None:
    """Shared by creation and edits: a quorum larger than the panel could never be reached."""
    if quorum > reviewers_per_proposal:
        raise ValueError("quorum cannot exceed reviewers_per_proposal")


class CommitteeBase(SQLModel):
    name: str = Field(min_length=2, max_length=200, unique=True)
    therapeutic_areas: list[TherapeuticArea] = Field(sa_type=JSON, min_length=1)
    reviewers_per_proposal: int = Field(default=3, ge=1, le=10)
    quorum: int = Field(default=2, ge=1, le=10, description="Reviews needed to deliberate")
    applicant_response_days: int = Field(
        default=0,
        ge=0,
        le=60,
        description="Days the applicant has to answer the reviews once the quorum is in "
        "(0: no response round, the proposal goes straight to deliberation)",
    )


class Committee(CommitteeBase, Record, table=True):
    __tablename__ = "committees"
    rubric: list[dict[str, object]] = Field(sa_type=JSON)


class CommitteeCreate(CommitteeBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    rubric: list[Criterion] = Field(default_factory=lambda: list(DEFAULT_RUBRIC), min_length=1)
    chair_ids: list[UUID] = Field(default_factory=list)
    reviewer_ids: list[UUID] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> "CommitteeCreate":
        check_panel(reviewers_per_proposal=self.reviewers_per_proposal, quorum=self.quorum)
        keys = [c.key for c in self.rubric]
        if len(keys) != len(set(keys)):
            raise ValueError("rubric criterion keys must be unique")
        return self


class CommitteeUpdate(SQLModel):
    """A partial edit: only the fields sent change; a seat list sent replaces that whole list.

    The rubric is left out on purpose: reviews already submitted were scored against it, and
    the aggregate and the completeness check read the committee's current rubric.
    """

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    name: str | None = Field(default=None, min_length=2, max_length=200)
    therapeutic_areas: list[TherapeuticArea] | None = Field(default=None, min_length=1)
    reviewers_per_proposal: int | None = Field(default=None, ge=1, le=10)
    quorum: int | None = Field(default=None, ge=1, le=10)
    applicant_response_days: int | None = Field(default=None, ge=0, le=60)
    chair_ids: list[UUID] | None = None
    reviewer_ids: list[UUID] | None = None


class MemberRole(StrEnum):
    chair = "chair"
    reviewer = "reviewer"


class CommitteeMembership(Record, table=True):
    __tablename__ = "committee_memberships"
    __table_args__ = (UniqueConstraint("committee_id", "user_id"),)
    committee_id: UUID = Field(foreign_key="committees.id", index=True)
    user_id: UUID = Field(foreign_key="users.id", index=True)
    role: MemberRole = Field(sa_type=String(16))


class CommitteePublic(CommitteeBase):
    id: UUID
    rubric: list[Criterion]
    chair_ids: list[UUID]
    reviewer_ids: list[UUID]
