"""One error shape, bounded bodies, cursors that cannot crash a list, plausible screening."""

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, select

from service.config import get_settings
from service.proposals.models import Proposal
from service.screening.service import problems
from tests.conftest import COMPLETE_PROPOSAL, Api


def test_a_json_body_above_the_limit_is_refused_before_it_is_read(
    api: Api, committee: dict[str, Any], session: Session
) -> None:
    limit = get_settings().request_body_max_bytes
    call = api.as_(committee["applicant"])
    oversized = {**COMPLETE_PROPOSAL, "summary": "x" * (limit + 1)}
    response = call("POST", "/proposals", json=oversized)
    assert response.status_code == 413
    assert response.json() == {
        "error": "PayloadTooLarge",
        "detail": f"the request body exceeds {limit} bytes",
        "fields": [],
        "limit": limit,
    }
    assert session.exec(select(Proposal)).all() == []


def test_a_chunked_body_without_a_length_is_counted_as_it_arrives(
    api: Api, committee: dict[str, Any], session: Session
) -> None:
    limit = get_settings().request_body_max_bytes
    body = json.dumps({**COMPLETE_PROPOSAL, "summary": "x" * (limit + 1)}).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    response = api.as_(committee["applicant"])(
        "POST", "/proposals", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "PayloadTooLarge"
    assert response.json()["fields"] == []
    assert session.exec(select(Proposal)).all() == []


def test_an_error_about_one_field_names_it_in_the_fields_list(
    api: Api, committee: dict[str, Any]
) -> None:
    call = api.as_(committee["admin"])
    twice = {"name": "Twice", "therapeutic_areas": ["oncology"]}
    assert call("POST", "/committees", json=twice).status_code == 201
    response = call("POST", "/committees", json=twice)
    assert response.status_code == 409
    body = response.json()
    assert body == {
        "error": "Conflict",
        "detail": "a committee named 'Twice' already exists",
        "fields": [{"field": "name", "message": "a committee named 'Twice' already exists"}],
    }


def _cursor(created: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([created, str(uuid.uuid4())]).encode()).decode()


def test_a_cursor_with_a_naive_or_out_of_range_time_is_a_422(
    api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    call = api.as_(committee["applicant"])
    for created in ("2026-01-01T00:00:00", "0001-01-01T00:00:00+05:00"):
        response = call("GET", "/proposals", params={"cursor": _cursor(created)})
        assert response.status_code == 422, (created, response.text)
        assert response.json()["fields"][0]["field"] == "cursor"
    aware = call("GET", "/proposals", params={"cursor": _cursor("2999-01-01T00:00:00+00:00")})
    assert [p["id"] for p in aware.json()["items"]] == [draft["id"]]


def test_screening_refuses_implausibly_large_figures_and_far_launches(
    session: Session,
) -> None:
    proposal = Proposal(
        **{
            **COMPLETE_PROPOSAL,
            "budget_requested": 9_200_000_000_000_000_000,
            "expected_peak_sales": 900_000_000_000,
            "target_launch_year": 2100,
        },
        organisation_id=uuid.uuid4(),
        created_by=uuid.uuid4(),
    )
    reasons = " | ".join(
        reason.render("en")
        for reason in problems(session=session, proposals=[proposal])[proposal.id]
    )
    assert "budget_requested 9,200,000,000,000,000,000 USD is above" in reasons
    assert "expected_peak_sales 900,000,000,000 USD a year is above" in reasons
    assert "target_launch_year 2100 is more than 25 years away" in reasons
    plausible = Proposal(**COMPLETE_PROPOSAL, organisation_id=uuid.uuid4(), created_by=uuid.uuid4())
    found = problems(session=session, proposals=[plausible])[plausible.id]
    assert [reason.render("en") for reason in found] == [
        "at least one attachment (e.g. the business plan) is required"
    ]


def test_a_multipart_label_does_not_lift_the_ceiling(
    api: Api, committee: dict[str, Any], session: Session
) -> None:
    settings = get_settings()
    limit = settings.request_body_max_bytes + settings.attachment_max_bytes
    response = api.as_(committee["applicant"])(
        "POST",
        "/proposals",
        content=b"x" * (limit + 1),
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 413
    assert response.json()["limit"] == limit
    assert session.exec(select(Proposal)).all() == []
