"""The answer of `GET /stats`: outcomes, stage times, reviewer load and the analysis's record."""

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from service.workflow.table import State


class Acceptance(BaseModel):
    """Decisions taken in the period for one value of a grouping (area, modality, committee)."""

    key: str | None = Field(description="the area, modality or committee id; null when unset")
    decided: int
    approved: int
    approval_rate: float = Field(description="approved / decided")


class StageTime(BaseModel):
    """How long proposals stayed in a state, from entering it to leaving it."""

    state: State
    count: int = Field(description="stays that ended in the period")
    median_seconds: float
    p90_seconds: float


class ReviewerLoad(BaseModel):
    reviewer_id: UUID
    full_name: str
    open: int = Field(description="invitations and accepted reviews not yet submitted (now)")
    submitted_on_time: int = Field(description="submitted in the period by the due date")
    submitted_late: int = Field(description="submitted in the period after the due date")


class BandOutcome(BaseModel):
    """Decisions in the period by the prospect band of the decided version's analysis."""

    band: str | None = Field(description="null: the version has no prospect report")
    decided: int
    approved: int
    approval_rate: float


class WeekThroughput(BaseModel):
    """Proposals submitted (each submit and resubmit) and decided in one week (Monday, UTC)."""

    week: date = Field(description="the Monday the week starts on")
    submitted: int
    decided: int


class Statistics(BaseModel):
    period_from: date | None
    period_to: date | None = Field(description="inclusive")
    committee_ids: list[UUID] | None = Field(description="null: every committee")
    by_therapeutic_area: list[Acceptance]
    by_modality: list[Acceptance]
    by_committee: list[Acceptance]
    stage_times: list[StageTime]
    reviewers: list[ReviewerLoad]
    prospect_bands: list[BandOutcome]
    weekly: list[WeekThroughput] = Field(
        description="every week from the first to the last with a submission or a decision"
    )
