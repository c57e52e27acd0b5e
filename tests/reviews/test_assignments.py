"""Reviewers list, accept and decline their assignments."""

from typing import Any
from uuid import UUID

import pytest
from sqlmodel import Session, select

from service.assignment.models import Assignment, AssignmentStatus, ConflictRecord
from service.outbox.models import OutboxMessage
from tests.conftest import Api
from tests.factories import put_in_review, status_of, user_id


def test_reviewer_lists_own_assignments_with_the_proposal(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, reviewers=2)
    first = committee["reviewers"][0]
    page = api.as_(first)("GET", "/assignments").json()
    assert page["next_cursor"] is None
    [item] = page["items"]
    assert item["id"] == staged.assignments[first]
    assert (item["proposal_title"], item["proposal_state"], item["status"]) == (
        draft["title"],
        "in_review",
        "accepted",
    )
    unassigned = api.as_(committee["reviewers"][2])("GET", "/assignments").json()
    assert unassigned["items"] == []


def test_assignments_are_paginated(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    put_in_review(api, session, committee, draft)
    second = api.as_(committee["applicant"])("POST", "/proposals", json={"title": "Second one"})
    session.add(
        Assignment(
            proposal_id=UUID(second.json()["id"]),
            reviewer_id=user_id(session, committee["reviewers"][0]),
            proposal_version=0,
        )
    )
    session.commit()
    call = api.as_(committee["reviewers"][0])
    first_page = call("GET", "/assignments", params={"limit": 1}).json()
    assert first_page["next_cursor"]
    cursor = first_page["next_cursor"]
    last_page = call("GET", "/assignments", params={"limit": 1, "cursor": cursor}).json()
    assert last_page["next_cursor"] is None
    assert first_page["items"][0]["id"] != last_page["items"][0]["id"]
    invited = call("GET", "/assignments", params={"status": "invited"}).json()["items"]
    assert [i["proposal_title"] for i in invited] == ["Second one"]


def test_applicants_have_no_assignments(api: Api, committee: dict[str, Any]) -> None:
    assert api.as_(committee["applicant"])("GET", "/assignments").status_code == 403


def test_reviewer_accepts_an_invitation(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, status=AssignmentStatus.invited)
    reviewer = committee["reviewers"][0]
    response = api.as_(reviewer)("POST", f"/assignments/{staged.assignments[reviewer]}/accept")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"
    again = api.as_(reviewer)("POST", f"/assignments/{staged.assignments[reviewer]}/accept")
    assert again.status_code == 200


def test_declined_assignment_cannot_be_accepted(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, status=AssignmentStatus.invited)
    reviewer = committee["reviewers"][0]
    path = f"/assignments/{staged.assignments[reviewer]}"
    api.as_(reviewer)("POST", f"{path}/decline", json={"reason": "On leave"})
    response = api.as_(reviewer)("POST", f"{path}/accept")
    assert response.status_code == 409
    assert response.json()["status"] == "declined"


def test_declining_for_conflict_records_the_conflict(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][1]
    response = api.as_(reviewer)(
        "POST",
        f"/assignments/{staged.assignments[reviewer]}/decline",
        json={"reason": "I consult for Acme Bio", "conflict_of_interest": True},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["declined_for_conflict"]) == (
        "declined",
        True,
    )
    [conflict] = session.exec(select(ConflictRecord)).all()
    reviewer_id = user_id(session, reviewer)
    assert (conflict.reviewer_id, str(conflict.proposal_id), conflict.recorded_by) == (
        reviewer_id,
        staged.proposal_id,
        reviewer_id,
    )
    assert conflict.reason == "I consult for Acme Bio"
    replace = session.exec(
        select(OutboxMessage).where(OutboxMessage.task == "assignment.replace")
    ).all()
    assert [m.payload for m in replace] == [{"proposal_id": staged.proposal_id}]


def test_declining_without_conflict_asks_for_a_replacement_only(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, status=AssignmentStatus.invited)
    reviewer = committee["reviewers"][0]
    response = api.as_(reviewer)(
        "POST", f"/assignments/{staged.assignments[reviewer]}/decline", json={"reason": "Busy"}
    )
    assert response.status_code == 200, response.text
    assert session.exec(select(ConflictRecord)).all() == []
    tasks = session.exec(select(OutboxMessage.task)).all()
    assert "assignment.replace" in tasks


def test_decline_needs_a_reason(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    response = api.as_(reviewer)(
        "POST", f"/assignments/{staged.assignments[reviewer]}/decline", json={"reason": "  "}
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "reason"


@pytest.mark.parametrize(
    ("who", "status"), [("other_reviewer", 404), ("rival", 404), ("chair", 403), ("admin", 403)]
)
@pytest.mark.parametrize("action", ["accept", "decline"])
def test_only_the_assigned_reviewer_answers(
    api: Api,
    session: Session,
    committee: dict[str, Any],
    draft: dict[str, Any],
    who: str,
    status: int,
    action: str,
) -> None:
    staged = put_in_review(
        api, session, committee, draft, reviewers=2, status=AssignmentStatus.invited
    )
    caller = committee["reviewers"][2] if who == "other_reviewer" else committee[who]
    assignment_id = staged.assignments[committee["reviewers"][0]]
    response = api.as_(caller)(
        "POST", f"/assignments/{assignment_id}/{action}", json={"reason": "not mine"}
    )
    assert response.status_code == status, response.text
    assert status_of(session, assignment_id) == "invited"
