"""The chair's assignment tools on the database: preview, apply, manual, and the worker's stage."""

from uuid import UUID

from sqlmodel import Session, select

from service.assignment.models import Assignment, ConflictRecord
from service.assignment.service import staff_waiting
from service.auth.models import User
from service.proposals.models import Proposal
from tests.conftest import Api
from tests.factories import put_in_assignment


def _waiting_for_reviewers(api: Api, session: Session, committee: dict, draft: dict) -> Proposal:
    proposal = put_in_assignment(api, session, committee, draft)
    session.commit()
    return proposal


def _id(session: Session, email: str) -> UUID:
    return session.exec(select(User).where(User.email == email)).one().id


def test_preview_shows_choices_and_who_is_excluded_why(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    proposal = _waiting_for_reviewers(api, session, committee, draft)
    conflicted = _id(session, committee["reviewers"][2])
    session.add(ConflictRecord(reviewer_id=conflicted, proposal_id=proposal.id, reason="co-author"))
    session.commit()
    preview = api.as_(committee["chair"])("POST", f"/proposals/{proposal.id}/assignments/preview")
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert {p["reviewer_id"] for p in body["proposed"]} == {
        str(_id(session, e)) for e in committee["reviewers"][:2]
    }
    [excluded] = body["excluded"]
    assert excluded["reviewer_id"] == str(conflicted)
    assert "co-author" in excluded["conflicts"][0]["detail"]
    assert "only 2 eligible" in body["unstaffed_reason"]
    # Nothing is stored by a preview.
    assert session.exec(select(Assignment)).all() == []


def test_manual_assignment_of_a_conflicted_reviewer_is_409_with_the_reason(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    proposal = _waiting_for_reviewers(api, session, committee, draft)
    reviewer = _id(session, committee["reviewers"][0])
    session.add(ConflictRecord(reviewer_id=reviewer, proposal_id=proposal.id, reason="advisor"))
    session.commit()
    response = api.as_(committee["chair"])(
        "POST", f"/proposals/{proposal.id}/assignments", json={"reviewer_ids": [str(reviewer)]}
    )
    assert response.status_code == 409
    assert "advisor" in response.json()["detail"]
    assert session.exec(select(Assignment)).all() == []


def test_manual_assignment_of_a_full_reviewer_is_409(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    proposal = _waiting_for_reviewers(api, session, committee, draft)
    reviewer = session.exec(select(User).where(User.email == committee["reviewers"][0])).one()
    reviewer.capacity = 0
    session.commit()
    response = api.as_(committee["chair"])(
        "POST", f"/proposals/{proposal.id}/assignments", json={"reviewer_ids": [str(reviewer.id)]}
    )
    assert response.status_code == 409
    assert "capacity" in response.json()["detail"]


def test_applying_the_preview_starts_the_review(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    proposal = _waiting_for_reviewers(api, session, committee, draft)
    as_chair = api.as_(committee["chair"])
    proposed = as_chair("POST", f"/proposals/{proposal.id}/assignments/preview").json()["proposed"]
    applied = as_chair(
        "POST",
        f"/proposals/{proposal.id}/assignments",
        json={"reviewer_ids": [p["reviewer_id"] for p in proposed]},
    )
    assert applied.status_code == 201, applied.text
    state = api.as_(committee["applicant"])("GET", f"/proposals/{proposal.id}").json()["state"]
    assert state == "in_review"
    history = as_chair("GET", f"/proposals/{proposal.id}/history").json()
    assert history[-1]["actor_role"] == "chair"


def test_only_the_committee_chair_manages_reviewers(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    proposal = _waiting_for_reviewers(api, session, committee, draft)
    path = f"/proposals/{proposal.id}/assignments/preview"
    assert api.as_(committee["admin"])("POST", path).status_code == 403
    assert api.as_(committee["rival"])("POST", path).status_code == 404
    assert api.as_(committee["reviewers"][0])("POST", path).status_code == 404


def test_stage_leaves_an_unstaffable_proposal_waiting_with_the_reason(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    proposal = _waiting_for_reviewers(api, session, committee, draft)
    for email in committee["reviewers"][:2]:
        session.exec(select(User).where(User.email == email)).one().capacity = 0
    session.commit()
    staffing = staff_waiting(session=session, committee_id=UUID(committee["committee_id"]))
    session.commit()
    assert staffing.moved_to_review == []
    session.expire_all()
    stored = session.get(Proposal, proposal.id)
    assert stored is not None
    assert stored.state == "assignment"
    assert "cannot be staffed" in (stored.last_error or "")
    assert len(session.exec(select(Assignment)).all()) == 1  # the one free reviewer is invited
