"""Applicants draft, edit, submit and withdraw; everyone reads what their role allows."""

import threading
import time
from typing import Any
from uuid import UUID

from sqlmodel import select

from service.outbox.models import OutboxMessage
from service.proposals.models import Proposal, ProposalVersion, Transition
from tests.conftest import COMPLETE_PROPOSAL, Api


def test_applicant_creates_a_draft_for_its_organisation(
    api: Api, committee: dict, draft: dict
) -> None:
    assert draft["state"] == "draft"
    assert draft["version"] == 0
    assert draft["organisation_id"] == committee["organisation_id"]


def test_submit_freezes_a_version_and_moves_to_screening(
    api: Api, committee: dict, draft: dict, session: Any
) -> None:
    response = api.as_(committee["applicant"])("POST", f"/proposals/{draft['id']}/submit")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "screening"
    assert response.json()["version"] == 1
    version = session.exec(select(ProposalVersion)).one()
    assert version.snapshot["title"] == COMPLETE_PROPOSAL["title"]
    jobs = session.exec(select(OutboxMessage)).all()
    assert [j.task for j in jobs] == ["pipeline.screening"]


def test_history_lists_each_step_with_its_actor(api: Api, committee: dict, draft: dict) -> None:
    as_applicant = api.as_(committee["applicant"])
    as_applicant("POST", f"/proposals/{draft['id']}/submit")
    as_applicant("POST", f"/proposals/{draft['id']}/withdraw", json={"reason": "strategy changed"})
    history = as_applicant("GET", f"/proposals/{draft['id']}/history").json()
    assert [(h["from_state"], h["to_state"], h["actor_role"]) for h in history] == [
        ("draft", "screening", "applicant"),
        ("screening", "withdrawn", "applicant"),
    ]
    assert history[1]["reason"] == "strategy changed"


def test_incomplete_draft_cannot_be_submitted(api: Api, committee: dict) -> None:
    as_applicant = api.as_(committee["applicant"])
    created = as_applicant("POST", "/proposals", json={"title": "Only a title"}).json()
    response = as_applicant("POST", f"/proposals/{created['id']}/submit")
    assert response.status_code == 422
    assert response.json()["error"] == "Incomplete"
    assert "therapeutic_area" in response.json()["detail"]
    named = {f["field"] for f in response.json()["fields"]}
    assert {"therapeutic_area", "phase", "budget_requested"} <= named
    assert as_applicant("GET", f"/proposals/{created['id']}").json()["state"] == "draft"


def test_submitted_proposal_cannot_be_edited(api: Api, committee: dict, draft: dict) -> None:
    as_applicant = api.as_(committee["applicant"])
    as_applicant("POST", f"/proposals/{draft['id']}/submit")
    response = as_applicant("PATCH", f"/proposals/{draft['id']}", json={"title": "Changed"})
    assert response.status_code == 409
    assert response.json()["error"] == "InvalidTransition"


def test_second_submit_is_refused_with_the_legal_moves(
    api: Api, committee: dict, draft: dict
) -> None:
    as_applicant = api.as_(committee["applicant"])
    as_applicant("POST", f"/proposals/{draft['id']}/submit")
    response = as_applicant("POST", f"/proposals/{draft['id']}/submit")
    assert response.status_code == 409
    assert response.json() | {"detail": ""} == {
        "error": "InvalidTransition",
        "detail": "",
        "state": "screening",
        "legal": ["withdraw"],
        "fields": [],
    }


def test_withdrawn_proposal_cannot_be_withdrawn_again(
    api: Api, committee: dict, draft: dict
) -> None:
    as_applicant = api.as_(committee["applicant"])
    assert as_applicant("POST", f"/proposals/{draft['id']}/withdraw").status_code == 200
    response = as_applicant("POST", f"/proposals/{draft['id']}/withdraw")
    assert response.status_code == 409
    assert response.json()["legal"] == []


def test_same_idempotency_key_replays_the_first_submit(
    api: Api, committee: dict, draft: dict, session: Any
) -> None:
    as_applicant = api.as_(committee["applicant"])
    headers = {"Idempotency-Key": "submit-once"}
    first = as_applicant("POST", f"/proposals/{draft['id']}/submit", headers=headers)
    again = as_applicant("POST", f"/proposals/{draft['id']}/submit", headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(session.exec(select(Transition)).all()) == 1
    assert len(session.exec(select(OutboxMessage)).all()) == 1


def test_idempotency_key_reused_for_another_request_is_refused(
    api: Api, committee: dict, draft: dict
) -> None:
    as_applicant = api.as_(committee["applicant"])
    other = as_applicant("POST", "/proposals", json=COMPLETE_PROPOSAL).json()
    headers = {"Idempotency-Key": "k-1"}
    assert (
        as_applicant("POST", f"/proposals/{draft['id']}/submit", headers=headers).status_code == 200
    )
    response = as_applicant("POST", f"/proposals/{other['id']}/submit", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "IdempotencyKeyReused"
    assert as_applicant("GET", f"/proposals/{other['id']}").json()["state"] == "draft"


def test_edit_with_a_stale_row_version_is_refused(api: Api, committee: dict, draft: dict) -> None:
    as_applicant = api.as_(committee["applicant"])
    stale = draft["row_version"]
    first = as_applicant(
        "PATCH",
        f"/proposals/{draft['id']}",
        json={"title": "First edit"},
        headers={"If-Match": str(stale)},
    )
    assert first.status_code == 200
    second = as_applicant(
        "PATCH",
        f"/proposals/{draft['id']}",
        json={"title": "Second edit"},
        headers={"If-Match": str(stale)},
    )
    assert second.status_code == 409
    assert second.json()["error"] == "EditConflict"
    assert as_applicant("GET", f"/proposals/{draft['id']}").json()["title"] == "First edit"


def test_concurrent_edits_one_wins_the_other_conflicts(committee: dict, draft: dict) -> None:
    """Two requests edit at once: the second waits on the first's row lock, then is refused."""
    from sqlalchemy import text
    from sqlmodel import Session

    from service.auth.models import User
    from service.db import get_engine
    from service.errors import EditConflict
    from service.proposals.models import ProposalUpdate
    from service.proposals.service import update

    engine = get_engine()
    proposal_id = UUID(draft["id"])
    outcome: dict[str, object] = {}

    def second_edit() -> None:
        with Session(engine) as two:
            user = two.exec(select(User).where(User.email == committee["applicant"])).one()
            try:
                update(
                    session=two,
                    user=user,
                    proposal_id=proposal_id,
                    data=ProposalUpdate(title="Two"),
                )
                two.commit()
                outcome["second"] = "saved"
            except EditConflict:
                outcome["second"] = "conflict"

    with Session(engine) as one:
        user = one.exec(select(User).where(User.email == committee["applicant"])).one()
        update(session=one, user=user, proposal_id=proposal_id, data=ProposalUpdate(title="One"))
        thread = threading.Thread(target=second_edit)
        thread.start()
        # Commit only once the second edit has read the row and is blocked writing it.
        with engine.connect() as probe:
            for _ in range(200):
                waiting = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
                if waiting:
                    break
                time.sleep(0.05)
        assert waiting, "the second edit never reached the row lock"
        one.commit()
    thread.join(timeout=30)
    assert outcome == {"second": "conflict"}
    with Session(engine) as check:
        stored = check.get(Proposal, proposal_id)
        assert stored is not None
        assert stored.title == "One"


def test_list_is_paginated_by_cursor(api: Api, committee: dict) -> None:
    as_applicant = api.as_(committee["applicant"])
    ids = {
        as_applicant("POST", "/proposals", json={"title": f"Proposal {i}"}).json()["id"]
        for i in range(5)
    }
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = as_applicant("GET", "/proposals", params=params).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert set(seen) == ids


def test_list_filters_by_state(api: Api, committee: dict, draft: dict) -> None:
    as_applicant = api.as_(committee["applicant"])
    as_applicant("POST", "/proposals", json={"title": "Still a draft"})
    as_applicant("POST", f"/proposals/{draft['id']}/submit")
    page = as_applicant("GET", "/proposals", params={"state": "screening"}).json()
    assert [p["id"] for p in page["items"]] == [draft["id"]]


def test_bad_cursor_is_a_clear_422(api: Api, committee: dict) -> None:
    response = api.as_(committee["applicant"])("GET", "/proposals", params={"cursor": "garbage"})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "cursor"
