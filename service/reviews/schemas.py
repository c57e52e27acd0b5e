"""What the review endpoints accept and answer, per audience."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.assignment.models import AssignmentStatus
from service.proposals.workflow import State
from service.reviews.models import Outcome, Recommendation

# A rubric score or a confidence: an integer on the 1-5 scale ("3" and 3.0 are refused).
Grade = Annotated[int, Field(strict=True, ge=1, le=5)]


class AssignmentItem(BaseModel):
    """One of the caller's assignments, with what it needs to find the proposal."""

    id: UUID
    proposal_id: UUID
    proposal_title: str
    proposal_state: State
    proposal_version: int
    status: AssignmentStatus
    due_at: datetime | None
    created_at: datetime


class AssignmentPage(BaseModel):
    items: list[AssignmentItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: last")


class AssignmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    proposal_id: UUID
    proposal_version: int
    status: AssignmentStatus
    due_at: datetime | None
    decline_reason: str | None
    declined_for_conflict: bool


class DeclineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)
    conflict_of_interest: bool = False

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a reason is required")
        return value.strip()


class ReviewDraft(BaseModel):
    """The whole draft: a save replaces the previous one. Scores may be partial."""

    model_config = ConfigDict(extra="forbid")
    scores: dict[str, Grade] = Field(default_factory=dict, description="criterion key -> 1-5")
    recommendation: Recommendation | None = None
    confidence: Grade | None = None
    comments_for_applicant: str = Field(default="", max_length=20000)
    confidential_comments: str = Field(default="", max_length=20000)


class ReviewPublic(BaseModel):
    """A review as committee members see it: scores, identities and confidential comments."""

    model_config = ConfigDict(from_attributes=True)
    id: UUID
    assignment_id: UUID
    proposal_id: UUID
    reviewer_id: UUID
    proposal_version: int
    scores: dict[str, int]
    recommendation: Recommendation | None
    confidence: int | None
    comments_for_applicant: str
    confidential_comments: str
    submitted_at: datetime | None
    updated_at: datetime


class ProposalReviews(BaseModel):
    proposal_id: UUID
    proposal_version: int
    reviews: list[ReviewPublic]
    aggregate: dict[str, Any]
    aggregate_stored: bool = Field(
        description="True: stored when the quorum was reached; false: computed live from the "
        "reviews submitted so far"
    )


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    rationale: str = Field(min_length=1, max_length=20000)
    message_to_applicant: str = Field(default="", max_length=20000)

    @field_validator("rationale")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a rationale is required")
        return value.strip()


class DecisionForApplicant(BaseModel):
    """The decision as the applicant receives it: no reviewer identities, scores or rationale."""

    proposal_id: UUID
    proposal_version: int
    outcome: Outcome
    message_to_applicant: str
    decided_at: datetime
    comments_for_applicant: list[str]


class DecisionForCommittee(DecisionForApplicant):
    """The decision as committee members and admins see it."""

    rationale: str
    decided_by: UUID
