"""With real workers: heartbeats, a stage that stalls, its re-drive, and the workers' metrics."""

import socket
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from service.committees.models import Committee
from service.proposals.vocabulary import TherapeuticArea
from tests.conftest import Api
from tests.pipeline.conftest import Process, state_of, submitted_proposal, wait_for

QUIET = ("--concurrency", "2", "--loglevel", "WARNING")


def _queue(api: Api, committee: dict[str, Any]) -> dict[str, Any]:
    response = api.as_(committee["admin"])("GET", "/admin/queue")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _cover(session: Session, committee_id: str, areas: list[TherapeuticArea]) -> None:
    session.execute(
        update(Committee)
        .where(col(Committee.id) == uuid.UUID(committee_id))
        .values(therapeutic_areas=[str(a) for a in areas])
    )
    session.commit()


def test_a_stalled_stage_is_redriven_once_after_its_cause_is_fixed(
    api: Api, committee: dict[str, Any], session: Session, processes: Callable[..., Process]
) -> None:
    admin, applicant = api.as_(committee["admin"]), committee["applicant"]
    # The only committee stops covering neurology: screening cannot route such a proposal.
    _cover(session, committee["committee_id"], [a for a in TherapeuticArea if a != "neurology"])
    worker = processes("worker", *QUIET)
    live = wait_for(lambda: _queue(api, committee)["workers"]["live"], what="a heartbeat")
    assert [w["hostname"].split("@")[0] for w in live] == ["celery"]

    proposal_id = submitted_proposal(
        api, applicant, title="Antisense programme for ALS", therapeutic_area="neurology"
    )
    [stalled] = wait_for(
        lambda: _queue(api, committee)["stalled"]["items"], seconds=90, what="the stall"
    )
    assert stalled["id"] == proposal_id
    assert stalled["state"] == "screening"
    assert stalled["stage_attempts"] == 1
    assert "NoCommittee" in stalled["last_error"] and "neurology" in stalled["last_error"]
    view = _queue(api, committee)
    assert next(s for s in view["states"] if s["state"] == "screening")["stalled"] == 1

    worker.stop()
    assert _queue(api, committee)["workers"]["live"] == []
    # The admin fixes the cause, then re-drives; twice, as an impatient admin would.
    _cover(session, committee["committee_id"], list(TherapeuticArea))
    for _ in range(2):
        redriven = admin("POST", f"/admin/proposals/{proposal_id}/redrive")
        assert redriven.status_code == 200, redriven.text
        assert redriven.json()["state"] == "screening"
        assert redriven.json()["queued"] is True
    waiting = _queue(api, committee)
    assert waiting["stalled"]["total"] == 0
    assert waiting["broker"]["queues"][0]["depth"] >= 2

    processes("worker", *QUIET)
    wait_for(
        lambda: state_of(api, applicant, proposal_id) == "in_review", seconds=120, what="in_review"
    )
    history = admin("GET", f"/proposals/{proposal_id}/history").json()
    steps = [(h["event"], h["to_state"]) for h in history]
    # Both re-drives are in the history, with the admin and the error they answered.
    assert steps == [
        ("submit", "screening"),
        ("redrive", "screening"),
        ("redrive", "screening"),
        ("pass_screening", "analysis"),
        ("complete_analysis", "assignment"),
        ("start_review", "in_review"),
    ]
    redrives = [h for h in history if h["event"] == "redrive"]
    assert all(h["actor_role"] == "admin" and h["actor_id"] for h in redrives)
    assert committee["admin"] in redrives[0]["reason"] and "NoCommittee" in redrives[0]["reason"]
    after = _queue(api, committee)
    assert after["stalled"]["total"] == after["errors"]["total"] == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_worker_serves_its_task_metrics(
    api: Api, committee: dict[str, Any], processes: Callable[..., Process]
) -> None:
    port = _free_port()
    processes("worker", *QUIET, "--metrics-port", str(port))
    proposal_id = submitted_proposal(api, committee["applicant"])
    wait_for(
        lambda: state_of(api, committee["applicant"], proposal_id) == "in_review",
        seconds=120,
        what="in_review",
    )
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        lines = response.read().decode().splitlines()
    # Counted in the pool processes, summed by the worker's metrics server.
    for task in ("pipeline.screening", "pipeline.analysis", "pipeline.assignment"):
        assert any(
            line.startswith("committee_tasks_total{")
            and f'task="{task}"' in line
            and 'state="success"' in line
            for line in lines
        ), task
        assert any(
            line.startswith("committee_task_duration_seconds_count{") and f'task="{task}"' in line
            for line in lines
        ), task
