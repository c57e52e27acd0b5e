"""The chair replaces one reviewer: the slot moves, or, refused, nothing changes."""

from typing import Any
from uuid import UUID

from sqlmodel import Session, select

from service.assignment.models import Assignment, AssignmentStatus, ConflictRecord
from service.auth.models import User
from service.notifications.models import Notification
from tests.conftest import Api
from tests.factories import put_in_review, status_of


def _id(session: Session, email: str) -> UUID:
    return session.exec(select(User).where(User.email == email)).one().id


def test_the_chair_gives_an_open_slot_to_another_reviewer(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, reviewers=2)
    first, _, third = committee["reviewers"]
    response = api.as_(committee["chair"])(
        "POST",
        f"/assignments/{staged.assignments[first]}/replace",
        json={"reviewer_id": str(_id(session, third))},
    )
    assert response.status_code == 200, response.text
    created = response.json()
    assert (created["reviewer_id"], created["status"]) == (str(_id(session, third)), "invited")
    assert status_of(session, staged.assignments[first]) == AssignmentStatus.replaced
    told = session.exec(select(Notification).where(Notification.event == "assignment.replaced"))
    assert [n.recipient_id for n in told] == [_id(session, first)]


def test_a_conflicted_replacement_is_refused_and_nothing_changes(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, reviewers=2)
    first, _, third = committee["reviewers"]
    session.add(
        ConflictRecord(
            reviewer_id=_id(session, third),
            proposal_id=UUID(staged.proposal_id),
            reason="co-author",
        )
    )
    session.commit()
    response = api.as_(committee["chair"])(
        "POST",
        f"/assignments/{staged.assignments[first]}/replace",
        json={"reviewer_id": str(_id(session, third))},
    )
    assert response.status_code == 409
    assert "co-author" in response.json()["detail"]
    assert status_of(session, staged.assignments[first]) == AssignmentStatus.accepted
    assert len(session.exec(select(Assignment)).all()) == 2


def test_a_submitted_review_cannot_be_replaced(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, status=AssignmentStatus.submitted)
    first = committee["reviewers"][0]
    response = api.as_(committee["chair"])(
        "POST",
        f"/assignments/{staged.assignments[first]}/replace",
        json={"reviewer_id": str(_id(session, committee["reviewers"][1]))},
    )
    assert response.status_code == 409


def test_only_the_committee_chair_replaces(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, reviewers=2)
    first, _, third = committee["reviewers"]
    path = f"/assignments/{staged.assignments[first]}/replace"
    body = {"reviewer_id": str(_id(session, third))}
    assert api.as_(committee["admin"])("POST", path, json=body).status_code == 403
    assert api.as_(committee["rival"])("POST", path, json=body).status_code == 404
    assert api.as_(first)("POST", path, json=body).status_code == 403
    assert status_of(session, staged.assignments[first]) == AssignmentStatus.accepted
