"""Nothing stuck without a way out: duplicate jobs, lost review jobs, unstaffable waits, retries."""

import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import update
from sqlmodel import Session, col, select

from service.auth.models import User
from service.db import utcnow
from service.jobs import Job
from service.outbox.models import OutboxMessage
from service.proposals.models import Proposal
from service.workflow.deadlines import scan_deadlines
from service.workflow.moves import StageJob
from service.workflow.stages import record_failure, work_stage
from service.workflow.table import State
from tests.conftest import Api
from tests.factories import full_review, put_in_assignment, put_in_review, review
from tests.pipeline.conftest import Process


def _jobs(session: Session, job: Job) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.task == job)))


def _quiet_since(session: Session, proposal_id: UUID, seconds: int) -> None:
    # A plain UPDATE: the ORM would stamp updated_at with the current time.
    session.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal_id)
        .values(updated_at=utcnow() - timedelta(seconds=seconds))
    )
    session.commit()


def test_failure_of_a_duplicate_job_leaves_a_proposal_that_moved_on_alone(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    # The analysis job ran twice; the copy that lost the race fails after the proposal has
    # already moved on to assignment. Its failure belongs to a stage that is over.
    proposal = put_in_assignment(api, session, committee, draft)
    session.commit()
    recorded = record_failure(
        session=session,
        state=State.analysis,
        job=StageJob(proposal.id, proposal.version),
        error="analysis: IntegrityError: duplicate report",
        final=True,
    )
    session.commit()
    session.expire_all()
    stored = session.get(Proposal, proposal.id)
    assert stored is not None
    assert (recorded, stored.stalled_at, stored.last_error) == (False, None, None)


def test_a_lost_quorum_check_is_queued_again_by_the_scan(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    for email in committee["reviewers"][:2]:  # the default quorum
        review(api, email, staged.assignments[email], full_review())
    proposal_id = UUID(staged.proposal_id)
    # The broker lost the quorum checks that the submissions queued.
    session.execute(OutboxMessage.__table__.delete())  # type: ignore[attr-defined]
    session.commit()
    assert scan_deadlines(session=session)["reviews_recovered"] == 0  # not quiet long enough
    _quiet_since(session, proposal_id, 3600)
    assert scan_deadlines(session=session)["reviews_recovered"] == 1
    session.commit()
    assert [m.payload["proposal_id"] for m in _jobs(session, Job.check_quorum)] == [
        staged.proposal_id
    ]
    assert scan_deadlines(session=session)["reviews_recovered"] == 0  # once per period


def test_an_admin_redrives_a_proposal_in_review(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    response = api.as_(committee["admin"])("POST", f"/admin/proposals/{staged.proposal_id}/redrive")
    assert response.status_code == 200, response.text
    assert len(_jobs(session, Job.check_quorum)) == 1
    assert len(_jobs(session, Job.replace_reviewers)) == 1


def test_a_stage_that_ran_and_found_nothing_to_do_does_not_count_towards_a_stall(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    proposal = put_in_assignment(api, session, committee, draft)
    for reviewer in session.exec(select(User).where(col(User.email).in_(committee["reviewers"]))):
        reviewer.capacity = 0  # nobody can take it now
    proposal.stage_attempts = 4  # four SLA re-drives found it unstaffable
    session.commit()
    work_stage(session=session, state=State.assignment, jobs=[StageJob(proposal.id, 1)])
    session.commit()
    session.expire_all()
    stored = session.get(Proposal, proposal.id)
    assert stored is not None
    assert (stored.state, stored.stage_attempts, stored.stalled_at) == (
        State.assignment,
        0,
        None,
    )
    assert (stored.last_error or "").startswith("cannot be staffed")


def test_a_committed_submit_answers_its_result_when_the_relay_fails(
    api: Api, session: Session, committee: dict, draft: dict, monkeypatch: Any
) -> None:
    from sqlalchemy.exc import OperationalError

    import service.outbox.service as outbox

    def database_gone(*_: Any) -> None:
        raise OperationalError("UPDATE outbox", {}, Exception("server closed the connection"))

    monkeypatch.setattr(outbox, "send_committed", database_gone)
    response = api.as_(committee["applicant"])("POST", f"/proposals/{draft['id']}/submit")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "screening"
    assert [m.sent_at for m in _jobs(session, Job.screening)] == [None]  # the sweeper's now


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_concurrent_requests_with_one_key_do_the_work_once_and_answer_alike(
    api: Api, session: Session, committee: dict, processes: Callable[..., Process]
) -> None:
    port = _free_port()
    processes("api", "--port", str(port))
    base = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.2)
    headers = {"Authorization": f"Bearer {api.login(committee['applicant'])}"}
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def send(path: str, json: Any = None) -> None:
        response = httpx.post(
            base + path,
            headers={**headers, "Idempotency-Key": f"key-{path}"},
            json=json,
            timeout=60,
        )
        with lock:
            answers.append(response)

    def burst(path: str, json: Any = None) -> list[httpx.Response]:
        answers.clear()
        threads = [threading.Thread(target=send, args=(path, json)) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return list(answers)

    created = burst("/proposals", {"title": "Created once whatever the retries"})
    assert {r.status_code for r in created} == {201}, [r.text for r in created]
    assert len({r.json()["id"] for r in created}) == 1
    session.expire_all()
    titles = session.exec(
        select(Proposal).where(Proposal.title == "Created once whatever the retries")
    ).all()
    assert len(titles) == 1
    draft_id = created[0].json()["id"]
    patch = httpx.patch(
        f"{base}/proposals/{draft_id}",
        headers=headers,
        json={
            "summary": "A complete draft",
            "therapeutic_area": "oncology",
            "modality": "small_molecule",
            "phase": "preclinical",
            "budget_requested": 1_000_000,
            "expected_peak_sales": 10_000_000,
            "target_launch_year": utcnow().year + 6,
            "target_markets": ["CN"],
        },
    )
    assert patch.status_code == 200, patch.text
    submitted = burst(f"/proposals/{draft_id}/submit")
    assert {r.status_code for r in submitted} == {200}, [r.text for r in submitted]
    assert len({r.text for r in submitted}) == 1
    session.expire_all()
    stored = session.get(Proposal, UUID(draft_id))
    assert stored is not None
    assert (stored.state, stored.version) == (State.screening, 1)
