"""Reviewer assignments and recorded conflicts of interest."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field

from service.assignment.profiles import Preference
from service.db import Record, UTCDateTime


class AssignmentStatus(StrEnum):
    invited = "invited"  # chosen, waiting for the reviewer to accept
    accepted = "accepted"
    declined = "declined"
    submitted = "submitted"  # the review is in
    replaced = "replaced"  # overdue; another reviewer took the slot
    cancelled = "cancelled"  # closed for the reason in `closed_reason`


class ClosedReason(StrEnum):
    """Why an open assignment was cancelled: the reviewer is told, its capacity freed."""

    withdrawn = "withdrawn"  # the applicant withdrew the proposal
    decided = "decided"  # the chair decided before this review came in
    quorum_reached = "quorum_reached"  # enough reviews were in without this one
    returned = "returned"  # the proposal went back to its applicant
    reviewer_removed = "reviewer_removed"  # the reviewer left the committee
    reviewer_deactivated = "reviewer_deactivated"


# Assignments that hold one of the proposal's k reviewer slots and count against capacity.
OPEN_STATUSES = (AssignmentStatus.invited, AssignmentStatus.accepted)
# Assignments whose reviewer may read the proposal.
READING_STATUSES = (*OPEN_STATUSES, AssignmentStatus.submitted)


class Assignment(Record, table=True):
    __tablename__ = "assignments"
    # One assignment per reviewer and submitted version: a revised proposal gets new ones.
    __table_args__ = (UniqueConstraint("proposal_id", "proposal_version", "reviewer_id"),)
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    reviewer_id: UUID = Field(foreign_key="users.id", index=True)
    proposal_version: int
    status: AssignmentStatus = Field(default=AssignmentStatus.invited, sa_type=String(16))
    affinity: float = 0.0
    # Why the solver (or the chair) chose this reviewer, shown to chairs.
    explanation: str = Field(default="", sa_type=Text)
    assigned_by: UUID | None = Field(default=None, foreign_key="users.id")
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decline_reason: str | None = Field(default=None, sa_type=Text)
    declined_for_conflict: bool = False
    closed_reason: ClosedReason | None = Field(default=None, sa_type=String(32))


class BidRecord(Record, table=True):
    """A reviewer's bid on a proposal waiting in its committee (its latest word counts)."""

    __tablename__ = "bids"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id"),)
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    reviewer_id: UUID = Field(foreign_key="users.id", index=True)
    preference: Preference = Field(sa_type=String(16))


class ConflictRecord(Record, table=True):
    """A conflict of interest recorded by an admin or by a reviewer's decline."""

    __tablename__ = "conflicts"
    reviewer_id: UUID = Field(foreign_key="users.id", index=True)
    proposal_id: UUID | None = Field(default=None, foreign_key="proposals.id", index=True)
    organisation_id: UUID | None = Field(default=None, foreign_key="organisations.id")
    reason: str = Field(sa_type=Text)
    recorded_by: UUID | None = Field(default=None, foreign_key="users.id")


class AssignmentPublic(BaseModel):
    """An assignment as its reviewer and the committee's chairs read it."""

    model_config = ConfigDict(from_attributes=True)
    id: UUID
    proposal_id: UUID
    reviewer_id: UUID
    proposal_version: int
    status: AssignmentStatus
    affinity: float
    explanation: str
    assigned_by: UUID | None
    due_at: datetime | None
    decline_reason: str | None
    declined_for_conflict: bool
    closed_reason: ClosedReason | None
    created_at: datetime


class ReviewerSummary(BaseModel):
    """Who a reviewer is, for the chair: name, expertise and current load."""

    reviewer_id: UUID
    name: str
    email: str
    expertise: list[str]
    open_reviews: int
    capacity: int


class AssignmentForChair(AssignmentPublic):
    reviewer: ReviewerSummary


class ProposedReviewer(BaseModel):
    """A reviewer the solver would choose, and why."""

    reviewer_id: UUID
    name: str
    open_reviews: int
    email: str
    affinity: float
    area_match: bool
    explanation: str


class ExcludedConflict(BaseModel):
    reason: str
    detail: str


class ExcludedReviewer(BaseModel):
    """A committee reviewer the solver may not choose: a conflict of interest, or no capacity."""

    reviewer_id: UUID
    name: str
    open_reviews: int
    email: str
    conflicts: list[ExcludedConflict]
    at_capacity: bool = False


class AssignmentPreview(BaseModel):
    """A dry run of the assignment of one proposal, for its chair."""

    proposal_id: UUID
    reviewers_needed: int
    proposed: list[ProposedReviewer]
    excluded: list[ExcludedReviewer]
    unstaffed_reason: str | None


class BidRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    preference: Preference


class BiddableProposal(BaseModel):
    """A proposal waiting in one of the reviewer's committees, and its bid on it so far."""

    proposal_id: UUID
    title: str
    summary: str
    therapeutic_area: str
    state: str
    preference: Preference | None
