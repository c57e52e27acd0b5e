"""A demo committee for the zero-setup mode: one of each kind of user, ready to log in."""

import io
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from service.auth.models import Role, User, UserCreate
from service.auth.service import create_user
from service.committees.models import Committee, CommitteeCreate
from service.committees.service import create_committee
from service.organisations.models import Organisation, OrganisationCreate
from service.proposals.attachments import add as add_attachment
from service.proposals.models import Proposal, ProposalCreate
from service.proposals.service import create as create_proposal
from service.proposals.service import submit
from service.proposals.vocabulary import Modality, Phase, TherapeuticArea

DEMO_PASSWORD = "demo-password"
# A minimal valid PDF standing in for the demo proposal's business plan.
_DEMO_PLAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    note: str


def _user(session: Session, **fields: Any) -> User:
    existing = session.exec(select(User).where(User.email == fields["email"])).first()
    if existing:
        return existing
    # Not validated: the demo's password is published in the README, so the password rule
    # (which keeps people's own choices hard to guess) has nothing to protect here.
    data = UserCreate.model_construct(**fields, password=DEMO_PASSWORD)
    return create_user(session=session, data=data)


def _organisation(session: Session, name: str, country: str, domains: list[str]) -> Organisation:
    existing = session.exec(select(Organisation).where(Organisation.name == name)).first()
    if existing:
        return existing
    data = OrganisationCreate(name=name, country=country, email_domains=domains)
    organisation = Organisation.model_validate(data)
    session.add(organisation)
    session.flush()
    return organisation


def seed_demo(session: Session) -> list[DemoLogin]:
    """Create the demo data if it is not there yet (running it twice changes nothing)."""
    biotech = _organisation(session, "Qingdao Bispecific Biotech", "CN", ["qdbio.example"])
    institute = _organisation(session, "Almaty Medical Institute", "KZ", ["ami.example"])
    _organisation(session, "SCO Biomedicine Expert Committee", "CN", ["sco-committee.example"])
    admin = _user(
        session, email="admin@sco-committee.example", full_name="Committee Admin", role=Role.admin
    )
    chair = _user(
        session,
        email="chair@sco-committee.example",
        full_name="Dr. Li Wei",
        role=Role.chair,
        expertise_keywords=["oncology", "antibody engineering", "regulatory strategy"],
    )
    reviewers = [
        _user(
            session,
            email=email,
            full_name=name,
            role=Role.reviewer,
            organisation_id=institute.id if "ami" in email else None,
            expertise_keywords=keywords,
            capacity=5,
        )
        for email, name, keywords in [
            (
                "oncologist@ami.example",
                "Dr. Aigerim Sadykova",
                ["oncology", "clinical trials", "CAR-T"],
            ),
            (
                "cmc@reviewers.example",
                "Dr. Rahul Mehta",
                ["bispecific antibody", "CMC", "batch stability"],
            ),
            (
                "regulatory@reviewers.example",
                "Dr. Olga Petrova",
                ["regulatory compliance", "GMP", "dossier"],
            ),
            (
                "market@reviewers.example",
                "Dr. Farrukh Karimov",
                ["market access", "supply chain", "pricing"],
            ),
        ]
    ]
    applicant = _user(
        session,
        email="applicant@qdbio.example",
        full_name="Zhang Min",
        role=Role.applicant,
        organisation_id=biotech.id,
    )
    if not session.exec(select(Committee)).first():
        create_committee(
            session=session,
            admin=admin,
            data=CommitteeCreate(
                name="Biomedicine Expert Committee",
                therapeutic_areas=list(TherapeuticArea),
                reviewers_per_proposal=3,
                quorum=2,
                chair_ids=[chair.id],
                reviewer_ids=[r.id for r in reviewers],
            ),
        )
    if not session.exec(select(Proposal)).first():
        proposal = create_proposal(
            session=session,
            user=applicant,
            data=ProposalCreate(
                title="Bispecific antibody R&D centre and production base",
                summary="A PD-1 x VEGF bispecific antibody for advanced solid tumours, with an "
                "R&D centre and a GMP production base in Qingdao serving SCO markets.",
                therapeutic_area=TherapeuticArea.oncology,
                modality=Modality.bispecific_antibody,
                phase=Phase.phase_2,
                budget_requested=60_000_000,
                expected_peak_sales=800_000_000,
                target_launch_year=2032,
                target_markets=["CN", "KZ", "UZ", "RU"],
                keywords=["bispecific antibody", "oncology", "PD-1", "VEGF", "GMP"],
            ),
        )
        add_attachment(
            session=session,
            user=applicant,
            proposal_id=proposal.id,
            filename="business-plan.pdf",
            stream=io.BytesIO(_DEMO_PLAN),
        )
        submit(session=session, user=applicant, proposal_id=proposal.id)
    logins = [
        DemoLogin(admin.email, Role.admin, "users, committees, the queue"),
        DemoLogin(applicant.email, Role.applicant, "Qingdao Bispecific Biotech's proposals"),
        DemoLogin(chair.email, Role.chair, "chairs the Biomedicine Expert Committee"),
    ]
    logins += [
        DemoLogin(r.email, Role.reviewer, ", ".join(r.expertise_keywords)) for r in reviewers
    ]
    return logins
