"""The chair decides; the applicant hears the outcome and the comments meant for it, no more."""

from typing import Any

import pytest
from sqlmodel import Session, select

from service.auth.models import Role, User
from service.auth.security import hash_password
from service.notifications.models import Notification
from service.reviews.models import Decision, Review
from tests.conftest import Api
from tests.factories import put_in_review, reach_deliberation, state_of

DECISION = {
    "outcome": "revision_requested",
    "rationale": "Science is sound; CMC plan is thin and the budget needs work.",
    "message_to_applicant": "Please strengthen the manufacturing section and resubmit.",
}


@pytest.fixture
def deliberating(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> str:
    """A proposal in deliberation after two reviews; its id."""
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    return staged.proposal_id


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        ("approved", "approved"),
        ("rejected", "rejected"),
        ("revision_requested", "revision_requested"),
    ],
)
def test_chair_decides_the_proposal(
    api: Api,
    session: Session,
    committee: dict[str, Any],
    deliberating: str,
    outcome: str,
    state: str,
) -> None:
    response = api.as_(committee["chair"])(
        "POST", f"/proposals/{deliberating}/decision", json={**DECISION, "outcome": outcome}
    )
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == outcome
    assert state_of(session, deliberating) == state
    [decision] = session.exec(select(Decision)).all()
    assert (decision.outcome, decision.rationale, decision.proposal_version) == (
        outcome,
        DECISION["rationale"],
        1,
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 403), ("applicant", 403), ("reviewer", 403), ("rival", 404), ("other_chair", 404)],
)
def test_only_the_committee_chair_decides(
    api: Api,
    session: Session,
    committee: dict[str, Any],
    deliberating: str,
    who: str,
    status: int,
) -> None:
    if who == "other_chair":
        session.add(
            User(
                email="chair@elsewhere.example",
                full_name="Other chair",
                role=Role.chair,
                password_hash=hash_password("password-123"),
            )
        )
        session.commit()
        caller = "chair@elsewhere.example"
    else:
        caller = committee["reviewers"][0] if who == "reviewer" else committee[who]
    response = api.as_(caller)("POST", f"/proposals/{deliberating}/decision", json=DECISION)
    assert response.status_code == status, response.text
    assert state_of(session, deliberating) == "deliberation"
    assert session.exec(select(Decision)).all() == []


def test_deciding_outside_deliberation_is_refused_with_the_legal_moves(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    response = api.as_(committee["chair"])(
        "POST", f"/proposals/{staged.proposal_id}/decision", json=DECISION
    )
    assert response.status_code == 409
    assert response.json()["error"] == "InvalidTransition"
    assert (response.json()["state"], response.json()["legal"]) == ("in_review", [])


def test_a_decision_needs_a_rationale(
    api: Api, committee: dict[str, Any], deliberating: str
) -> None:
    response = api.as_(committee["chair"])(
        "POST", f"/proposals/{deliberating}/decision", json={**DECISION, "rationale": " "}
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "rationale"


def test_decision_notifies_applicant_without_reviewer_identities(
    api: Api, session: Session, committee: dict[str, Any], deliberating: str
) -> None:
    api.as_(committee["chair"])("POST", f"/proposals/{deliberating}/decision", json=DECISION)
    [told] = session.exec(select(Notification).where(Notification.event == "proposal.decided"))
    applicant = session.exec(select(User).where(User.email == committee["applicant"])).one()
    assert told.recipient_id == applicant.id
    assert DECISION["message_to_applicant"] in told.body
    assert "Strong preclinical package." in told.body
    assert "Clarify the batch release strategy." in told.body

    everything_sent = f"{told.subject}\n{told.body}\n{told.payload}"
    reviews = session.exec(select(Review)).all()
    for secret in [
        DECISION["rationale"],
        *(r.confidential_comments for r in reviews),
        *(str(r.reviewer_id) for r in reviews),
        *committee["reviewers"],
        "reviewer0",  # the reviewers' names
        "reviewer1",
    ]:
        assert secret not in everything_sent
    assert "score" not in everything_sent.lower()


def test_applicant_reads_the_decision_without_the_rationale(
    api: Api, committee: dict[str, Any], deliberating: str
) -> None:
    api.as_(committee["chair"])("POST", f"/proposals/{deliberating}/decision", json=DECISION)
    seen = api.as_(committee["applicant"])("GET", f"/proposals/{deliberating}/decision").json()
    assert set(seen) == {
        "proposal_id",
        "proposal_version",
        "outcome",
        "message_to_applicant",
        "decided_at",
        "comments_for_applicant",
        "meta_review",  # the chair's synthesis goes out with the decision (none written here)
    }
    assert seen["meta_review"] is None
    assert sorted(seen["comments_for_applicant"]) == [
        "Clarify the batch release strategy.",
        "Strong preclinical package.",
    ]
    assert api.as_(committee["rival"])(
        "GET", f"/proposals/{deliberating}/decision"
    ).status_code == (404)


@pytest.mark.parametrize("who", ["chair", "admin", "reviewer"])
def test_committee_reads_the_decision_with_its_rationale(
    api: Api, session: Session, committee: dict[str, Any], deliberating: str, who: str
) -> None:
    api.as_(committee["chair"])("POST", f"/proposals/{deliberating}/decision", json=DECISION)
    caller = committee["reviewers"][0] if who == "reviewer" else committee[who]
    seen = api.as_(caller)("GET", f"/proposals/{deliberating}/decision").json()
    assert seen["rationale"] == DECISION["rationale"]
    assert seen["decided_by"] == str(
        session.exec(select(User).where(User.email == committee["chair"])).one().id
    )


def test_no_decision_yet_is_404(api: Api, committee: dict[str, Any], deliberating: str) -> None:
    response = api.as_(committee["applicant"])("GET", f"/proposals/{deliberating}/decision")
    assert response.status_code == 404


def test_a_revised_version_is_reviewed_afresh(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    api.as_(committee["chair"])("POST", f"/proposals/{staged.proposal_id}/decision", json=DECISION)

    revised = put_in_review(api, session, committee, draft)  # resubmitted: version 2
    path = f"/proposals/{revised.proposal_id}/reviews"
    # Having reviewed version 1 does not open version 2's reviews.
    assert api.as_(committee["reviewers"][0])("GET", path).status_code == 403
    seen = api.as_(committee["chair"])("GET", path).json()
    assert (seen["proposal_version"], seen["reviews"], seen["aggregate_stored"]) == (2, [], False)
    decision = api.as_(committee["applicant"])("GET", f"/proposals/{revised.proposal_id}/decision")
    assert decision.json()["proposal_version"] == 1
