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
    state_of,
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


def test_discussion_opens_to_a_reviewer_once_it_has_submitted(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    first, second = committee["reviewers"][:2]
    url = f"/proposals/{staged.proposal_id}/discussion"
    as_first = api.as_(first)
    assert as_first("POST", url, json={"body": "Looks strong."}).status_code == 403
    review(api, first, staged.assignments[first], full_review())
    assert as_first("POST", url, json={"body": "Looks strong."}).status_code == 201
    assert api.as_(committee["chair"])("POST", url, json={"body": "Agreed?"}).status_code == 201
    thread = api.as_(committee["chair"])("GET", url).json()
    assert [(c["author_name"], c["body"]) for c in thread] == [
        ("reviewer0", "Looks strong."),
        ("chair", "Agreed?"),
    ]
    assert api.as_(second)("GET", url).status_code == 403  # not submitted yet
    assert api.as_(committee["applicant"])("GET", url).status_code == 403


def test_the_meta_review_goes_out_with_the_decision(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    chair = api.as_(committee["chair"])
    written = chair(
        "PUT",
        f"/proposals/{staged.proposal_id}/meta-review",
        json={"body": "Strong science; the batch release plan needs work."},
    )
    assert written.status_code == 200, written.text
    chair(
        "POST",
        f"/proposals/{staged.proposal_id}/decision",
        json={"outcome": "approved", "rationale": "Sound."},
    )
    seen = api.as_(committee["applicant"])("GET", f"/proposals/{staged.proposal_id}/decision")
    assert seen.json()["meta_review"] == "Strong science; the batch release plan needs work."


def test_a_review_reconsidered_reopens_as_a_draft_and_keeps_what_was_submitted(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    from service.reviews.models import ReviewReopening

    staged = put_in_review(api, session, committee, draft)
    first = committee["reviewers"][0]
    assignment = staged.assignments[first]
    review(api, first, assignment, full_review(2, "reject"))
    asked = api.as_(committee["chair"])(
        "POST", f"/assignments/{assignment}/reconsider", json={"reason": "Score 2 on market?"}
    )
    assert asked.status_code == 200, asked.text
    assert status_of(session, assignment) == AssignmentStatus.accepted
    kept = session.exec(select(ReviewReopening)).one()
    assert kept.submitted["recommendation"] == "reject"
    review(api, first, assignment, full_review(4, "approve"))
    assert status_of(session, assignment) == AssignmentStatus.submitted


def test_the_applicant_answers_the_reviews_once_before_deliberation(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    from service.committees.models import Committee

    board = session.get(Committee, UUID(committee["committee_id"]))
    assert board is not None
    board.applicant_response_days = 7
    session.commit()
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    assert state_of(session, staged.proposal_id) == "applicant_response"
    applicant = api.as_(committee["applicant"])
    url = f"/proposals/{staged.proposal_id}/response"
    shown = applicant("GET", url).json()
    assert shown["open"] is True
    assert [c["reviewer"] for c in shown["comments"]] == ["Reviewer A", "Reviewer B"]
    assert all("reviewer" not in c["comment"] for c in shown["comments"])
    answered = applicant("POST", url, json={"body": "We will add a release assay."})
    assert answered.status_code == 200, answered.text
    assert state_of(session, staged.proposal_id) == "deliberation"
    assert applicant("POST", url, json={"body": "And more."}).status_code == 409
    chair_view = api.as_(committee["chair"])("GET", url).json()
    assert chair_view["response"] == "We will add a release assay."


def test_the_response_round_closes_by_itself_when_the_time_is_up(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    from datetime import timedelta

    from service.committees.models import Committee
    from service.proposals.models import Proposal

    board = session.get(Committee, UUID(committee["committee_id"]))
    assert board is not None
    board.applicant_response_days = 3
    session.commit()
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    proposal = session.get(Proposal, UUID(staged.proposal_id))
    assert proposal is not None
    proposal.state_entered_at = proposal.state_entered_at - timedelta(days=4)
    session.commit()
    assert scan_deadlines(session=session)["responses_closed"] == 1
    session.commit()
    assert state_of(session, staged.proposal_id) == "deliberation"


def test_reviewers_bid_before_the_round_and_the_assignment_follows_the_bids(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    from service.assignment.service import staff_waiting
    from tests.factories import put_in_assignment

    proposal = put_in_assignment(api, session, committee, draft)
    session.commit()
    eager, conflicted, _ = committee["reviewers"]
    listed = api.as_(eager)("GET", "/bids").json()["items"]
    assert [b["proposal_id"] for b in listed] == [str(proposal.id)]
    url = f"/proposals/{proposal.id}/bid"
    assert api.as_(eager)("PUT", url, json={"preference": "eager"}).json()["preference"] == "eager"
    assert api.as_(conflicted)("PUT", url, json={"preference": "conflict"}).status_code == 200
    assert (
        api.as_(committee["applicant"])("PUT", url, json={"preference": "eager"}).status_code == 404
    )
    staff_waiting(session=session, committee_id=UUID(committee["committee_id"]))
    session.commit()
    chosen = {
        a.reviewer_id: a.explanation
        for a in session.exec(select(Assignment).where(Assignment.proposal_id == proposal.id))
    }
    assert user_id(session, conflicted) not in chosen
    assert "eager" in chosen[user_id(session, eager)]


def test_chairs_see_each_reviewers_quality_signals_and_rate_reviews(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    from service.reviews.models import Review

    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)  # reviewer 0 approves, 1 revises
    chair = api.as_(committee["chair"])
    chair(
        "POST",
        f"/proposals/{staged.proposal_id}/decision",
        json={"outcome": "approved", "rationale": "Sound."},
    )
    first = session.exec(
        select(Review).where(Review.reviewer_id == user_id(session, committee["reviewers"][0]))
    ).one()
    assert chair("PUT", f"/reviews/{first.id}/rating", json={"helpful": True}).status_code == 204
    signals = {
        s["name"]: s
        for s in chair("GET", f"/committees/{committee['committee_id']}/reviewers").json()
    }
    assert signals["reviewer0"]["agreement_with_decision"] == 1.0
    assert signals["reviewer1"]["agreement_with_decision"] == 0.0
    assert signals["reviewer0"]["rated_helpful"] == 1
    assert signals["reviewer0"]["on_time"] == 1 and signals["reviewer0"]["late"] == 0
    assert signals["reviewer2"]["reviews_submitted"] == 0
    as_reviewer = api.as_(committee["reviewers"][0])
    assert (
        as_reviewer("GET", f"/committees/{committee['committee_id']}/reviewers").status_code == 403
    )
