"""The exports' files byte for byte against the files the first version wrote for the same world.

The world is fixed (ids, times, names), so the CSV bytes and the XLSX sheet are too; the
golden files under golden/ were written by the export that loaded whole ORM rows, before it
learnt to select only its columns. Pages of two rows make the page edges show.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import Session

from service.assignment.models import Assignment, AssignmentStatus
from service.auth.models import Role, User
from service.committees.models import DEFAULT_RUBRIC, Committee, CommitteeMembership, MemberRole
from service.exports import service as exports
from service.exports.tables import Export, Format, chunks
from service.organisations.models import Organisation
from service.proposals.models import Proposal
from service.reviews.models import Decision, Outcome, Recommendation, Review
from service.workflow.table import State

GOLDEN = Path(__file__).parent / "golden"
START = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
MODALITIES = ("cell_therapy", "bispecific_antibody", "diagnostic")


def _id(n: int) -> UUID:
    return UUID(int=n)


@pytest.fixture
def world(session: Session) -> dict[str, User]:
    """Two organisations, a committee with its chair and two reviewers, seven proposals (one
    naming the chair as a conflict), reviews and decisions: every kind of cell an export holds."""
    acme = Organisation(
        id=_id(1), name="Acme Bio", country="CN", email_domains=["acme.example"], created_at=START
    )
    other = Organisation(
        id=_id(2), name="Other Pharma", country="KZ", email_domains=["other.example"]
    )
    session.add_all([acme, other])
    session.flush()

    def person(n: int, email: str, name: str, role: Role, org: UUID | None = None) -> User:
        made = User(
            id=_id(n),
            email=email,
            full_name=name,
            role=role,
            organisation_id=org,
            password_hash="x",
            created_at=START,
        )
        session.add(made)
        return made

    admin = person(10, "admin@committee.example", "Admin", Role.admin)
    chair = person(11, "chair@committee.example", "Чэнь Ли", Role.chair)
    reviewers = [
        person(12, "r1@reviewers.example", "=Reviewer One", Role.reviewer),
        person(13, "r2@reviewers.example", "王芳", Role.reviewer),
    ]
    person(14, "applicant@acme.example", "Applicant", Role.applicant, acme.id)
    session.flush()
    board = Committee(
        id=_id(20),
        name="Biomedicine",
        therapeutic_areas=["oncology", "hematology"],
        rubric=[c.model_dump() for c in DEFAULT_RUBRIC],
        created_at=START,
    )
    session.add(board)
    session.flush()
    session.add(CommitteeMembership(committee_id=board.id, user_id=chair.id, role=MemberRole.chair))
    session.add_all(
        CommitteeMembership(committee_id=board.id, user_id=r.id, role=MemberRole.reviewer)
        for r in reviewers
    )
    texts = [
        ("CAR-T programme", "Autologous CD19; 封闭式生产", ["CN", "KZ"], ["CAR-T", "lymphoma"]),
        ('=HYPERLINK("http://evil.example","x")', '+1 for "quotes", commas\nand lines', [], []),
        ("Биспецифическое антитело", "-5 % risk", ["RU"], ["@mention"]),
        ("Diagnostics line", "", ["US", "EU", "CN"], ["dx"]),
        ("Production base", "\ttabbed", [], ["gmp", "supply"]),
        ("Draft without figures", "", [], []),
        ("Conflicted", "names the chair", ["UZ"], []),
    ]
    proposals = []
    for n, (title, summary, markets, keywords) in enumerate(texts):
        decided = n < 4
        proposal = Proposal(
            id=_id(100 + n),
            title=title,
            summary=summary,
            organisation_id=acme.id if n != 3 else other.id,
            created_by=_id(14),
            committee_id=None if n == 5 else board.id,
            state=(State.approved if n % 2 else State.rejected) if decided else State.in_review,
            version=0 if n == 5 else 1 + n % 2,
            therapeutic_area=None if n == 5 else ("oncology", "hematology")[n % 2],
            modality=None if n == 5 else MODALITIES[n % 3],
            phase=None if n == 5 else "phase_2",
            budget_requested=None if n == 5 else 45_000_000 + n,
            expected_peak_sales=None if n in (4, 5) else 10**9 + n,
            target_launch_year=None if n == 5 else 2030 + n,
            target_markets=markets,
            keywords=keywords,
            declared_conflicts=["chair@committee.example"] if n == 6 else [],
            created_at=START + timedelta(hours=n),
            updated_at=START + timedelta(hours=n),
            # The same moment for two proposals: the order falls back on the id.
            state_entered_at=START + timedelta(days=1, hours=min(n, 3)),
        )
        proposals.append(proposal)
    # Two proposals created at the same instant: the id breaks the tie.
    proposals[4].created_at = proposals[3].created_at
    session.add_all(proposals)
    session.flush()
    for n, proposal in enumerate(proposals[:4] + proposals[6:]):
        for m, reviewer in enumerate(reviewers):
            assignment = Assignment(
                id=_id(300 + 10 * n + m),
                proposal_id=proposal.id,
                reviewer_id=reviewer.id,
                proposal_version=proposal.version,
                status=AssignmentStatus.submitted,
                created_at=START,
            )
            session.add(assignment)
            session.flush()
            submitted = n != 2 or m == 0  # one review still a draft
            session.add(
                Review(
                    id=_id(400 + 10 * n + m),
                    assignment_id=assignment.id,
                    proposal_id=proposal.id,
                    reviewer_id=reviewer.id,
                    proposal_version=proposal.version,
                    scores={c.key: 1 + (n + m + i) % 5 for i, c in enumerate(DEFAULT_RUBRIC)}
                    if m == 0
                    else {"innovative_technology": 5},
                    recommendation=(Recommendation.approve, Recommendation.revise)[m]
                    if submitted
                    else None,
                    confidence=3 + m,
                    comments_for_applicant=("-weak CMC", "Хорошо")[m],
                    confidential_comments=("", "@chair see budget")[m],
                    submitted_at=START + timedelta(days=2, minutes=n) if submitted else None,
                    created_at=START + timedelta(days=2, minutes=n),
                )
            )
    for n, proposal in enumerate(proposals[:4]):
        session.add(
            Decision(
                id=_id(500 + n),
                proposal_id=proposal.id,
                proposal_version=proposal.version,
                outcome=Outcome.approved if n % 2 else Outcome.rejected,
                rationale=("=SUM(A1)", "Strong package", "预算过高", "")[n],
                message_to_applicant=("Congratulations", "", "Спасибо", "-")[n],
                decided_by=chair.id,
                created_at=START + timedelta(days=3, hours=n // 2),
            )
        )
    session.commit()
    return {"admin": admin, "chair": chair}


def _sheet(xlsx: bytes) -> bytes:
    import io
    import zipfile

    # The workbook's other parts hold the time it was written; the sheet holds the cells.
    return zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/worksheets/sheet1.xml")


def _files(session: Session, people: dict[str, User]) -> Iterator[tuple[str, bytes]]:
    admin, chair = people["admin"], people["chair"]
    made: dict[str, Export] = {
        "proposals-admin": exports.proposals_export(user=admin, state=None, committee_id=None),
        "proposals-chair": exports.proposals_export(user=chair, state=None, committee_id=None),
        "proposals-approved": exports.proposals_export(
            user=admin, state=State.approved, committee_id=_id(20)
        ),
        "reviews-chair": exports.reviews_export(session=session, user=chair, committee_id=_id(20)),
        "decisions-admin": exports.decisions_export(session=session, user=admin, committee_id=None),
        "decisions-chair": exports.decisions_export(
            session=session, user=chair, committee_id=_id(20)
        ),
    }
    for name, export in made.items():
        yield f"{name}.csv", b"".join(chunks(export, Format.csv))
        yield f"{name}.sheet1.xml", _sheet(b"".join(chunks(export, Format.xlsx)))


@pytest.mark.parametrize("page_rows", [2, 1000])
def test_exports_write_the_same_files_as_before(
    session: Session, world: dict[str, User], monkeypatch: Any, page_rows: int
) -> None:
    monkeypatch.setattr(exports, "EXPORT_PAGE_ROWS", page_rows)
    written = dict(_files(session, world))
    assert sorted(written) == sorted(p.name for p in GOLDEN.iterdir())
    for name, content in written.items():
        assert content == (GOLDEN / name).read_bytes(), name
