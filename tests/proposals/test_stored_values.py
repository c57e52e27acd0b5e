"""Nothing validation lets through is unreadable later: every stored proposal can be read back.

The audit stored a null list and a lone UTF-16 surrogate; the write answered 500 after
committing, and from then on every list page holding the proposal answered 500 too.
"""

from typing import Any

import pytest

from tests.conftest import COMPLETE_PROPOSAL, Api

# Written as raw JSON: a lone surrogate cannot be encoded by the test client's own encoder.
SURROGATE = '"x\\ud800y"'


def _send(api: Api, who: str, method: str, path: str, body: str) -> Any:
    return api.as_(who)(
        method, path, content=body.encode(), headers={"Content-Type": "application/json"}
    )


def _reads_still_work(api: Api, committee: dict, proposal_id: str) -> None:
    for who in (committee["applicant"], committee["admin"]):
        assert api.as_(who)("GET", f"/proposals/{proposal_id}").status_code == 200
        assert api.as_(who)("GET", "/proposals").status_code == 200


@pytest.mark.parametrize(
    "field", ["target_markets", "keywords", "declared_conflicts", "title", "summary"]
)
def test_null_for_a_field_the_proposal_needs_is_refused(
    api: Api, committee: dict, draft: dict, field: str
) -> None:
    response = api.as_(committee["applicant"])(
        "PATCH", f"/proposals/{draft['id']}", json={field: None}
    )
    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["field"] == field
    _reads_still_work(api, committee, draft["id"])


def test_an_optional_field_may_still_be_cleared(api: Api, committee: dict, draft: dict) -> None:
    response = api.as_(committee["applicant"])(
        "PATCH", f"/proposals/{draft['id']}", json={"expected_peak_sales": None}
    )
    assert response.status_code == 200, response.text
    assert response.json()["expected_peak_sales"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("keywords", f"[{SURROGATE}]"),
        ("declared_conflicts", f"[{SURROGATE}]"),
        ("title", SURROGATE),
        ("summary", SURROGATE),
        ("summary", '"nul \\u0000 inside"'),
        ("title", '"bell \\u0007 ringing"'),
    ],
)
def test_text_that_cannot_be_stored_is_refused_on_create_and_edit(
    api: Api, committee: dict, draft: dict, field: str, value: str
) -> None:
    import json

    base = json.dumps(COMPLETE_PROPOSAL)[:-1]
    created = _send(
        api, committee["applicant"], "POST", "/proposals", f'{base}, "{field}": {value}}}'
    )
    assert created.status_code == 422, created.text
    assert created.json()["fields"][0]["field"].startswith(field)
    edited = _send(
        api, committee["applicant"], "PATCH", f"/proposals/{draft['id']}", f'{{"{field}": {value}}}'
    )
    assert edited.status_code == 422, edited.text
    _reads_still_work(api, committee, draft["id"])


def test_a_multi_line_summary_is_still_text(api: Api, committee: dict, draft: dict) -> None:
    response = api.as_(committee["applicant"])(
        "PATCH", f"/proposals/{draft['id']}", json={"summary": "line one\n\tline two\r\n"}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("value", [9223372036854775808, 10**16, 2**70])
def test_huge_numbers_are_refused(api: Api, committee: dict, draft: dict, value: int) -> None:
    as_applicant = api.as_(committee["applicant"])
    created = as_applicant(
        "POST", "/proposals", json={**COMPLETE_PROPOSAL, "budget_requested": value}
    )
    assert created.status_code == 422, created.text
    assert created.json()["fields"][0]["field"] == "budget_requested"
    edited = as_applicant("PATCH", f"/proposals/{draft['id']}", json={"expected_peak_sales": value})
    assert edited.status_code == 422, edited.text


def test_withdraw_reason_must_be_text(api: Api, committee: dict, draft: dict) -> None:
    as_applicant = api.as_(committee["applicant"])
    assert as_applicant("POST", f"/proposals/{draft['id']}/submit").status_code == 200
    response = _send(
        api,
        committee["applicant"],
        "POST",
        f"/proposals/{draft['id']}/withdraw",
        f'{{"reason": {SURROGATE}}}',
    )
    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["field"] == "reason"
    history = as_applicant("GET", f"/proposals/{draft['id']}/history")
    assert history.status_code == 200
    assert [t["event"] for t in history.json()] == ["submit"]


def test_reviews_of_a_proposal_without_committee_is_a_conflict(
    api: Api, committee: dict, draft: dict
) -> None:
    response = api.as_(committee["admin"])("GET", f"/proposals/{draft['id']}/reviews")
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "Conflict"
