"""The committee dossier as a PDF: each reader's copy holds what that reader may see, and no more.

Each test renders one PDF and reads its text back (pypdf), as a person would read the page.
"""

import io
from typing import Any
from uuid import UUID

import pytest
from pypdf import PdfReader
from sqlmodel import select

from service.analysis.service import run_analysis
from service.assignment.models import Assignment, AssignmentStatus
from service.auth.models import User
from service.proposals.models import Proposal
from service.workflow.moves import StageJob, move
from service.workflow.table import Actor, Event, GuardContext
from tests.conftest import Api
from tests.factories import InReview, reach_deliberation, user_id
from tests.web.test_page_access import _sign_in, web  # noqa: F401  (a fixture)

# Distinct names, so that a name found in a copy cannot be any other word of it.
NAMES = ("Ivana Petrovna", "Wei Zhangsun", "Oskar Lindqvist")
CHAIR = "Marta Chairwoman"
CONFIDENTIAL = ("The CMC lead left last year.", "Budget looks inflated.")
FOR_APPLICANT = ("Strong preclinical package.", "Clarify the batch release strategy.")
DISCUSSED = "We weigh the CMC risk against the clinical data."
RATIONALE = "Sound plan; the CMC risk is accepted with a milestone."
META = "Both reviewers praise the data; one asks for the batch release plan."
MESSAGE = "Congratulations: the committee funds the programme."


@pytest.fixture
def decided(api: Api, session: Any, committee: dict[str, Any], draft: dict[str, Any]) -> str:
    """The draft submitted, analysed by the real stage, reviewed by two, discussed, approved."""
    for email, name in zip(
        [*committee["reviewers"], committee["chair"]], [*NAMES, CHAIR], strict=True
    ):
        session.exec(select(User).where(User.email == email)).one().full_name = name
    session.commit()
    owner = api.as_(committee["applicant"])
    attached = owner(
        "POST",
        f"/proposals/{draft['id']}/attachments",
        files={"file": ("plan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
    )
    assert attached.status_code == 201, attached.text
    assert owner("POST", f"/proposals/{draft['id']}/submit").status_code == 200
    session.expire_all()
    proposal = session.get(Proposal, UUID(draft["id"]))
    proposal.committee_id = UUID(committee["committee_id"])
    move(session=session, proposal=proposal, event=Event.pass_screening, actor=Actor.system,
         actor_id=None)  # fmt: skip
    run_analysis(session=session, jobs=[StageJob(proposal.id, proposal.version)])
    emails = committee["reviewers"][:2]
    assignments = {
        email: Assignment(
            proposal_id=proposal.id,
            reviewer_id=user_id(session, email),
            proposal_version=proposal.version,
            status=AssignmentStatus.accepted,
        )
        for email in emails
    }
    session.add_all(assignments.values())
    move(session=session, proposal=proposal, event=Event.start_review, actor=Actor.system,
         actor_id=None, context=GuardContext(reviewers_assigned=2, reviewers_needed=2))  # fmt: skip
    session.commit()
    staged = InReview(str(proposal.id), {e: str(a.id) for e, a in assignments.items()})
    reach_deliberation(api, session, committee, staged)
    chair = api.as_(committee["chair"])
    path = f"/proposals/{proposal.id}"
    assert chair("POST", path + "/discussion", json={"body": DISCUSSED}).status_code == 201
    assert chair("PUT", path + "/meta-review", json={"body": META}).status_code == 200
    decision = {"outcome": "approved", "rationale": RATIONALE, "message_to_applicant": MESSAGE}
    assert chair("POST", path + "/decision", json=decision).status_code == 200
    return str(proposal.id)


def _text(response: Any) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_committee_copy_names_the_reviewers_and_holds_the_confidential_parts(
    api: Api, committee: dict[str, Any], decided: str
) -> None:
    text = _text(api.as_(committee["chair"])("GET", f"/proposals/{decided}/dossier.pdf"))
    assert "The committee's copy: confidential" in text
    assert NAMES[0] in text and NAMES[1] in text
    assert NAMES[2] not in text  # never assigned: not in the dossier
    for part in (*CONFIDENTIAL, *FOR_APPLICANT, DISCUSSED, RATIONALE, META, MESSAGE, CHAIR):
        assert part in text, part
    # The analysis with its pictures: the PTRS path from Phase II (the draft's phase).
    for heading in ("Prospect analysis", "The analysis in pictures", "Probability of reaching it"):
        assert heading in text, heading
    assert "Peak sales" in text  # a driver of the tornado


def test_applicant_copy_has_no_names_no_confidential_parts_and_no_discussion(
    api: Api, committee: dict[str, Any], decided: str
) -> None:
    text = _text(api.as_(committee["applicant"])("GET", f"/proposals/{decided}/dossier.pdf"))
    assert "The applicant's copy" in text
    for part in (*FOR_APPLICANT, META, MESSAGE, "Bispecific antibody R&D centre"):
        assert part in text, part
    for hidden in (*NAMES, CHAIR, *CONFIDENTIAL, DISCUSSED, RATIONALE, "committee's copy"):
        assert hidden not in text, hidden
    # The applicant's summary of the analysis, without the committee's figures and pictures.
    assert "Prospect analysis" in text
    assert "The analysis in pictures" not in text


def test_chinese_copy_has_translated_headings_and_chart_labels(
    api: Api, committee: dict[str, Any], decided: str
) -> None:
    chair = api.as_(committee["chair"])
    text = _text(chair("GET", f"/proposals/{decided}/dossier.pdf", params={"language": "zh_Hans"}))
    for heading in (
        "委员会评审档案",
        "申请内容",
        "前景分析",
        "决定",
        "分析图示",
        "到达概率",
        "获批",
    ):
        assert heading in text, heading
    assert "Prospect analysis" not in text
    assert NAMES[0] in text


def test_russian_copy_follows_the_readers_stored_language(
    api: Api, session: Any, committee: dict[str, Any], decided: str
) -> None:
    applicant = session.exec(select(User).where(User.email == committee["applicant"])).one()
    applicant.language = "ru"
    session.commit()
    owner = api.as_(committee["applicant"])
    text = _text(owner("GET", f"/proposals/{decided}/dossier.pdf"))
    for heading in ("Досье для комитета", "Экземпляр заявителя", "Заявка", "Решение"):
        assert heading in text, heading
    assert CONFIDENTIAL[0] not in text


def test_a_reviewer_who_has_not_reviewed_reads_no_reviews(
    api: Api, committee: dict[str, Any], draft: dict[str, Any], decided: str
) -> None:
    # The third reviewer was never assigned: the proposal is not theirs to know.
    stranger = api.as_(committee["reviewers"][2])
    assert stranger("GET", f"/proposals/{decided}/dossier.pdf").status_code == 404
    rival = api.as_(committee["rival"])
    assert rival("GET", f"/proposals/{decided}/dossier.pdf").status_code == 404


def test_the_proposal_page_links_the_dossier_in_the_pages_language(
    web: Any,  # noqa: F811  (the pages' client fixture, imported above)
    committee: dict[str, Any],
    decided: str,
) -> None:
    _sign_in(web, committee["applicant"])
    page = web.get(f"/proposals/{decided}")
    assert f'href="/proposals/{decided}/dossier.pdf"' in page.text
    web.cookies.set("lang", "zh_Hans")
    text = _text(web.get(f"/proposals/{decided}/dossier.pdf"))
    assert "申请单位副本" in text and "委员会副本" not in text
    assert CONFIDENTIAL[1] not in text
