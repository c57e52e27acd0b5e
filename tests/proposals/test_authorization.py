"""Authorization on the object: each proposal endpoint against every role and organisation."""

from typing import Any
from uuid import UUID

import pytest
from sqlmodel import select

from tests.conftest import Api

# Who may read an applicant's fresh submission: only its own organisation and the admin (a
# chair sees it once screening routes it to the committee; reviewers once assigned).
READERS = {"applicant": 200, "rival": 404, "reviewer": 404, "chair": 404, "admin": 200}


def _caller(committee: dict, who: str) -> str:
    return committee["reviewers"][0] if who == "reviewer" else committee[who]


@pytest.mark.parametrize(("who", "status"), READERS.items())
@pytest.mark.parametrize("path", ["", "/history", "/attachments"])
def test_reading_a_proposal(
    api: Api, committee: dict, draft: dict, who: str, status: int, path: str
) -> None:
    response = api.as_(_caller(committee, who))("GET", f"/proposals/{draft['id']}{path}")
    assert response.status_code == status, response.text


# Changing a proposal: its own applicant may; the admin can see it but may not change it (403);
# everyone else is told it does not exist (404).
WRITERS = {
    "applicant": (200, 201),
    "rival": (404,),
    "reviewer": (404,),
    "chair": (404,),
    "admin": (403,),
}
CHANGES: list[tuple[str, str, dict[str, Any]]] = [
    ("PATCH", "", {"json": {"title": "Hijacked"}}),
    ("POST", "/submit", {}),
    ("POST", "/withdraw", {}),
    ("POST", "/attachments", {"files": {"file": ("a.csv", b"a,b\n1,2\n", "text/csv")}}),
]


@pytest.mark.parametrize(("who", "statuses"), WRITERS.items())
@pytest.mark.parametrize(("method", "path", "kwargs"), CHANGES)
def test_changing_a_proposal(
    api: Api,
    committee: dict,
    draft: dict,
    who: str,
    statuses: tuple[int, ...],
    method: str,
    path: str,
    kwargs: dict[str, Any],
) -> None:
    response = api.as_(_caller(committee, who))(method, f"/proposals/{draft['id']}{path}", **kwargs)
    assert response.status_code in statuses, response.text
    if response.status_code >= 400:
        state = api.as_(committee["applicant"])("GET", f"/proposals/{draft['id']}").json()
        assert (state["state"], state["title"]) == ("draft", draft["title"])


def test_list_shows_only_the_callers_organisation(api: Api, committee: dict, draft: dict) -> None:
    assert [
        p["id"] for p in api.as_(committee["applicant"])("GET", "/proposals").json()["items"]
    ] == [draft["id"]]
    for who in ("rival", "reviewer", "chair"):
        assert api.as_(_caller(committee, who))("GET", "/proposals").json()["items"] == []
    assert len(api.as_(committee["admin"])("GET", "/proposals").json()["items"]) == 1


@pytest.mark.parametrize("who", ["reviewer", "chair", "admin"])
def test_only_applicants_create_proposals(api: Api, committee: dict, who: str) -> None:
    response = api.as_(_caller(committee, who))("POST", "/proposals", json={"title": "Not mine"})
    assert response.status_code == 403


def test_reviewer_reads_a_proposal_once_it_accepted(
    api: Api, committee: dict, draft: dict, session: Any
) -> None:
    from service.assignment.models import Assignment, AssignmentStatus
    from service.auth.models import User
    from service.proposals.models import Proposal

    session.get(Proposal, UUID(draft["id"])).committee_id = UUID(committee["committee_id"])
    reviewer = session.exec(select(User).where(User.email == committee["reviewers"][0])).one()
    invitation = Assignment(proposal_id=draft["id"], reviewer_id=reviewer.id, proposal_version=1)
    session.add(invitation)
    session.commit()
    as_reviewer = api.as_(committee["reviewers"][0])
    # Invited: it knows the proposal exists (its invitation says so) but reads it only later.
    assert as_reviewer("GET", f"/proposals/{draft['id']}").status_code == 403
    invitation.status = AssignmentStatus.accepted
    session.commit()
    assert as_reviewer("GET", f"/proposals/{draft['id']}").status_code == 200
    assert api.as_(committee["reviewers"][1])("GET", f"/proposals/{draft['id']}").status_code == 404


def test_applicant_history_hides_committee_identities(
    api: Api, committee: dict, draft: dict, session: Any
) -> None:
    from service.auth.models import User
    from service.proposals.models import Proposal
    from service.workflow.moves import move
    from service.workflow.table import Actor, Event

    api.as_(committee["applicant"])("POST", f"/proposals/{draft['id']}/submit")
    proposal = session.get(Proposal, draft["id"])
    chair = session.exec(select(User).where(User.email == committee["chair"])).one()
    move(
        session=session,
        proposal=proposal,
        event=Event.pass_screening,
        actor=Actor.system,
        actor_id=chair.id,
    )
    session.commit()
    history = api.as_(committee["applicant"])("GET", f"/proposals/{draft['id']}/history").json()
    assert history[0]["actor_id"] is not None  # the applicant's own step
    assert history[1]["actor_id"] is None
    admin_view = api.as_(committee["admin"])("GET", f"/proposals/{draft['id']}/history").json()
    assert admin_view[1]["actor_id"] == str(chair.id)


def test_requests_without_a_valid_token_are_401(client: Any, draft: dict) -> None:
    assert client.get("/api/v1/proposals").status_code == 401
    response = client.get(
        f"/api/v1/proposals/{draft['id']}", headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "NotAuthenticated"
