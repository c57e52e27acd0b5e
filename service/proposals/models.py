"""Proposals, their frozen versions, attachments, transition history and idempotency keys."""

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import ConfigDict, ValidationInfo, field_validator
from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import Record, UTCDateTime, created_field, id_field, utcnow
from service.proposals.vocabulary import IndicationDetail, Modality, Phase, TherapeuticArea
from service.storable import StorableInput
from service.workflow.table import State

_THIS_YEAR_MAX = 2100
# A quadrillion US dollars: above any real budget or market, far below a 64-bit column's limit.
_MONEY_MAX = 10**15
_ROW_VERSION = Column("row_version", Integer, nullable=False)


class ProposalFields(SQLModel):
    """What an applicant writes; everything else on a proposal is set by the service."""

    title: str = Field(min_length=3, max_length=200)
    summary: str = Field(default="", max_length=20000, sa_type=Text)
    therapeutic_area: TherapeuticArea | None = Field(default=None, sa_type=String(32))
    modality: Modality | None = Field(default=None, sa_type=String(32))
    phase: Phase | None = Field(default=None, sa_type=String(32))
    budget_requested: int | None = Field(
        default=None, ge=0, le=_MONEY_MAX, sa_type=BigInteger, description="US dollars"
    )
    expected_peak_sales: int | None = Field(
        default=None, ge=0, le=_MONEY_MAX, sa_type=BigInteger, description="US dollars per year"
    )
    target_launch_year: int | None = Field(default=None, ge=2000, le=_THIS_YEAR_MAX)
    target_markets: list[str] = Field(
        default_factory=list, sa_type=JSON, description="ISO 3166-1 alpha-2 codes"
    )
    keywords: list[str] = Field(default_factory=list, sa_type=JSON)
    declared_conflicts: list[str] = Field(
        default_factory=list,
        sa_type=JSON,
        description="E-mails, organisation names or domains that must not review it",
    )
    # Optional detail the prospect analysis uses to pick its published benchmark row.
    indication_detail: IndicationDetail | None = Field(
        default=None,
        sa_type=String(32),
        description="For oncology or hematology: solid tumour, hematologic cancer or non-malignant",
    )
    rare_disease: bool | None = Field(default=None, description="Targets a rare disease")
    biomarker: bool | None = Field(default=None, description="Selects patients with a biomarker")
    # Optional team data: without it, international talent is reported as not assessed.
    team_size: int | None = Field(default=None, ge=1, le=1_000_000)
    staff_international_experience: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="Staff with international regulatory or GMP experience",
    )
    overseas_sites: int | None = Field(default=None, ge=0, le=10_000)

    # The fields a proposal must have before it may be submitted.
    REQUIRED_FOR_SUBMIT: ClassVar[tuple[str, ...]] = (
        "summary",
        "therapeutic_area",
        "modality",
        "phase",
        "budget_requested",
        "target_launch_year",
        "target_markets",
    )

    def missing_for_submit(self) -> tuple[str, ...]:
        return tuple(f for f in self.REQUIRED_FOR_SUBMIT if getattr(self, f) in (None, "", []))


def _nullable(name: str) -> bool:
    annotation = ProposalFields.model_fields[name].annotation
    return type(None) in getattr(annotation, "__args__", ())


class _ValidatedProposalFields(StorableInput):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @field_validator("*", mode="after")
    @classmethod
    def _not_null(cls, value: object, info: ValidationInfo) -> object:
        # An edit may clear an optional field, never one the stored proposal needs: a null
        # list or title would be committed and then break every read of the proposal.
        name = info.field_name
        if value is None and name in ProposalFields.model_fields and not _nullable(name):
            raise ValueError("may not be null")
        return value

    @field_validator("target_markets", check_fields=False)
    @classmethod
    def _markets(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        codes = [v.strip().upper() for v in value]
        for code in codes:
            if len(code) != 2 or not code.isalpha():
                raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
        return list(dict.fromkeys(codes))

    @field_validator("keywords", "declared_conflicts", check_fields=False)
    @classmethod
    def _short_list(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        items = list(dict.fromkeys(v.strip() for v in value if v.strip()))
        if len(items) > 50:
            raise ValueError("at most 50 entries")
        if any(len(v) > 200 for v in items):
            raise ValueError("each entry is at most 200 characters")
        return items


class ProposalCreate(ProposalFields, _ValidatedProposalFields):
    pass


class ProposalUpdate(_ValidatedProposalFields):
    """A partial edit: only the fields sent change."""

    title: str | None = Field(default=None, min_length=3, max_length=200)
    summary: str | None = Field(default=None, max_length=20000)
    therapeutic_area: TherapeuticArea | None = None
    modality: Modality | None = None
    phase: Phase | None = None
    budget_requested: int | None = Field(default=None, ge=0, le=_MONEY_MAX)
    expected_peak_sales: int | None = Field(default=None, ge=0, le=_MONEY_MAX)
    target_launch_year: int | None = Field(default=None, ge=2000, le=_THIS_YEAR_MAX)
    target_markets: list[str] | None = None
    keywords: list[str] | None = None
    declared_conflicts: list[str] | None = None
    indication_detail: IndicationDetail | None = None
    rare_disease: bool | None = None
    biomarker: bool | None = None
    team_size: int | None = Field(default=None, ge=1, le=1_000_000)
    staff_international_experience: int | None = Field(default=None, ge=0, le=1_000_000)
    overseas_sites: int | None = Field(default=None, ge=0, le=10_000)


class Proposal(ProposalFields, Record, table=True):
    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_created_at_id", "created_at", "id"),
        Index("ix_proposals_state_updated_at", "state", "updated_at"),
        # Keyset pages of one organisation's or one state's proposals (see list_visible).
        Index("ix_proposals_organisation_created_id", "organisation_id", "created_at", "id"),
        Index("ix_proposals_state_created_id", "state", "created_at", "id"),
    )
    organisation_id: UUID = Field(foreign_key="organisations.id", index=True)
    created_by: UUID = Field(foreign_key="users.id")
    committee_id: UUID | None = Field(default=None, foreign_key="committees.id", index=True)
    state: State = Field(default=State.draft, sa_type=String(32))
    # The number of the last submitted version (0: never submitted).
    version: int = 0
    # Optimistic locking: every UPDATE checks and bumps it, so a lost update is impossible.
    row_version: int = Field(default=1, sa_column=_ROW_VERSION)
    # When the proposal entered its current state (SLA and queue ages count from here).
    state_entered_at: datetime = created_field()
    # Pipeline bookkeeping for the automated stage it is in.
    stage_attempts: int = 0
    stalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)

    __mapper_args__ = {"version_id_col": _ROW_VERSION}


class ProposalPublic(ProposalFields):
    id: UUID
    organisation_id: UUID
    committee_id: UUID | None
    state: State
    version: int
    row_version: int
    created_at: datetime
    updated_at: datetime
    state_entered_at: datetime
    stalled_at: datetime | None


class ProposalPage(SQLModel):
    items: list[ProposalPublic]
    next_cursor: str | None


class ProposalVersion(SQLModel, table=True):
    """The frozen text of a proposal as it was submitted; reviews belong to one of these."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)
    id: UUID = id_field()
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    number: int
    snapshot: dict[str, object] = Field(sa_type=JSON)
    submitted_by: UUID = Field(foreign_key="users.id")
    created_at: datetime = created_field()


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"
    id: UUID = id_field()
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=120)
    size_bytes: int = Field(sa_type=BigInteger)
    sha256: str = Field(max_length=64, index=True)
    uploaded_by: UUID = Field(foreign_key="users.id")
    created_at: datetime = created_field()


class AttachmentPublic(SQLModel):
    id: UUID
    proposal_id: UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime


class Transition(SQLModel, table=True):
    """One immutable row per state change: who moved the proposal, from where, to where, why."""

    __tablename__ = "proposal_transitions"
    __table_args__ = (
        Index("ix_proposal_transitions_proposal_created", "proposal_id", "created_at"),
    )
    id: UUID = id_field()
    proposal_id: UUID = Field(foreign_key="proposals.id")
    from_state: State = Field(sa_type=String(32))
    to_state: State = Field(sa_type=String(32), index=True)
    event: str = Field(max_length=32)
    actor_id: UUID | None = Field(default=None, foreign_key="users.id")
    actor_role: str = Field(max_length=16)
    reason: str = Field(default="", sa_type=Text)
    proposal_version: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class TransitionPublic(SQLModel):
    id: UUID
    from_state: State
    to_state: State
    event: str
    actor_id: UUID | None
    actor_role: str
    reason: str
    proposal_version: int
    created_at: datetime
