"""Reviewers save and submit their reviews; who may read them, and when."""

from typing import Any
from uuid import UUID

import pytest
from sqlmodel import Session, select

from service.assignment.models import AssignmentStatus
from service.jobs import Job
from service.outbox.models import OutboxMessage
from service.reviews.models import Review
from service.reviews.service import check_quorum
from tests.conftest import Api
from tests.factories import (
    full_review,
    put_in_review,
    reach_deliberation,
    review,
    status_of,
)
from tests.pipeline.conftest import state_of


def test_reviewer_saves_a_partial_draft(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    response = api.as_(reviewer)(
        "PUT",
        f"/assignments/{staged.assignments[reviewer]}/review",
        json={"scores": {"innovative_technology": 4}, "confidential_comments": "So far so good"},
    )
    assert response.status_code == 200, response.text
    [stored] = session.exec(select(Review)).all()
    assert (stored.scores, stored.submitted_at, stored.proposal_version) == (
        {"innovative_technology": 4},
        None,
        1,
    )


def test_saving_replaces_the_previous_draft(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    path = f"/assignments/{staged.assignments[reviewer]}/review"
    api.as_(reviewer)("PUT", path, json=full_review())
    response = api.as_(reviewer)("PUT", path, json={"scores": {"supply_chain": 2}})
    assert response.json()["scores"] == {"supply_chain": 2}
    assert response.json()["recommendation"] is None
    assert len(session.exec(select(Review)).all()) == 1


def test_saving_on_an_invited_assignment_asks_to_accept_first(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, status=AssignmentStatus.invited)
    reviewer = committee["reviewers"][0]
    response = api.as_(reviewer)(
        "PUT", f"/assignments/{staged.assignments[reviewer]}/review", json=full_review()
    )
    assert response.status_code == 409
    assert "accept the assignment first" in response.json()["detail"]


def test_unknown_criterion_is_refused_naming_it(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    response = api.as_(reviewer)(
        "PUT",
        f"/assignments/{staged.assignments[reviewer]}/review",
        json={"scores": {"vibes": 5}},
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "scores.vibes"
    assert session.exec(select(Review)).all() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scores": {"supply_chain": 6}}, "scores.supply_chain"),
        ({"scores": {"supply_chain": 0}}, "scores.supply_chain"),
        ({"scores": {"supply_chain": "3"}}, "scores.supply_chain"),
        ({"scores": {"supply_chain": 2.5}}, "scores.supply_chain"),
        ({"confidence": 9}, "confidence"),
        ({"recommendation": "maybe"}, "recommendation"),
        ({"reviewer_id": "someone-else"}, "reviewer_id"),
    ],
)
def test_bad_review_fields_are_refused_naming_the_field(
    api: Api,
    session: Session,
    committee: dict[str, Any],
    draft: dict[str, Any],
    body: dict[str, Any],
    field: str,
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    response = api.as_(reviewer)(
        "PUT", f"/assignments/{staged.assignments[reviewer]}/review", json=body
    )
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == [field]


def test_incomplete_review_cannot_be_submitted(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    path = f"/assignments/{staged.assignments[reviewer]}/review"
    partial = full_review()
    del partial["scores"]["market_prospect"], partial["confidence"]
    api.as_(reviewer)("PUT", path, json=partial)
    response = api.as_(reviewer)("POST", f"{path}/submit")
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == [
        "scores.market_prospect",
        "confidence",
    ]
    assert status_of(session, staged.assignments[reviewer]) == "accepted"


def test_submitting_without_a_draft_lists_everything_missing(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    response = api.as_(reviewer)(
        "POST", f"/assignments/{staged.assignments[reviewer]}/review/submit"
    )
    assert response.status_code == 422
    assert {"recommendation", "confidence", "scores.supply_chain"} <= {
        f["field"] for f in response.json()["fields"]
    }


def test_submitting_a_review_queues_the_quorum_check(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    review(api, reviewer, staged.assignments[reviewer], full_review())
    assert status_of(session, staged.assignments[reviewer]) == "submitted"
    [stored] = session.exec(select(Review)).all()
    assert stored.submitted_at is not None
    checks = session.exec(
        select(OutboxMessage).where(OutboxMessage.task == "reviews.check_quorum")
    ).all()
    assert [m.payload for m in checks] == [{"proposal_id": staged.proposal_id}]


def test_a_submitted_review_is_final(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    review(api, reviewer, staged.assignments[reviewer], full_review())
    path = f"/assignments/{staged.assignments[reviewer]}/review"
    assert api.as_(reviewer)("POST", f"{path}/submit").status_code == 409
    assert api.as_(reviewer)("PUT", path, json=full_review(1)).status_code == 409


def test_reviews_close_when_deliberation_starts(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    late = committee["reviewers"][2]
    response = api.as_(late)(
        "PUT", f"/assignments/{staged.assignments[late]}/review", json=full_review()
    )
    # The quorum closed its invitation: its review is no longer taken.
    assert response.status_code == 409
    assert response.json()["status"] == "cancelled"


def test_only_the_assigned_reviewer_writes_the_review(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, reviewers=2)
    path = f"/assignments/{staged.assignments[committee['reviewers'][0]]}/review"
    assert api.as_(committee["reviewers"][1])("PUT", path, json={}).status_code == 404
    assert api.as_(committee["reviewers"][2])("PUT", path, json={}).status_code == 404
    assert api.as_(committee["chair"])("PUT", path, json={}).status_code == 403
    assert api.as_(committee["admin"])("POST", f"{path}/submit").status_code == 403
    assert session.exec(select(Review)).all() == []


def test_reviewer_cannot_see_others_reviews_before_submitting(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    first, second = committee["reviewers"][:2]
    review(api, first, staged.assignments[first], full_review(5, confidential_comments="Hmm"))
    path = f"/proposals/{staged.proposal_id}/reviews"

    before = api.as_(second)("GET", path)
    assert before.status_code == 403
    assert "submit your own review" in before.json()["detail"]

    review(api, second, staged.assignments[second], full_review(3, "revise"))
    after = api.as_(second)("GET", path)
    assert after.status_code == 200, after.text
    by_reviewer = {r["recommendation"]: r for r in after.json()["reviews"]}
    assert set(by_reviewer) == {"approve", "revise"}
    assert by_reviewer["approve"]["confidential_comments"] == "Hmm"


def test_drafts_stay_private_until_submitted(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    first, second = committee["reviewers"][:2]
    review(api, first, staged.assignments[first], full_review())
    api.as_(second)("PUT", f"/assignments/{staged.assignments[second]}/review", json=full_review())
    reviews = api.as_(committee["chair"])("GET", f"/proposals/{staged.proposal_id}/reviews")
    assert len(reviews.json()["reviews"]) == 1


def test_chair_reads_every_submitted_review_with_a_live_aggregate(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    review(api, reviewer, staged.assignments[reviewer], full_review(4, confidential_comments="x"))
    response = api.as_(committee["chair"])("GET", f"/proposals/{staged.proposal_id}/reviews")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["aggregate_stored"] is False
    assert body["aggregate"]["overall"]["mean"] == 4
    [only] = body["reviews"]
    assert only["confidential_comments"] == "x"
    assert only["reviewer_id"] is not None


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("applicant", 403), ("rival", 404), ("unassigned_reviewer", 404)],
)
def test_who_may_read_the_reviews(
    api: Api,
    session: Session,
    committee: dict[str, Any],
    draft: dict[str, Any],
    who: str,
    status: int,
) -> None:
    staged = put_in_review(api, session, committee, draft, reviewers=2)
    caller = committee["reviewers"][2] if who == "unassigned_reviewer" else committee[who]
    response = api.as_(caller)("GET", f"/proposals/{staged.proposal_id}/reviews")
    assert response.status_code == status, response.text


def test_lowering_the_quorum_rechecks_proposals_already_in_review(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    review(api, reviewer, staged.assignments[reviewer], full_review())
    assert check_quorum(session=session, proposal_id=UUID(staged.proposal_id)) is False
    session.commit()
    before = {m.id for m in session.exec(select(OutboxMessage))}
    lowered = api.as_(committee["admin"])(
        "PATCH", f"/committees/{committee['committee_id']}", json={"quorum": 1}
    )
    assert lowered.status_code == 200, lowered.text
    session.expire_all()
    checks = [
        m.payload
        for m in session.exec(select(OutboxMessage).where(OutboxMessage.task == Job.check_quorum))
        if m.id not in before
    ]
    assert checks == [{"proposal_id": staged.proposal_id}]
    # What that job does: the one review now makes the quorum.
    assert check_quorum(session=session, proposal_id=UUID(staged.proposal_id)) is True
    session.commit()
    assert state_of(api, committee["applicant"], staged.proposal_id) == "deliberation"
