"""Admins edit a committee; admins and its chairs read it."""

import uuid
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import Session, select

from service.assignment.models import Assignment, AssignmentStatus
from service.committees.models import MemberRole
from service.committees.service import members, routing
from service.jobs import Job
from service.outbox.models import OutboxMessage
from service.proposals.models import Proposal
from tests.conftest import Api
from tests.factories import put_in_review, user_id

NEW_PASSWORD = "violet harbour lantern 42"


def add_user(api: Api, admin: str, email: str, role: str) -> str:
    body = {"email": email, "full_name": "New", "role": role, "password": NEW_PASSWORD}
    response = api.as_(admin)("POST", "/users", json=body)
    assert response.status_code == 201, response.text
    api.login(email, NEW_PASSWORD)  # its token is kept for the calls made as this user
    return str(response.json()["id"])


def test_admin_renames_and_adds_an_area_and_a_reviewer(
    api: Api, session: Session, committee: dict[str, Any]
) -> None:
    as_admin = api.as_(committee["admin"])
    reviewer = user_id(session, committee["reviewers"][0])
    created = as_admin(
        "POST",
        "/committees",
        json={
            "name": "Vaccines",
            "therapeutic_areas": ["infectious_disease"],
            "reviewer_ids": [str(reviewer)],
            "reviewers_per_proposal": 1,
            "quorum": 1,
        },
    ).json()
    newcomer = add_user(api, committee["admin"], "newcomer@reviewers.example", "reviewer")

    response = as_admin(
        "PATCH",
        f"/committees/{created['id']}",
        json={
            "name": "Vaccines and respiratory",
            "therapeutic_areas": ["infectious_disease", "respiratory"],
            "reviewer_ids": [str(reviewer), newcomer],
        },
    )

    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["name"] == "Vaccines and respiratory"
    assert edited["therapeutic_areas"] == ["infectious_disease", "respiratory"]
    assert set(edited["reviewer_ids"]) == {str(reviewer), newcomer}
    # Fields not sent keep their values.
    assert (edited["reviewers_per_proposal"], edited["quorum"]) == (1, 1)
    assert edited["rubric"] == created["rubric"]
    assert as_admin("GET", f"/committees/{created['id']}").json() == edited


def test_an_edit_is_audited_with_the_admin_and_the_fields(
    api: Api, committee: dict[str, Any]
) -> None:
    as_admin = api.as_(committee["admin"])
    admin_id = as_admin("GET", "/me").json()["id"]
    as_admin("PATCH", f"/committees/{committee['committee_id']}", json={"quorum": 3})
    as_admin("PATCH", f"/committees/{committee['committee_id']}", json={"quorum": 3})
    [entry] = [
        e
        for e in as_admin("GET", "/admin/audit").json()["items"]
        if e["action"] == "committee.update"
    ]
    assert entry["actor_id"] == admin_id
    assert entry["target_id"] == committee["committee_id"]
    assert (entry["before"], entry["after"]) == ({"quorum": 2}, {"quorum": 3})


def test_creating_a_committee_is_audited(api: Api, committee: dict[str, Any]) -> None:
    as_admin = api.as_(committee["admin"])
    created = as_admin(
        "POST", "/committees", json={"name": "Vaccines", "therapeutic_areas": ["respiratory"]}
    )
    assert created.status_code == 201, created.text
    entry = as_admin("GET", "/admin/audit").json()["items"][0]
    assert (entry["action"], entry["target_id"]) == ("committee.create", created.json()["id"])
    assert entry["after"]["name"] == "Vaccines"


def test_seats_can_be_swapped_and_chairs_emptied(
    api: Api, session: Session, committee: dict[str, Any]
) -> None:
    """Creation allows a committee without chairs, so an edit may leave it without one."""
    chair = str(user_id(session, committee["chair"]))
    reviewers = [str(user_id(session, email)) for email in committee["reviewers"]]
    response = api.as_(committee["admin"])(
        "PATCH",
        f"/committees/{committee['committee_id']}",
        json={"chair_ids": [], "reviewer_ids": [*reviewers, chair]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["chair_ids"] == []
    assert set(response.json()["reviewer_ids"]) == {*reviewers, chair}


@pytest.mark.parametrize(
    ("who", "status"),
    [("chair", 200), ("applicant", 404), ("reviewer", 200), ("other_chair", 404)],
)
def test_admins_and_the_committees_members_read_it(
    api: Api, session: Session, committee: dict[str, Any], who: str, status: int
) -> None:
    emails = {
        "chair": committee["chair"],
        "applicant": committee["applicant"],
        "reviewer": committee["reviewers"][0],
        "other_chair": "other-chair@committee.example",
    }
    add_user(api, committee["admin"], emails["other_chair"], "chair")
    path = f"/committees/{committee['committee_id']}"
    assert api.as_(emails[who])("GET", path).status_code == status
    assert api.as_(committee["admin"])("GET", path).status_code == 200


@pytest.mark.parametrize("who", ["chair", "applicant"])
def test_only_admins_edit(api: Api, committee: dict[str, Any], who: str) -> None:
    response = api.as_(committee[who])(
        "PATCH", f"/committees/{committee['committee_id']}", json={"name": "Mine now"}
    )
    assert response.status_code == 403


def test_unknown_committee_is_404(api: Api, committee: dict[str, Any]) -> None:
    as_admin = api.as_(committee["admin"])
    path = f"/committees/{uuid.uuid4()}"
    assert as_admin("GET", path).status_code == 404
    assert as_admin("PATCH", path, json={"name": "Nobody"}).status_code == 404


def test_duplicate_name_is_409(api: Api, committee: dict[str, Any]) -> None:
    as_admin = api.as_(committee["admin"])
    other = as_admin(
        "POST", "/committees", json={"name": "Vaccines", "therapeutic_areas": ["other"]}
    ).json()
    response = as_admin("PATCH", f"/committees/{other['id']}", json={"name": "BIOMEDICINE"})
    assert response.status_code == 409
    assert response.json()["fields"][0]["field"] == "name"
    # Its own name, in another case, is no clash.
    renamed = as_admin("PATCH", f"/committees/{other['id']}", json={"name": "VACCINES"})
    assert renamed.status_code == 200, renamed.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reviewer_ids": [str(uuid.uuid4())]}, "reviewer_ids"),
        ({"chair_ids": ["<reviewer>"], "reviewer_ids": []}, "chair_ids"),
        ({"reviewer_ids": ["<applicant>"]}, "reviewer_ids"),
        ({"reviewer_ids": ["<chair>"]}, "reviewer_ids"),
        ({"chair_ids": ["<chair>"], "reviewer_ids": ["<chair>"]}, "reviewer_ids"),
        ({"quorum": 4}, "quorum"),
        ({"reviewers_per_proposal": 1}, "reviewers_per_proposal"),
        ({"therapeutic_areas": []}, "therapeutic_areas"),
        ({"therapeutic_areas": ["astrology"]}, "therapeutic_areas"),
        ({"name": "X"}, "name"),
        ({"name": None}, "name"),
        ({"rubric": []}, "rubric"),
    ],
)
def test_bad_edit_is_422_naming_the_field_and_changes_nothing(
    api: Api, session: Session, committee: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    ids = {
        "<reviewer>": str(user_id(session, committee["reviewers"][0])),
        "<applicant>": str(user_id(session, committee["applicant"])),
        "<chair>": str(user_id(session, committee["chair"])),
    }
    sent = {
        key: [ids.get(i, i) for i in value] if isinstance(value, list) else value
        for key, value in body.items()
    }
    as_admin = api.as_(committee["admin"])
    path = f"/committees/{committee['committee_id']}"
    before = as_admin("GET", path).json()
    response = as_admin("PATCH", path, json=sent)
    assert response.status_code == 422, response.text
    assert field in response.text
    assert as_admin("GET", path).json() == before


def test_removed_reviewer_loses_its_open_reviews_and_routed_proposals_stay(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    leaving = committee["reviewers"][2]
    staying = [str(user_id(session, email)) for email in committee["reviewers"][:2]]
    board = UUID(committee["committee_id"])
    response = api.as_(committee["admin"])(
        "PATCH",
        f"/committees/{board}",
        json={
            "reviewer_ids": staying,
            "reviewers_per_proposal": 2,
            "therapeutic_areas": ["hematology"],
        },
    )
    assert response.status_code == 200, response.text

    session.expire_all()
    closed = session.get(Assignment, UUID(staged.assignments[leaving]))
    assert closed is not None
    # Access ends with the seat: the open review closes and its slot is staffed again.
    assert (closed.status, closed.closed_reason) == (AssignmentStatus.cancelled, "reviewer_removed")
    assert api.as_(leaving)("GET", f"/proposals/{staged.proposal_id}").status_code == 404
    replacements = session.exec(
        select(OutboxMessage).where(OutboxMessage.task == Job.replace_reviewers)
    ).all()
    assert [m.payload["proposal_id"] for m in replacements] == [staged.proposal_id]
    current = members(session=session, committee_id=board, seat=MemberRole.reviewer)
    assert {str(u.id) for u in current} == set(staying)

    proposal = session.exec(select(Proposal).where(Proposal.id == UUID(staged.proposal_id))).one()
    assert proposal.committee_id == board
    assert draft["therapeutic_area"] not in routing(session=session)
    assert routing(session=session)["hematology"].id == board
