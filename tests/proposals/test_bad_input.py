"""Bad input is answered with a 4xx naming the problem, and nothing is written."""

from typing import Any

import pytest
from sqlmodel import select

from service.proposals.models import Proposal
from tests.conftest import COMPLETE_PROPOSAL, Api


def _count(session: Any) -> int:
    session.expire_all()
    return len(session.exec(select(Proposal)).all())


def test_missing_title_names_the_field(api: Api, committee: dict, session: Any) -> None:
    response = api.as_(committee["applicant"])("POST", "/proposals", json={"summary": "no title"})
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"
    assert response.json()["fields"][0]["field"] == "title"
    assert _count(session) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("modality", "homeopathy"),
        ("therapeutic_area", "astrology"),
        ("phase", "phase_4"),
        ("budget_requested", -5),
        ("target_markets", ["China"]),
        ("target_launch_year", 1900),
    ],
)
def test_wrong_values_are_refused(
    api: Api, committee: dict, session: Any, field: str, value: object
) -> None:
    response = api.as_(committee["applicant"])(
        "POST", "/proposals", json={**COMPLETE_PROPOSAL, field: value}
    )
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert _count(session) == 0


@pytest.mark.parametrize("field", ["state", "version", "organisation_id", "id", "row_version"])
def test_client_cannot_set_server_fields(
    api: Api, committee: dict, draft: dict, session: Any, field: str
) -> None:
    as_applicant = api.as_(committee["applicant"])
    created = as_applicant("POST", "/proposals", json={**COMPLETE_PROPOSAL, field: "x"})
    assert created.status_code == 422
    assert field in created.json()["detail"]
    edited = as_applicant("PATCH", f"/proposals/{draft['id']}", json={field: "approved"})
    assert edited.status_code == 422
    assert as_applicant("GET", f"/proposals/{draft['id']}").json()["state"] == "draft"
    assert _count(session) == 1


def test_malformed_json_is_a_400(api: Api, committee: dict, session: Any) -> None:
    response = api.as_(committee["applicant"])(
        "POST",
        "/proposals",
        content=b'{"title": "unterminated',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "MalformedBody"
    assert _count(session) == 0


def test_null_title_in_an_edit_is_refused(api: Api, committee: dict, draft: dict) -> None:
    response = api.as_(committee["applicant"])(
        "PATCH", f"/proposals/{draft['id']}", json={"title": None}
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "title"


def test_unknown_proposal_id_is_404_and_bad_uuid_is_422(api: Api, committee: dict) -> None:
    as_applicant = api.as_(committee["applicant"])
    assert as_applicant("GET", "/proposals/00000000-0000-0000-0000-000000000000").status_code == 404
    assert as_applicant("GET", "/proposals/not-a-uuid").status_code == 422
