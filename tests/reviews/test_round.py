"""The review round as a committee member meets it: invitations that close, earlier rounds,
a reviewer's draft and rubric, chairs who see people rather than ids."""

from uuid import UUID

from sqlmodel import Session, col, select

from service.assignment.models import Assignment, AssignmentStatus
from service.auth.models import User
from service.notifications.models import Notification
from service.workflow.deadlines import scan_deadlines
from tests.conftest import Api
from tests.factories import (
    full_review,
    put_in_review,
    reach_deliberation,
    review,
    status_of,
    user_id,
)


def _open_load(session: Session, email: str) -> int:
    session.expire_all()
    return len(
        session.exec(
            select(Assignment).where(
                Assignment.reviewer_id == user_id(session, email),
                col(Assignment.status).in_((AssignmentStatus.invited, AssignmentStatus.accepted)),
            )
        ).all()
    )


def test_withdrawal_closes_every_open_invitation_and_tells_each_reviewer_once(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft, status=AssignmentStatus.invited)
    first = committee["reviewers"][0]
    assert _open_load(session, first) == 1
    withdrawn = api.as_(committee["applicant"])(
        "POST", f"/proposals/{staged.proposal_id}/withdraw", json={"reason": "merged"}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert _open_load(session, first) == 0
    assert status_of(session, staged.assignments[first]) == AssignmentStatus.cancelled
    mine = api.as_(first)("GET", f"/assignments/{staged.assignments[first]}").json()
    assert (mine["status"], mine["closed_reason"]) == ("cancelled", "withdrawn")
    told = session.exec(
        select(Notification).where(Notification.event == "assignment.cancelled")
    ).all()
    assert sorted(n.address for n in told) == sorted(committee["reviewers"])
    # No "review due soon" for an invitation that is closed.
    for assignment in session.exec(select(Assignment)):
        assignment.due_at = assignment.created_at  # due now
    session.commit()
    assert scan_deadlines(session=session)["reminded"] == 0


def test_quorum_and_decision_close_the_invitations_still_open(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    third = committee["reviewers"][2]
    reach_deliberation(api, session, committee, staged)  # two of three reviews: the quorum
    assert status_of(session, staged.assignments[third]) == AssignmentStatus.cancelled
    assert _open_load(session, third) == 0


def test_earlier_rounds_stay_readable_after_a_resubmission_is_decided(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    chair = api.as_(committee["chair"])
    asked = chair(
        "POST",
        f"/proposals/{staged.proposal_id}/decision",
        json={
            "outcome": "revision_requested",
            "rationale": "Batch release unclear.",
            "message_to_applicant": "Please clarify the batch release strategy.",
        },
    )
    assert asked.status_code == 200, asked.text
    resubmitted = api.as_(committee["applicant"])("POST", f"/proposals/{staged.proposal_id}/submit")
    assert resubmitted.status_code == 200, resubmitted.text
    first_round = chair("GET", f"/proposals/{staged.proposal_id}/reviews?version=1").json()
    assert first_round["proposal_version"] == 1
    assert len(first_round["reviews"]) == 2
    assert all(r["reviewer_name"] for r in first_round["reviews"])
    current = chair("GET", f"/proposals/{staged.proposal_id}/reviews").json()
    assert (current["proposal_version"], current["reviews"]) == (2, [])
    decision = api.as_(committee["applicant"])(
        "GET", f"/proposals/{staged.proposal_id}/decision?version=1"
    ).json()
    assert decision["outcome"] == "revision_requested"
    assert "Clarify the batch release strategy." in decision["comments_for_applicant"]
    reviewer = api.as_(committee["reviewers"][0])
    assert reviewer("GET", f"/proposals/{staged.proposal_id}/reviews?version=1").status_code == 200


def test_a_reviewer_reads_back_its_draft_and_the_rubric(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    first = committee["reviewers"][0]
    assignment = staged.assignments[first]
    as_reviewer = api.as_(first)
    assert as_reviewer("GET", f"/assignments/{assignment}/review").status_code == 404
    body = full_review(4, comments_for_applicant="Promising.")
    assert as_reviewer("PUT", f"/assignments/{assignment}/review", json=body).status_code == 200
    detail = as_reviewer("GET", f"/assignments/{assignment}").json()
    assert [c["key"] for c in detail["rubric"]] == list(body["scores"])
    assert detail["review"]["comments_for_applicant"] == "Promising."
    assert detail["proposal_summary"] == draft["summary"]
    saved = as_reviewer("GET", f"/assignments/{assignment}/review").json()
    assert saved["scores"] == body["scores"] and saved["submitted_at"] is None
    committee_view = as_reviewer("GET", f"/committees/{committee['committee_id']}")
    assert committee_view.status_code == 200


def test_chairs_see_reviewers_by_name_expertise_and_load(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    review(
        api, committee["reviewers"][0], staged.assignments[committee["reviewers"][0]], full_review()
    )
    listed = api.as_(committee["chair"])("GET", f"/proposals/{staged.proposal_id}/assignments")
    people = {a["reviewer"]["email"]: a["reviewer"] for a in listed.json()}
    reviewer = session.exec(select(User).where(User.email == committee["reviewers"][1])).one()
    assert people[reviewer.email]["name"] == reviewer.full_name
    assert people[reviewer.email]["expertise"] == reviewer.expertise_keywords
    assert people[reviewer.email]["open_reviews"] == 1
    assert UUID(people[reviewer.email]["reviewer_id"]) == reviewer.id
