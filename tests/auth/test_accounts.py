"""Logging in, the caller's own record, and the admin's account management."""

from typing import Any

import pytest

from tests.conftest import Api


def test_login_and_me(api: Api, committee: dict) -> None:
    me = api.as_(committee["chair"])("GET", "/me").json()
    assert (me["email"], me["role"]) == (committee["chair"], "chair")
    assert "password_hash" not in me


def test_wrong_password_is_401(client: Any, committee: dict) -> None:
    response = client.post(
        "/api/v1/auth/token", data={"username": committee["chair"], "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "NotAuthenticated"


def test_admin_creates_organisation_user_and_committee(api: Api, committee: dict) -> None:
    as_admin = api.as_(committee["admin"])
    organisation = as_admin(
        "POST",
        "/organisations",
        json={"name": "Tashkent Pharma", "country": "uz", "email_domains": ["@TP.example"]},
    )
    assert organisation.status_code == 201, organisation.text
    assert (organisation.json()["country"], organisation.json()["email_domains"]) == (
        "UZ",
        ["tp.example"],
    )
    user = as_admin(
        "POST",
        "/users",
        json={
            "email": "Applicant@TP.example",
            "full_name": "A. Applicant",
            "role": "applicant",
            "organisation_id": organisation.json()["id"],
            "password": "long-enough-password",
        },
    )
    assert user.status_code == 201, user.text
    assert user.json()["email"] == "applicant@tp.example"
    reviewer = as_admin(
        "POST",
        "/users",
        json={
            "email": "r@x.example",
            "full_name": "R",
            "role": "reviewer",
            "password": "long-enough-password",
            "expertise_keywords": ["vaccines"],
            "capacity": 4,
        },
    ).json()
    board = as_admin(
        "POST",
        "/committees",
        json={
            "name": "Vaccines",
            "therapeutic_areas": ["infectious_disease"],
            "reviewer_ids": [reviewer["id"]],
            "reviewers_per_proposal": 1,
            "quorum": 1,
        },
    )
    assert board.status_code == 201, board.text
    assert board.json()["rubric"][0]["key"] == "innovative_technology"
    api.login("applicant@tp.example", "long-enough-password")
    assert api.as_("applicant@tp.example")("GET", "/me").json()["role"] == "applicant"


@pytest.mark.parametrize("who", ["chair", "applicant"])
def test_only_admins_manage_accounts(api: Api, committee: dict, who: str) -> None:
    call = api.as_(committee[who])
    assert (
        call("POST", "/organisations", json={"name": "X Org", "country": "CN"}).status_code == 403
    )
    assert call("GET", "/committees").status_code == 403


def test_duplicate_email_is_409(api: Api, committee: dict) -> None:
    response = api.as_(committee["admin"])(
        "POST",
        "/users",
        json={
            "email": committee["chair"],
            "full_name": "Again",
            "role": "chair",
            "password": "long-enough-password",
        },
    )
    assert response.status_code == 409
    assert response.json()["fields"][0]["field"] == "email"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "applicant"}, "organisation_id"),
        ({"role": "emperor"}, "role"),
        ({"role": "reviewer", "email": "not-an-email"}, "email"),
        ({"role": "reviewer", "password": "short"}, "password"),
    ],
)
def test_bad_user_input_names_the_field(
    api: Api, committee: dict, payload: dict, field: str
) -> None:
    body = {
        "email": "new@x.example",
        "full_name": "New",
        "password": "long-enough-password",
        **payload,
    }
    response = api.as_(committee["admin"])("POST", "/users", json=body)
    assert response.status_code == 422
    assert field in response.text


def test_committee_quorum_cannot_exceed_reviewers(api: Api, committee: dict) -> None:
    response = api.as_(committee["admin"])(
        "POST",
        "/committees",
        json={
            "name": "Bad",
            "therapeutic_areas": ["oncology"],
            "reviewers_per_proposal": 2,
            "quorum": 3,
        },
    )
    assert response.status_code == 422
    assert "quorum" in response.json()["detail"]
