"""Batch decisions and the letter preview: each proposal decided or refused on its own."""

from typing import Any
from uuid import UUID

from sqlmodel import Session, select

from service.notifications.models import Notification
from service.reviews.models import Decision
from tests.conftest import COMPLETE_PROPOSAL, Api
from tests.factories import put_in_review, reach_deliberation, state_of


def _deliberating(api: Api, session: Session, committee: dict[str, Any], title: str) -> str:
    created = api.as_(committee["applicant"])(
        "POST", "/proposals", json={**COMPLETE_PROPOSAL, "title": title}
    )
    assert created.status_code == 201, created.text
    staged = put_in_review(api, session, committee, created.json())
    reach_deliberation(api, session, committee, staged)
    return staged.proposal_id


def test_a_batch_decides_each_proposal_with_its_own_letter(
    api: Api, session: Session, committee: dict[str, Any]
) -> None:
    first = _deliberating(api, session, committee, "First proposal")
    second = _deliberating(api, session, committee, "Second proposal")
    response = api.as_(committee["chair"])(
        "POST",
        "/decisions",
        json={
            "outcome": "rejected",
            "rationale": "Outside the committee's priorities this year.",
            "items": [
                {"proposal_id": first, "message_to_applicant": "Letter one."},
                {"proposal_id": second, "message_to_applicant": "Letter two."},
            ],
        },
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["proposal_id"], r["decided"]) for r in results] == [(first, True), (second, True)]
    assert state_of(session, first) == state_of(session, second) == "rejected"
    letters = {
        str(d.proposal_id): d.message_to_applicant for d in session.exec(select(Decision)).all()
    }
    assert letters == {first: "Letter one.", second: "Letter two."}
    told = session.exec(select(Notification).where(Notification.event == "proposal.decided"))
    bodies = sorted(n.body for n in told)
    assert any("Letter one." in b and "Letter two." not in b for b in bodies)


def test_a_refused_proposal_is_rolled_back_alone_with_its_reason(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    ready = _deliberating(api, session, committee, "Ready proposal")
    # Still a draft: not the chair's to know (404), and nothing of it may change.
    results = api.as_(committee["chair"])(
        "POST",
        "/decisions",
        json={
            "outcome": "approved",
            "rationale": "Sound plan.",
            "items": [
                {"proposal_id": draft["id"], "message_to_applicant": "x"},
                {"proposal_id": ready, "message_to_applicant": "Congratulations."},
            ],
        },
    ).json()["results"]
    refused, decided = results
    assert (refused["decided"], refused["status"], refused["error"]) == (False, 404, "NotFound")
    assert decided["decided"] is True
    assert decided["decision"]["message_to_applicant"] == "Congratulations."
    assert state_of(session, ready) == "approved"
    assert state_of(session, draft["id"]) == "draft"
    assert [str(d.proposal_id) for d in session.exec(select(Decision)).all()] == [ready]


def test_a_proposal_decided_twice_in_one_batch_is_refused_whole(
    api: Api, session: Session, committee: dict[str, Any]
) -> None:
    ready = _deliberating(api, session, committee, "Ready proposal")
    item = {"proposal_id": ready, "message_to_applicant": ""}
    response = api.as_(committee["chair"])(
        "POST",
        "/decisions",
        json={"outcome": "approved", "rationale": "Sound plan.", "items": [item, item]},
    )
    assert response.status_code == 422
    assert state_of(session, ready) == "deliberation"


def test_an_already_decided_proposal_answers_409_in_its_result(
    api: Api, session: Session, committee: dict[str, Any]
) -> None:
    ready = _deliberating(api, session, committee, "Ready proposal")
    chair = api.as_(committee["chair"])
    body = {
        "outcome": "approved",
        "rationale": "Sound plan.",
        "items": [{"proposal_id": ready, "message_to_applicant": ""}],
    }
    assert chair("POST", "/decisions", json=body).json()["results"][0]["decided"] is True
    again = chair("POST", "/decisions", json=body).json()["results"][0]
    assert (again["decided"], again["status"]) == (False, 409)
    assert len(session.exec(select(Decision)).all()) == 1


def test_only_chairs_decide_in_a_batch(
    api: Api, session: Session, committee: dict[str, Any]
) -> None:
    ready = _deliberating(api, session, committee, "Ready proposal")
    body = {
        "outcome": "approved",
        "rationale": "Sound plan.",
        "items": [{"proposal_id": ready, "message_to_applicant": ""}],
    }
    admin = api.as_(committee["admin"])("POST", "/decisions", json=body).json()["results"][0]
    assert (admin["decided"], admin["status"]) == (False, 403)
    rival = api.as_(committee["rival"])("POST", "/decisions", json=body).json()["results"][0]
    assert (rival["decided"], rival["status"]) == (False, 404)
    assert state_of(session, ready) == "deliberation"


def test_the_letter_preview_is_what_the_applicant_would_read_and_stores_nothing(
    api: Api, session: Session, committee: dict[str, Any]
) -> None:
    ready = _deliberating(api, session, committee, "Ready proposal")
    chair = api.as_(committee["chair"])
    assert chair("PUT", f"/proposals/{ready}/meta-review", json={"body": "Summary."}).is_success
    preview = chair(
        "POST",
        f"/proposals/{ready}/decision/preview",
        json={"outcome": "revision_requested", "message_to_applicant": "Please revise."},
    )
    assert preview.status_code == 200, preview.text
    letter = preview.json()
    assert letter["outcome"] == "revision_requested"
    assert letter["meta_review"] == "Summary."
    assert sorted(letter["comments_for_applicant"]) == [
        "Clarify the batch release strategy.",
        "Strong preclinical package.",
    ]
    assert "rationale" not in letter and "decided_by" not in letter
    assert session.exec(select(Decision)).all() == []
    assert state_of(session, ready) == "deliberation"
    assert UUID(letter["proposal_id"]) == UUID(ready)
