"""The committee both HTTP and worker benches run against: 200 organisations with an applicant
each, 250 reviewers with five expertise words, an admin and one committee over every area."""

import random
from typing import Any

# The words proposals and expertise are drawn from, so that affinities vary.
WORDS = [
    "bispecific",
    "antibody",
    "oncology",
    "CAR-T",
    "lymphoma",
    "vaccine",
    "adjuvant",
    "gene",
    "therapy",
    "AAV",
    "ADC",
    "payload",
    "linker",
    "biosimilar",
    "insulin",
    "GLP-1",
    "obesity",
    "diabetes",
    "diagnostic",
    "assay",
    "PCR",
    "sequencing",
    "device",
    "stent",
    "implant",
    "manufacturing",
    "GMP",
    "cold",
    "chain",
    "supply",
    "regulatory",
    "dossier",
    "hepatitis",
    "malaria",
    "tuberculosis",
    "RNA",
    "siRNA",
    "peptide",
    "protein",
    "kinase",
    "inhibitor",
    "autoimmune",
    "psoriasis",
    "asthma",
]


def seed_committee(
    session: Any, rng: random.Random, *, password_hash: str, reviewer_capacity: int
) -> list[Any]:
    """Seed in `session` (flushed, not committed); returns the applicants, one per organisation."""
    from service import models  # noqa: F401
    from service.auth.models import Role, User
    from service.committees.models import CommitteeCreate
    from service.committees.service import create_committee
    from service.organisations.models import Organisation
    from service.proposals.vocabulary import TherapeuticArea

    organisations = [
        Organisation(name=f"Org {i}", country="CN", email_domains=[f"org{i}.example"])
        for i in range(200)
    ]
    session.add_all(organisations)
    session.flush()
    applicants = [
        User(
            email=f"applicant@org{i}.example",
            full_name=f"Applicant {i}",
            role=Role.applicant,
            organisation_id=o.id,
            password_hash=password_hash,
        )
        for i, o in enumerate(organisations)
    ]
    reviewers = [
        User(
            email=f"reviewer{i}@reviewers{i % 40}.example",
            full_name=f"Reviewer {i}",
            role=Role.reviewer,
            expertise_keywords=rng.sample(WORDS, 5),
            capacity=reviewer_capacity,
            password_hash=password_hash,
        )
        for i in range(250)
    ]
    admin = User(
        email="admin@bench.example", full_name="Bench admin", role=Role.admin,
        password_hash=password_hash,
    )  # fmt: skip
    session.add_all([*applicants, *reviewers, admin])
    session.flush()
    create_committee(
        session=session,
        admin=admin,
        data=CommitteeCreate(
            name="Bench committee",
            therapeutic_areas=list(TherapeuticArea),
            reviewer_ids=[r.id for r in reviewers],
        ),
    )
    return applicants
