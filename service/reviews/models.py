"""Reviews against the committee's rubric, their aggregate, and the chair's decision."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import Record, UTCDateTime, created_field, id_field


class Recommendation(StrEnum):
    approve = "approve"
    revise = "revise"
    reject = "reject"


class Review(Record, table=True):
    """One reviewer's review of one proposal version (a draft until `submitted_at` is set)."""

    __tablename__ = "reviews"
    assignment_id: UUID = Field(foreign_key="assignments.id", unique=True)
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    reviewer_id: UUID = Field(foreign_key="users.id", index=True)
    proposal_version: int
    # Criterion key -> score on the rubric's 1-5 scale.
    scores: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    recommendation: Recommendation | None = Field(default=None, sa_type=String(16))
    confidence: int | None = Field(default=None, ge=1, le=5)
    comments_for_applicant: str = Field(default="", sa_type=Text)
    confidential_comments: str = Field(default="", sa_type=Text)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReviewAggregate(SQLModel, table=True):
    """The committee's combined view of a version's reviews, computed when the quorum is in."""

    __tablename__ = "review_aggregates"
    __table_args__ = (UniqueConstraint("proposal_id", "proposal_version"),)
    id: UUID = id_field()
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    proposal_version: int
    aggregate: dict[str, object] = Field(sa_type=JSON)
    created_at: datetime = created_field()


class Outcome(StrEnum):
    approved = "approved"
    rejected = "rejected"
    revision_requested = "revision_requested"


class Decision(SQLModel, table=True):
    """The chair's decision on a proposal version, with the message the applicant receives."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("proposal_id", "proposal_version"),)
    id: UUID = id_field()
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    proposal_version: int
    outcome: Outcome = Field(sa_type=String(32))
    rationale: str = Field(sa_type=Text)
    message_to_applicant: str = Field(default="", sa_type=Text)
    decided_by: UUID = Field(foreign_key="users.id")
    created_at: datetime = created_field()


class DiscussionComment(SQLModel, table=True):
    """A comment in the committee's discussion of one proposal version (committee only)."""

    __tablename__ = "discussion_comments"
    id: UUID = id_field()
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    proposal_version: int
    author_id: UUID = Field(foreign_key="users.id")
    body: str = Field(sa_type=Text)
    created_at: datetime = created_field()


class MetaReview(Record, table=True):
    """The chair's synthesis of a version's reviews; it goes out with the decision."""

    __tablename__ = "meta_reviews"
    __table_args__ = (UniqueConstraint("proposal_id", "proposal_version"),)
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    proposal_version: int
    author_id: UUID = Field(foreign_key="users.id")
    body: str = Field(sa_type=Text)


class ReviewReopening(SQLModel, table=True):
    """A submitted review the chair asked its reviewer to reconsider, as it stood then."""

    __tablename__ = "review_reopenings"
    id: UUID = id_field()
    review_id: UUID = Field(foreign_key="reviews.id", index=True)
    asked_by: UUID = Field(foreign_key="users.id")
    reason: str = Field(sa_type=Text)
    # The review as submitted before it reopened: the history the reconsideration keeps.
    submitted: dict[str, object] = Field(sa_type=JSON)
    created_at: datetime = created_field()


class ApplicantResponse(SQLModel, table=True):
    """The applicant's one answer to a round's reviews, before the chair deliberates."""

    __tablename__ = "applicant_responses"
    __table_args__ = (UniqueConstraint("proposal_id", "proposal_version"),)
    id: UUID = id_field()
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    proposal_version: int
    author_id: UUID = Field(foreign_key="users.id")
    body: str = Field(sa_type=Text)
    created_at: datetime = created_field()


class ReviewRating(Record, table=True):
    """A chair's word on whether a review helped the committee (chairs and admins only)."""

    __tablename__ = "review_ratings"
    __table_args__ = (UniqueConstraint("review_id", "rated_by"),)
    review_id: UUID = Field(foreign_key="reviews.id", index=True)
    rated_by: UUID = Field(foreign_key="users.id")
    helpful: bool
