"""The admins' queue view, its terminal twin and the Prometheus scrape, with no worker running."""

import io
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from service.assignment.models import Assignment, AssignmentStatus
from service.auth.models import User
from service.cli import main
from service.config import get_settings
from service.db import utcnow
from service.proposals.models import Proposal
from tests.conftest import Api
from tests.pipeline.conftest import submitted_proposal
from tests.proxy import Proxy


def _queue(api: Api, committee: dict[str, Any]) -> dict[str, Any]:
    response = api.as_(committee["admin"])("GET", "/admin/queue")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _state(view: dict[str, Any], state: str) -> dict[str, Any]:
    return next(row for row in view["states"] if row["state"] == state)


def _depth(view: dict[str, Any]) -> int:
    return int(view["broker"]["queues"][0]["depth"])


def test_without_workers_the_backlog_grows_and_no_worker_is_live(
    api: Api, committee: dict[str, Any]
) -> None:
    empty = _queue(api, committee)
    assert _state(empty, "screening")["count"] == 0
    assert empty["workers"] == {"live": [], "error": None}
    assert empty["broker"]["transport"] == "redis"
    assert empty["broker"]["error"] is None
    depths = [_depth(empty)]
    for i in range(3):
        submitted_proposal(api, committee["applicant"], title=f"Backlog {i} of distinct words {i}")
        view = _queue(api, committee)
        screening = _state(view, "screening")
        assert screening["count"] == i + 1
        assert screening["entered_last_hour"] == i + 1
        assert screening["oldest_age_seconds"] >= 0
        assert screening["past_sla"] == 0
        assert view["workers"]["live"] == []
        # Sent to the broker (nothing left in the outbox), waiting there for a worker.
        assert view["outbox"]["unsent"] == 0
        depths.append(_depth(view))
    assert depths == sorted(depths) and depths[-1] >= depths[0] + 3, depths
    assert _state(view, "draft")["left_last_hour"] == 3


def test_waits_past_the_sla_are_counted(
    api: Api, committee: dict[str, Any], session: Session
) -> None:
    late = submitted_proposal(api, committee["applicant"], title="Long waiting programme")
    submitted_proposal(api, committee["applicant"], title="Fresh programme of other words")
    session.execute(
        update(Proposal)
        .where(col(Proposal.id) == uuid.UUID(late))
        .values(state_entered_at=utcnow() - timedelta(hours=2))
    )
    session.commit()
    screening = _state(_queue(api, committee), "screening")
    assert screening["count"] == 2
    assert screening["past_sla"] == 1
    assert screening["sla_seconds"] == 600
    assert screening["oldest_age_seconds"] >= 7200


def test_errors_that_did_not_stall_and_overdue_reviews_are_listed(
    api: Api, committee: dict[str, Any], draft: dict[str, Any], session: Session
) -> None:
    proposal_id = uuid.UUID(draft["id"])
    session.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal_id)
        .values(last_error="cannot be staffed: 1 of 3 reviewers free of conflicts")
    )
    reviewer = session.exec(select(User).where(User.email == committee["reviewers"][0])).one()
    session.add(
        Assignment(
            proposal_id=proposal_id,
            reviewer_id=reviewer.id,
            proposal_version=1,
            status=AssignmentStatus.accepted,
            due_at=utcnow() - timedelta(days=1),
        )
    )
    session.commit()
    view = _queue(api, committee)
    assert view["stalled"] == {"total": 0, "items": []}
    assert view["errors"]["total"] == 1
    [trouble] = view["errors"]["items"]
    assert trouble["id"] == draft["id"]
    assert trouble["last_error"].startswith("cannot be staffed")
    assert view["overdue_reviews"]["total"] == 1
    [late] = view["overdue_reviews"]["items"]
    assert late["reviewer_email"] == committee["reviewers"][0]
    assert late["overdue_seconds"] >= 86400


def test_an_unreachable_broker_is_reported_not_failed(
    api: Api, committee: dict[str, Any], broker_proxy: Proxy
) -> None:
    broker_proxy.cut()
    try:
        view = _queue(api, committee)
    finally:
        broker_proxy.restore()
    assert view["broker"]["queues"] == [{"name": "celery", "depth": None}]
    assert view["broker"]["error"]
    assert view["workers"]["live"] == []
    assert view["workers"]["error"]


@pytest.mark.parametrize("who", ["applicant", "chair", "reviewer"])
def test_non_admins_get_403_and_nothing_leaks(
    api: Api, committee: dict[str, Any], draft: dict[str, Any], who: str
) -> None:
    email = committee["reviewers"][0] if who == "reviewer" else committee[who]
    call = api.as_(email)
    for method, path in [
        ("GET", "/admin/queue"),
        ("POST", f"/admin/proposals/{draft['id']}/redrive"),
        ("POST", f"/admin/proposals/{uuid.uuid4()}/redrive"),  # unknown: still 403, not 404
    ]:
        response = call(method, path)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json() == {
            "error": "Forbidden",
            "detail": "only administrators may do this",
            "fields": [],
        }
    assert api.client.get("/api/v1/admin/queue").status_code == 401


def test_redrive_refuses_human_stages_and_unknown_proposals(
    api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    call = api.as_(committee["admin"])
    refused = call("POST", f"/admin/proposals/{draft['id']}/redrive")
    assert refused.status_code == 409
    assert refused.json()["error"] == "Conflict"
    assert "waits for people" in refused.json()["detail"]
    missing = call("POST", f"/admin/proposals/{uuid.uuid4()}/redrive")
    assert missing.status_code == 404


def test_metrics_has_the_queue_gauges_and_request_counts(
    api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    submitted_proposal(api, committee["applicant"], title="Scraped programme")
    api.as_(committee["applicant"])("GET", f"/proposals/{draft['id']}")
    api.client.get(f"/nowhere/{draft['id']}")
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = set(response.text.splitlines())
    for sample in [
        "committee_queue_view_up 1.0",
        'committee_proposals{state="draft"} 1.0',
        'committee_proposals{state="screening"} 1.0',
        'committee_proposals_past_sla{state="screening"} 0.0',
        'committee_proposals_stalled{state="screening"} 0.0',
        'committee_proposals_entered_last_hour{state="screening"} 1.0',
        "committee_outbox_unsent 0.0",
        "committee_workers_live 0.0",
        "committee_reviews_overdue 0.0",
    ]:
        assert sample in lines, sample
    assert any(line.startswith('committee_broker_queue_depth{queue="celery"}') for line in lines)
    # Requests are labelled by route template, never by the id in the path.
    assert any(
        line.startswith(
            'committee_http_requests_total{method="GET",route="/api/v1/proposals/{proposal_id}",'
            'status="200"}'
        )
        for line in lines
    )
    assert any('route="<unmatched>",status="404"' in line for line in lines)
    assert not any(draft["id"] in line for line in lines)


def test_committee_queue_prints_the_same_picture(
    committee: dict[str, Any], draft: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    main(["queue"])
    table = capsys.readouterr().out
    draft_row = next(line for line in table.splitlines() if line.startswith("draft "))
    assert draft_row.split()[1] == "1"
    assert "Broker (redis): celery " in table
    assert "Workers: none live" in table
    main(["queue", "--json"])
    view = json.loads(capsys.readouterr().out)
    assert _state(view, "draft")["count"] == 1
    assert view["workers"]["live"] == []


def test_committee_queue_watch_redraws_until_interrupted(
    committee: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.admin import terminal

    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:
            raise KeyboardInterrupt  # the admin presses Ctrl-C

    monkeypatch.setattr(terminal.time, "sleep", sleep)
    out = io.StringIO()
    terminal.show_queue(as_json=False, watch=5, out=out)
    assert pauses == [5, 5]
    assert out.getvalue().count("Queue at ") == 2


def test_metrics_want_the_token_when_one_is_set(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS_TOKEN", "scrape-secret")
    get_settings.cache_clear()
    try:
        for sent in [None, "Bearer wrong", "scrape-secret"]:
            headers = {"Authorization": sent} if sent else {}
            refused = api.client.get("/metrics", headers=headers)
            assert refused.status_code == 401, sent
            assert refused.headers["www-authenticate"] == "Bearer"
            assert "METRICS_TOKEN" in refused.json()["detail"]
        allowed = api.client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert allowed.status_code == 200
        assert "committee_queue_view_up 1.0" in allowed.text.splitlines()
    finally:
        monkeypatch.delenv("METRICS_TOKEN")
        get_settings.cache_clear()


def test_a_redrive_is_kept_in_the_history_and_moves_nothing(
    api: Api, committee: dict[str, Any]
) -> None:
    admin = api.as_(committee["admin"])
    proposal_id = submitted_proposal(api, committee["applicant"], title="Re-driven programme")
    redriven = admin("POST", f"/admin/proposals/{proposal_id}/redrive")
    assert redriven.status_code == 200, redriven.text
    history = admin("GET", f"/proposals/{proposal_id}/history").json()
    assert [(h["event"], h["from_state"], h["to_state"]) for h in history] == [
        ("submit", "draft", "screening"),
        ("redrive", "screening", "screening"),
    ]
    assert history[1]["actor_role"] == "admin"
    assert history[1]["reason"] == f"stage queued again by {committee['admin']}"
    # The applicant's history leaves out the operators' actions: who intervened, and why.
    seen = api.as_(committee["applicant"])("GET", f"/proposals/{proposal_id}/history").json()
    assert [h["event"] for h in seen] == ["submit"]
    screening = next(s for s in _queue(api, committee)["states"] if s["state"] == "screening")
    assert screening["entered_last_hour"] == 1 and screening["left_last_hour"] == 0
