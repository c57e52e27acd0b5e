"""What the assignment stage needs to know about proposals, reviewers and recorded conflicts.

Plain frozen dataclasses, filled by the service layer from the database, so the optimisation
itself stays pure and testable without a session.
"""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


@dataclass(frozen=True)
class ProposalProfile:
    """A proposal waiting for reviewers.

    `declared_conflicts` holds e-mails, e-mail domains, organisation names or organisation ids
    the applicant says must not review it. `reviewers_needed` is the committee's k minus the
    reviewers already on the proposal; `already_assigned` lists those reviewers so they are never
    chosen twice.
    """

    id: UUID
    text: str
    therapeutic_area: str
    organisation_id: UUID
    organisation_domains: tuple[str, ...]
    declared_conflicts: tuple[str, ...]
    reviewers_needed: int
    already_assigned: tuple[UUID, ...] = ()
    organisation_name: str | None = None
    applicant_emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewerProfile:
    """A reviewer who may be given proposals.

    `capacity_remaining` is the reviewer's capacity minus open reviews; `open_reviews` is the
    current load, used only to spread new work evenly. `declared_conflicts` holds organisation
    ids, names, e-mail domains or e-mails the reviewer declared.
    """

    id: UUID
    email: str
    organisation_id: UUID | None
    expertise: str
    areas: tuple[str, ...]
    capacity_remaining: int
    declared_conflicts: tuple[str, ...] = ()
    organisation_name: str | None = None
    open_reviews: int = 0


@dataclass(frozen=True)
class RecordedConflict:
    """A conflict from the conflicts table: a past decline for conflict or one an admin recorded.

    Exactly one of `proposal_id` (person-to-proposal) and `organisation_id` (organisation-wide)
    is set.
    """

    reviewer_id: UUID
    reason: str
    proposal_id: UUID | None = None
    organisation_id: UUID | None = None

    def __post_init__(self) -> None:
        if (self.proposal_id is None) == (self.organisation_id is None):
            raise ValueError("a recorded conflict names either a proposal or an organisation")


class Preference(StrEnum):
    """A reviewer's bid on a proposal waiting in its committee."""

    eager = "eager"
    willing = "willing"
    not_willing = "not_willing"
    conflict = "conflict"  # a hard constraint, like any other conflict of interest


# What each bid adds to the pair's affinity: an eager reviewer is preferred over a slightly
# better-matched indifferent one; "not willing" is a last resort (no affinity reaches 1.0 more
# than another pair by chance). A conflict bid never reaches the solver as a cost: it is a
# conflict.
BID_BONUS = {Preference.eager: 0.2, Preference.willing: 0.05, Preference.not_willing: -1.0}


@dataclass(frozen=True)
class Bid:
    proposal_id: UUID
    reviewer_id: UUID
    preference: Preference
