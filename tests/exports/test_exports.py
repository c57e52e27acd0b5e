"""The streamed exports: their content, paging, formula neutralising and who may have them."""

import csv
import io
import zipfile
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import Session

from service.assignment.models import Assignment, AssignmentStatus
from service.exports import service as exports
from service.reviews.models import Outcome, Recommendation, Review
from tests.conftest import COMPLETE_PROPOSAL, Api
from tests.factories import second_committee, staged_proposal, user_id

HOSTILE = '=HYPERLINK("http://evil.example","x")'
START = datetime(2025, 3, 1, tzinfo=UTC)


def _rows(answer: Any) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    text = answer.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def decided(session: Session, committee: dict[str, Any]) -> dict[str, Any]:
    """Two decided proposals of the committee (one reviewed), one of a second committee."""
    other, other_chair = second_committee(session, committee["admin"])
    staged = {
        "organisation_id": UUID(committee["organisation_id"]),
        "created_by": user_id(session, committee["applicant"]),
        "decided_by": user_id(session, committee["chair"]),
        "therapeutic_area": "oncology",
        "modality": "cell_therapy",
        "start": START,
        "stays": (10, 10, 10, 10, 10),
    }
    board = UUID(committee["committee_id"])
    mine = [
        staged_proposal(session, committee_id=board, outcome=Outcome.approved, **staged),
        staged_proposal(session, committee_id=board, outcome=Outcome.rejected, **staged),
    ]
    theirs = staged_proposal(session, committee_id=other.id, outcome=Outcome.approved, **staged)
    mine[0].title = HOSTILE
    reviewer = user_id(session, committee["reviewers"][0])
    assignment = Assignment(
        proposal_id=mine[0].id,
        reviewer_id=reviewer,
        proposal_version=1,
        status=AssignmentStatus.submitted,
    )
    session.add(assignment)
    session.flush()
    session.add(
        Review(
            assignment_id=assignment.id,
            proposal_id=mine[0].id,
            reviewer_id=reviewer,
            proposal_version=1,
            scores={"innovative_technology": 4, "market_prospect": 2},
            recommendation=Recommendation.approve,
            confidence=3,
            comments_for_applicant="-1 for the budget",
            submitted_at=START,
        )
    )
    session.commit()
    return {
        "mine": [str(p.id) for p in mine],
        "theirs": str(theirs.id),
        "other": str(other.id),
        "other_chair": other_chair.email,
    }


def test_an_applicant_exports_only_its_organisations_proposals(
    api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    rival = api.as_(committee["rival"])
    assert rival("POST", "/proposals", json=COMPLETE_PROPOSAL).status_code == 201
    hostile = api.as_(committee["applicant"])(
        "PATCH", f"/proposals/{draft['id']}", json={"summary": "@SUM(A1:A9)"}
    )
    assert hostile.status_code == 200, hostile.text
    rows = _rows(api.as_(committee["applicant"])("GET", "/exports/proposals.csv"))
    assert [r["id"] for r in rows] == [draft["id"]]
    assert rows[0]["summary"] == "'@SUM(A1:A9)"
    assert rows[0]["target_markets"] == "CN;KZ"
    assert rows[0]["state"] == "draft"


def test_a_chair_exports_its_committees_proposals_with_the_lists_filters(
    api: Api, committee: dict[str, Any], decided: dict[str, Any]
) -> None:
    chair = api.as_(committee["chair"])
    rows = _rows(chair("GET", "/exports/proposals.csv"))
    assert {r["id"] for r in rows} == set(decided["mine"])
    assert {r["title"] for r in rows} >= {"'" + HOSTILE}
    rejected = _rows(chair("GET", "/exports/proposals.csv", params={"state": "rejected"}))
    assert [r["id"] for r in rejected] == [decided["mine"][1]]
    theirs = chair("GET", "/exports/proposals.csv", params={"committee": decided["other"]})
    assert _rows(theirs) == []


def test_exports_are_read_a_page_at_a_time(
    api: Api, committee: dict[str, Any], decided: dict[str, Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr(exports, "EXPORT_PAGE_ROWS", 1)
    rows = _rows(api.as_(committee["admin"])("GET", "/exports/decisions.csv"))
    assert sorted(r["proposal_id"] for r in rows) == sorted([*decided["mine"], decided["theirs"]])
    assert len(rows) == 3


def test_reviews_have_a_column_per_criterion_for_the_committees_chair(
    api: Api, committee: dict[str, Any], decided: dict[str, Any]
) -> None:
    chair = api.as_(committee["chair"])
    rows = _rows(
        chair("GET", "/exports/reviews.csv", params={"committee": committee["committee_id"]})
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["title"], row["innovative_technology"], row["market_prospect"]) == (
        "'" + HOSTILE,
        "4",
        "2",
    )
    assert row["batch_stability"] == ""
    assert row["comments_for_applicant"] == "'-1 for the budget"
    assert row["reviewer"] == "reviewer0"
    other = chair("GET", "/exports/reviews.csv", params={"committee": decided["other"]})
    assert other.status_code == 404
    missing = chair("GET", "/exports/reviews.xlsx")
    assert missing.status_code == 422
    assert [f["field"] for f in missing.json()["fields"]] == ["committee"]


@pytest.mark.parametrize("path", ["/exports/reviews.csv", "/exports/decisions.xlsx"])
def test_reviewers_and_applicants_may_not_export_reviews_or_decisions(
    api: Api, committee: dict[str, Any], decided: dict[str, Any], path: str
) -> None:
    for email in (committee["reviewers"][0], committee["applicant"]):
        refused = api.as_(email)("GET", path, params={"committee": committee["committee_id"]})
        assert refused.status_code == 403, refused.text


def test_decisions_as_xlsx(api: Api, committee: dict[str, Any], decided: dict[str, Any]) -> None:
    answer = api.as_(decided["other_chair"])("GET", "/exports/decisions.xlsx")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == 'attachment; filename="decisions.xlsx"'
    sheet = zipfile.ZipFile(io.BytesIO(answer.content)).read("xl/worksheets/sheet1.xml").decode()
    assert decided["theirs"] in sheet
    assert all(mine not in sheet for mine in decided["mine"])
    mine = api.as_(committee["chair"])("GET", "/exports/decisions.xlsx")
    sheet = zipfile.ZipFile(io.BytesIO(mine.content)).read("xl/worksheets/sheet1.xml").decode()
    # Text stays text: the hostile title is stored as an inline string, apostrophe first.
    assert "&apos;=HYPERLINK" in sheet or "'=HYPERLINK" in sheet
    assert "<f>" not in sheet
