"""Small, readable committees for the assignment tests."""

from uuid import UUID, uuid4

from service.assignment import ProposalProfile, ReviewerProfile

ACME = UUID("00000000-0000-0000-0000-00000000ac1e")
BETA = UUID("00000000-0000-0000-0000-00000000be7a")


def proposal(
    *,
    text: str = "car-t therapy for relapsed lymphoma",
    area: str = "oncology",
    organisation_id: UUID = ACME,
    domains: tuple[str, ...] = ("acme.edu",),
    declared: tuple[str, ...] = (),
    needed: int = 1,
    already_assigned: tuple[UUID, ...] = (),
    organisation_name: str | None = "Acme University",
    applicant_emails: tuple[str, ...] = (),
) -> ProposalProfile:
    return ProposalProfile(
        id=uuid4(),
        text=text,
        therapeutic_area=area,
        organisation_id=organisation_id,
        organisation_domains=domains,
        declared_conflicts=declared,
        reviewers_needed=needed,
        already_assigned=already_assigned,
        organisation_name=organisation_name,
        applicant_emails=applicant_emails,
    )


def reviewer(
    *,
    email: str = "ann@independent.org",
    organisation_id: UUID | None = None,
    expertise: str = "car-t lymphoma",
    areas: tuple[str, ...] = ("oncology",),
    capacity: int = 5,
    declared: tuple[str, ...] = (),
    organisation_name: str | None = None,
    open_reviews: int = 0,
) -> ReviewerProfile:
    return ReviewerProfile(
        id=uuid4(),
        email=email,
        organisation_id=organisation_id,
        expertise=expertise,
        areas=areas,
        capacity_remaining=capacity,
        declared_conflicts=declared,
        organisation_name=organisation_name,
        open_reviews=open_reviews,
    )
