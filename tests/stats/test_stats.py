"""GET /stats against a hand-computed history: three decided proposals of the committee in
March 2025, one in May, one of another committee, and reviews on time and late."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import Session

from service.assignment.models import Assignment, AssignmentStatus
from service.reviews.models import Outcome, Review
from tests.conftest import Api
from tests.factories import second_committee, staged_proposal, user_id

MARCH = {"from": "2025-03-01", "to": "2025-03-31"}
DAY = 86_400


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def history(session: Session, committee: dict[str, Any]) -> dict[str, Any]:
    board = UUID(committee["committee_id"])
    organisation = UUID(committee["organisation_id"])
    applicant = user_id(session, committee["applicant"])
    chair = user_id(session, committee["chair"])
    other, other_chair = second_committee(session, committee["admin"])

    def staged(board_id: UUID, **kwargs: Any) -> Any:
        return staged_proposal(
            session,
            committee_id=board_id,
            organisation_id=organisation,
            created_by=applicant,
            decided_by=chair,
            **kwargs,
        )

    p1 = staged(
        board,
        therapeutic_area="oncology",
        modality="bispecific_antibody",
        start=_at("2025-03-01T00:00:00"),
        stays=(100, 300, 600, DAY, 3600),
        outcome=Outcome.approved,
        bands=("strong",),
    )
    p2 = staged(
        board,
        therapeutic_area="oncology",
        modality="cell_therapy",
        start=_at("2025-03-02T00:00:00"),
        stays=(200, 300, 1000, 2 * DAY, 7200),
        outcome=Outcome.rejected,
        bands=("strong",),
    )
    # Re-analysed: the later report's band counts.
    staged(
        board,
        therapeutic_area="hematology",
        modality="cell_therapy",
        start=_at("2025-03-03T00:00:00"),
        stays=(300, 600, 1400, 3 * DAY, 10800),
        outcome=Outcome.revision_requested,
        bands=("moderate", "weak"),
    )
    p5 = staged(
        board,
        therapeutic_area="oncology",
        modality="bispecific_antibody",
        start=_at("2025-05-20T00:00:00"),
        stays=(10, 10, 10, 10, 10),
        outcome=Outcome.approved,
    )
    p4 = staged(
        other.id,
        therapeutic_area="oncology",
        modality="small_molecule",
        start=_at("2025-03-04T00:00:00"),
        stays=(50, 50, 50, 50, 50),
        outcome=Outcome.approved,
        bands=("moderate",),
    )
    r0, r1, r2 = (user_id(session, e) for e in committee["reviewers"])

    def assigned(proposal: Any, reviewer: UUID, due: str, submitted: str | None) -> None:
        status = AssignmentStatus.submitted if submitted else AssignmentStatus.invited
        assignment = Assignment(
            proposal_id=proposal.id,
            reviewer_id=reviewer,
            proposal_version=1,
            status=status,
            due_at=_at(due),
        )
        session.add(assignment)
        session.flush()
        if submitted:
            session.add(
                Review(
                    assignment_id=assignment.id,
                    proposal_id=proposal.id,
                    reviewer_id=reviewer,
                    proposal_version=1,
                    submitted_at=_at(submitted),
                )
            )

    assigned(p1, r0, "2025-03-05T00:00:00", "2025-03-01T10:00:00")  # on time
    assigned(p1, r1, "2025-03-01T05:00:00", "2025-03-01T12:00:00")  # late
    assigned(p2, r0, "2025-03-02T01:00:00", "2025-03-02T02:00:00")  # late
    assigned(p5, r2, "2025-06-01T00:00:00", None)  # open
    assigned(p4, r0, "2025-03-10T00:00:00", "2025-03-04T00:01:00")  # other committee
    session.commit()
    return {"other": str(other.id), "other_chair": other_chair.email, "reviewers": (r0, r1, r2)}


def _rates(rows: list[dict[str, Any]]) -> dict[str | None, tuple[int, int]]:
    return {r["key"]: (r["decided"], r["approved"]) for r in rows}


def test_a_chair_reads_its_committees_figures(
    api: Api, committee: dict[str, Any], history: dict[str, Any]
) -> None:
    answer = api.as_(committee["chair"])("GET", "/stats", params=MARCH)
    assert answer.status_code == 200, answer.text
    stats = answer.json()
    assert stats["committee_ids"] == [committee["committee_id"]]
    assert _rates(stats["by_therapeutic_area"]) == {"hematology": (1, 0), "oncology": (2, 1)}
    assert _rates(stats["by_modality"]) == {"bispecific_antibody": (1, 1), "cell_therapy": (2, 0)}
    assert _rates(stats["by_committee"]) == {committee["committee_id"]: (3, 1)}
    oncology = next(r for r in stats["by_therapeutic_area"] if r["key"] == "oncology")
    assert oncology["approval_rate"] == 0.5
    # Stays (seconds) per stage: 100/200/300, 300/300/600, 600/1000/1400, 1/2/3 days,
    # 1/2/3 hours; the p90 of a, b, c is b + 0.8 (c - b).
    assert {
        s["state"]: (s["count"], s["median_seconds"], s["p90_seconds"])
        for s in stats["stage_times"]
    } == {
        "screening": (3, 200, 280),
        "analysis": (3, 300, 540),
        "assignment": (3, 1000, 1320),
        "in_review": (3, 2 * DAY, 2 * DAY + 0.8 * DAY),
        "deliberation": (3, 7200, 10080),
    }
    assert [s["state"] for s in stats["stage_times"]] == [
        "screening",
        "analysis",
        "assignment",
        "in_review",
        "deliberation",
    ]
    r0, r1, r2 = (str(r) for r in history["reviewers"])
    assert [
        (r["reviewer_id"], r["open"], r["submitted_on_time"], r["submitted_late"])
        for r in stats["reviewers"]
    ] == [(r0, 0, 1, 1), (r1, 0, 0, 1), (r2, 1, 0, 0)]
    assert [
        (b["band"], b["decided"], b["approved"], b["approval_rate"])
        for b in stats["prospect_bands"]
    ] == [("strong", 2, 1, 0.5), ("weak", 1, 0, 0.0)]


def test_without_a_period_every_decision_counts(
    api: Api, committee: dict[str, Any], history: dict[str, Any]
) -> None:
    stats = api.as_(committee["chair"])("GET", "/stats").json()
    assert _rates(stats["by_therapeutic_area"]) == {"hematology": (1, 0), "oncology": (3, 2)}
    assert [(b["band"], b["decided"]) for b in stats["prospect_bands"]] == [
        ("strong", 2),
        ("weak", 1),
        (None, 1),
    ]
    screening = next(s for s in stats["stage_times"] if s["state"] == "screening")
    assert (screening["count"], screening["median_seconds"]) == (4, 150)


def test_an_admin_reads_every_committee_or_one(
    api: Api, committee: dict[str, Any], history: dict[str, Any]
) -> None:
    admin = api.as_(committee["admin"])
    every = admin("GET", "/stats", params=MARCH).json()
    assert every["committee_ids"] is None
    assert _rates(every["by_committee"]) == {
        committee["committee_id"]: (3, 1),
        history["other"]: (1, 1),
    }
    assert [(b["band"], b["decided"]) for b in every["prospect_bands"]] == [
        ("moderate", 1),
        ("strong", 2),
        ("weak", 1),
    ]
    r0 = str(history["reviewers"][0])
    assert next(r for r in every["reviewers"] if r["reviewer_id"] == r0)["submitted_on_time"] == 2
    one = admin("GET", "/stats", params={**MARCH, "committee": history["other"]}).json()
    assert _rates(one["by_committee"]) == {history["other"]: (1, 1)}
    assert {s["state"]: s["median_seconds"] for s in one["stage_times"]}["analysis"] == 50
    mine = api.as_(committee["chair"])("GET", "/stats", params=MARCH).json()
    as_admin = admin("GET", "/stats", params={**MARCH, "committee": committee["committee_id"]})
    assert as_admin.json() == mine


def test_who_may_read_statistics(
    api: Api, committee: dict[str, Any], history: dict[str, Any]
) -> None:
    chair = api.as_(committee["chair"])
    assert chair("GET", "/stats", params={"committee": history["other"]}).status_code == 404
    other = api.as_(history["other_chair"])("GET", "/stats", params=MARCH).json()
    assert _rates(other["by_committee"]) == {history["other"]: (1, 1)}
    for email in (committee["reviewers"][0], committee["applicant"]):
        refused = api.as_(email)("GET", "/stats")
        assert refused.status_code == 403, refused.text
    unknown = api.as_(committee["admin"])(
        "GET", "/stats", params={"committee": "00000000-0000-0000-0000-000000000000"}
    )
    assert unknown.status_code == 404


def test_a_bad_period_names_its_field(api: Api, committee: dict[str, Any]) -> None:
    chair = api.as_(committee["chair"])
    bad = chair("GET", "/stats", params={"from": "2025-13-01"})
    assert bad.status_code == 422
    assert [f["field"] for f in bad.json()["fields"]] == ["from"]
    backwards = chair("GET", "/stats", params={"from": "2025-04-01", "to": "2025-03-01"})
    assert backwards.status_code == 422
    assert [f["field"] for f in backwards.json()["fields"]] == ["to"]
