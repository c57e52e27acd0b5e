"""What the review endpoints accept and answer, per audience."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from service.assignment.models import AssignmentStatus
from service.reviews.models import Outcome, Recommendation
from service.workflow.table import State

# A rubric score or a confidence: an integer on the 1-5 scale ("3" and 3.0 are refused).
Grade = Annotated[int, Field(strict=True, ge=1, le=5)]


class AssignmentItem(BaseModel):
    """One of the caller's assignments, with what it needs to find the proposal."""

    id: UUID
    proposal_id: UUID
    # Empty once the assignment is closed (declined, replaced): access ends with the role.
    proposal_title: str | None
    proposal_state: State | None
    proposal_version: int
    status: AssignmentStatus
    due_at: datetime | None
    created_at: datetime


class AssignmentPage(BaseModel):
    items: list[AssignmentItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: last")


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
    reviewer_name: str | None = None
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


class AssignmentDetail(BaseModel):
    """One of the caller's assignments with what it needs to review: the proposal's title and
    summary (while the assignment is open or done), the committee's rubric and its own review."""

    id: UUID
    proposal_id: UUID
    proposal_version: int
    status: AssignmentStatus
    closed_reason: str | None
    due_at: datetime | None
    proposal_title: str | None
    proposal_summary: str | None
    proposal_state: State | None
    rubric: list[dict[str, Any]]
    review: "ReviewPublic | None" = Field(description="the saved draft, or the submitted review")


def _rationale_given(value: str) -> str:
    if not value.strip():
        raise ValueError("a rationale is required")
    return value.strip()


# Why the committee decided: for the committee only, never blank.
Rationale = Annotated[str, Field(min_length=1, max_length=20000), AfterValidator(_rationale_given)]


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    rationale: Rationale
    message_to_applicant: str = Field(default="", max_length=20000)


class BatchDecisionItem(BaseModel):
    """One proposal of a batch decision, with its own letter."""

    model_config = ConfigDict(extra="forbid")
    proposal_id: UUID
    message_to_applicant: str = Field(default="", max_length=20000)


class BatchDecisionRequest(BaseModel):
    """The same outcome and rationale for a set of proposals, each with its own letter."""

    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    rationale: Rationale
    items: list[BatchDecisionItem] = Field(min_length=1, max_length=100)

    @field_validator("items")
    @classmethod
    def _each_once(cls, value: list[BatchDecisionItem]) -> list[BatchDecisionItem]:
        if len({item.proposal_id for item in value}) != len(value):
            raise ValueError("a proposal is listed twice")
        return value


class LetterPreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    message_to_applicant: str = Field(default="", max_length=20000)


class DecisionForApplicant(BaseModel):
    """The decision as the applicant receives it: no reviewer identities, scores or rationale."""

    proposal_id: UUID
    proposal_version: int
    outcome: Outcome
    message_to_applicant: str
    decided_at: datetime
    comments_for_applicant: list[str]
    meta_review: str | None = Field(description="the chair's synthesis of the round's reviews")


class DecisionForCommittee(DecisionForApplicant):
    """The decision as committee members and admins see it."""

    rationale: str
    decided_by: UUID


class TextRequest(BaseModel):
    """A comment, a meta-review, an answer: one non-blank text."""

    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=20000)

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the text is empty")
        return value.strip()


class ReconsiderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class DiscussionCommentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    proposal_version: int
    author_id: UUID
    author_name: str | None = None
    body: str
    created_at: datetime


class MetaReviewPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    proposal_id: UUID
    proposal_version: int
    author_id: UUID
    body: str
    updated_at: datetime


class LabelledComment(BaseModel):
    """A reviewer's comment for the applicant, labelled by letter, never by name."""

    reviewer: str
    comment: str


class ResponseRound(BaseModel):
    """The applicant's response round of the current version."""

    proposal_id: UUID
    proposal_version: int
    open: bool = Field(description="the applicant may answer now")
    closes_at: datetime | None
    comments: list[LabelledComment]
    response: str | None
    responded_at: datetime | None


class RatingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    helpful: bool


class ReviewerQuality(BaseModel):
    """What a chair weighs about a reviewer's work for the committee."""

    reviewer_id: UUID
    name: str
    reviews_submitted: int
    on_time: int
    late: int
    average_length: int | None = Field(description="characters of comments per review")
    agreement_with_decision: float | None = Field(
        description="share of decided reviews whose recommendation matched the outcome"
    )
    declines: int
    rated_helpful: int
    rated_not_helpful: int


class BatchDecisionResult(BaseModel):
    """What became of one proposal of a batch: decided, or refused with the reason."""

    proposal_id: UUID
    decided: bool
    decision: DecisionForCommittee | None = None
    status: int | None = Field(default=None, description="the refusal's HTTP status")
    error: str | None = Field(default=None, description="the refusal's error name")
    detail: str | None = None


class BatchDecisionResults(BaseModel):
    results: list[BatchDecisionResult]
