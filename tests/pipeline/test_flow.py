"""The pipeline with a real worker: from submission to review, and the returned loop."""

from typing import Any

from tests.conftest import Api
from tests.pipeline.conftest import Process, state_of, submitted_proposal, wait_for


def test_submitted_proposal_reaches_review_by_itself(
    api: Api, committee: dict[str, Any], worker: Process
) -> None:
    proposal_id = submitted_proposal(api, committee["applicant"])
    wait_for(
        lambda: state_of(api, committee["applicant"], proposal_id) == "in_review",
        what="in_review",
    )
    history = api.as_(committee["admin"])("GET", f"/proposals/{proposal_id}/history").json()
    assert [(h["to_state"], h["actor_role"]) for h in history] == [
        ("screening", "applicant"),
        ("analysis", "system"),
        ("assignment", "system"),
        ("in_review", "system"),
    ]
    report = api.as_(committee["chair"])("GET", f"/proposals/{proposal_id}/analysis").json()
    assert report["report"]["method_version"]
    summary = api.as_(committee["applicant"])("GET", f"/proposals/{proposal_id}/analysis").json()
    assert set(summary) == {"proposal_version", "summary"}
    assignments = api.as_(committee["chair"])("GET", f"/proposals/{proposal_id}/assignments").json()
    assert len({a["reviewer_id"] for a in assignments}) == 3


def test_screening_returns_a_proposal_with_every_reason(
    api: Api, committee: dict[str, Any], worker: Process
) -> None:
    call = api.as_(committee["applicant"])
    proposal_id = call(
        "POST",
        "/proposals",
        json={
            "title": "Production base",
            "summary": "A plant.",
            "therapeutic_area": "oncology",
            "modality": "manufacturing",
            "phase": "phase_2",
            "budget_requested": 0,
            "target_launch_year": 2031,
            "target_markets": ["CN"],
        },
    ).json()["id"]
    assert call("POST", f"/proposals/{proposal_id}/submit").status_code == 200
    wait_for(
        lambda: state_of(api, committee["applicant"], proposal_id) == "returned", what="returned"
    )
    reason = call("GET", f"/proposals/{proposal_id}/history").json()[-1]["reason"]
    assert "budget_requested must be greater than zero" in reason
    assert "phase must be not_applicable" in reason
    assert "attachment" in reason
    # The applicant fixes it and resubmits: a new version goes through screening again.
    call(
        "PATCH",
        f"/proposals/{proposal_id}",
        json={"phase": "not_applicable", "budget_requested": 5_000_000},
    )
    call(
        "POST", f"/proposals/{proposal_id}/attachments", files={"file": ("plan.pdf", b"%PDF-1.4 x")}
    )
    resubmitted = call("POST", f"/proposals/{proposal_id}/submit")
    assert resubmitted.json()["version"] == 2
    wait_for(
        lambda: state_of(api, committee["applicant"], proposal_id) == "in_review", what="in_review"
    )


RUBRIC_KEYS = [
    "innovative_technology",
    "batch_stability",
    "regulatory_compliance",
    "supply_chain",
    "international_talent",
    "market_prospect",
]


def _review(api: Api, reviewer: str, proposal_id: str, score: int, recommendation: str) -> None:
    call = api.as_(reviewer)
    mine = call("GET", "/assignments").json()["items"]
    assignment = next(
        a
        for a in mine
        if a["proposal_id"] == proposal_id and a["status"] in ("invited", "accepted")
    )
    assert call("POST", f"/assignments/{assignment['id']}/accept").status_code == 200
    draft = {
        "scores": dict.fromkeys(RUBRIC_KEYS, score),
        "recommendation": recommendation,
        "confidence": 4,
        "comments_for_applicant": f"{recommendation}: strengthen the CMC plan",
        "confidential_comments": "compared with two similar programmes",
    }
    saved = call("PUT", f"/assignments/{assignment['id']}/review", json=draft)
    assert saved.status_code == 200, saved.text
    submitted = call("POST", f"/assignments/{assignment['id']}/review/submit")
    assert submitted.status_code == 200, submitted.text


def test_whole_flow_with_revision_loop_to_approval(
    api: Api, committee: dict[str, Any], worker: Process
) -> None:
    applicant, chair = committee["applicant"], committee["chair"]
    proposal_id = submitted_proposal(api, applicant)
    wait_for(lambda: state_of(api, applicant, proposal_id) == "in_review", what="in_review")
    for reviewer in committee["reviewers"][:2]:  # the quorum is 2 of 3
        _review(api, reviewer, proposal_id, 3, "revise")
    wait_for(lambda: state_of(api, applicant, proposal_id) == "deliberation", what="deliberation")
    reviews = api.as_(chair)("GET", f"/proposals/{proposal_id}/reviews").json()
    assert len([r for r in reviews["reviews"] if r["submitted_at"]]) == 2
    decided = api.as_(chair)(
        "POST",
        f"/proposals/{proposal_id}/decision",
        json={
            "outcome": "revision_requested",
            "rationale": "promising, CMC plan too thin",
            "message_to_applicant": "Please add a batch-stability plan.",
        },
    )
    assert decided.status_code in (200, 201), decided.text
    # The applicant revises: version 2 is screened again and goes back to the same reviewers.
    call = api.as_(applicant)
    assert (
        call("PATCH", f"/proposals/{proposal_id}", json={"summary": "With a CMC plan."}).status_code
        == 200
    )
    assert call("POST", f"/proposals/{proposal_id}/submit").json()["version"] == 2
    wait_for(lambda: state_of(api, applicant, proposal_id) == "in_review", what="in_review again")
    for reviewer in committee["reviewers"][:2]:
        _review(api, reviewer, proposal_id, 5, "approve")
    wait_for(
        lambda: state_of(api, applicant, proposal_id) == "deliberation", what="deliberation again"
    )
    final = api.as_(chair)(
        "POST",
        f"/proposals/{proposal_id}/decision",
        json={
            "outcome": "approved",
            "rationale": "CMC plan added",
            "message_to_applicant": "Approved.",
        },
    )
    assert final.status_code in (200, 201), final.text
    history = call("GET", f"/proposals/{proposal_id}/history").json()
    assert [h["to_state"] for h in history] == [
        "screening",
        "analysis",
        "assignment",
        "in_review",
        "deliberation",
        "revision_requested",
        "screening",
        "analysis",
        "assignment",
        "in_review",
        "deliberation",
        "approved",
    ]
    assert {h["actor_role"] for h in history} == {"applicant", "system", "chair"}
    decision = call("GET", f"/proposals/{proposal_id}/decision").json()
    assert decision["message_to_applicant"] == "Approved."
    assert "rationale" not in decision
    version_two = [
        a["reviewer_id"]
        for a in api.as_(chair)("GET", f"/proposals/{proposal_id}/assignments").json()
        if a["proposal_version"] == 2
    ]
    reviewer_ids = {api.as_(r)("GET", "/me").json()["id"] for r in committee["reviewers"][:2]}
    assert reviewer_ids <= set(version_two)


def test_a_round_with_the_applicants_response(
    api: Api, committee: dict[str, Any], worker: Process
) -> None:
    applicant, chair = committee["applicant"], committee["chair"]
    board = f"/committees/{committee['committee_id']}"
    assert (
        api.as_(committee["admin"])("PATCH", board, json={"applicant_response_days": 5}).status_code
        == 200
    )
    proposal_id = submitted_proposal(api, applicant)
    wait_for(lambda: state_of(api, applicant, proposal_id) == "in_review", what="in_review")
    for reviewer in committee["reviewers"][:2]:
        _review(api, reviewer, proposal_id, 4, "approve")
    wait_for(
        lambda: state_of(api, applicant, proposal_id) == "applicant_response",
        what="the applicant's response round",
    )
    call = api.as_(applicant)
    answered = call(
        "POST", f"/proposals/{proposal_id}/response", json={"body": "Thank you; see annex B."}
    )
    assert answered.status_code == 200, answered.text
    assert state_of(api, applicant, proposal_id) == "deliberation"
    decided = api.as_(chair)(
        "POST",
        f"/proposals/{proposal_id}/decision",
        json={"outcome": "approved", "rationale": "Answered well."},
    )
    assert decided.status_code == 200, decided.text
    history = call("GET", f"/proposals/{proposal_id}/history").json()
    assert [(h["to_state"], h["actor_role"]) for h in history][-3:] == [
        ("applicant_response", "system"),
        ("deliberation", "applicant"),
        ("approved", "chair"),
    ]
