"""Registering webhooks: an applicant manages its own organisation's, nobody else's."""

from typing import Any

import pytest

from tests.conftest import Api


def _as(api: Api, committee: dict[str, Any], who: str) -> Any:
    return api.as_(committee["reviewers"][0] if who == "reviewer" else committee[who])


def test_applicant_registers_a_webhook_and_sees_the_secret_only_once(
    api: Api, committee: dict[str, Any]
) -> None:
    applicant = _as(api, committee, "applicant")
    created = applicant(
        "POST",
        "/webhooks",
        json={"url": "https://hooks.acme.example/committee", "events": ["proposal.returned"]},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["organisation_id"] == committee["organisation_id"]
    assert body["events"] == ["proposal.returned"]

    listed = applicant("GET", "/webhooks")
    assert listed.status_code == 200
    (shown,) = listed.json()["items"]
    assert shown["id"] == body["id"] and "secret" not in shown


def test_another_organisations_webhook_is_not_found(
    api: Api, committee: dict[str, Any], webhook: dict[str, Any]
) -> None:
    rival = _as(api, committee, "rival")

    assert rival("GET", "/webhooks").json()["items"] == []
    assert rival("DELETE", f"/webhooks/{webhook['id']}").status_code == 404
    assert [
        w["id"] for w in _as(api, committee, "applicant")("GET", "/webhooks").json()["items"]
    ] == [webhook["id"]]


def test_applicant_removes_its_webhook(
    api: Api, committee: dict[str, Any], webhook: dict[str, Any]
) -> None:
    applicant = _as(api, committee, "applicant")

    assert applicant("DELETE", f"/webhooks/{webhook['id']}").status_code == 204
    assert applicant("GET", "/webhooks").json()["items"] == []
    assert applicant("DELETE", f"/webhooks/{webhook['id']}").status_code == 404


@pytest.mark.parametrize("who", ["reviewer", "chair"])
def test_committee_members_may_not_manage_webhooks(
    api: Api, committee: dict[str, Any], webhook: dict[str, Any], who: str
) -> None:
    member = _as(api, committee, who)

    assert member("POST", "/webhooks", json={"url": "https://x.example/"}).status_code == 403
    assert member("GET", "/webhooks").status_code == 403
    assert member("DELETE", f"/webhooks/{webhook['id']}").status_code == 403


def test_admin_lists_every_organisations_webhooks_but_registers_none(
    api: Api, committee: dict[str, Any], webhook: dict[str, Any]
) -> None:
    rival_hook = _as(api, committee, "rival")(
        "POST", "/webhooks", json={"url": "https://o.example/"}
    )
    admin = _as(api, committee, "admin")

    listed = admin("GET", "/webhooks")
    assert {w["id"] for w in listed.json()["items"]} == {webhook["id"], rival_hook.json()["id"]}
    assert all("secret" not in w for w in listed.json()["items"])
    assert admin("POST", "/webhooks", json={"url": "https://a.example/"}).status_code == 403


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "ftp://files.acme.example/"}, "url"),
        ({"url": "not a url"}, "url"),
        ({}, "url"),
        ({"url": "https://acme.example/", "events": ["Proposal Returned!"]}, "events"),
        ({"url": "https://acme.example/", "secret": "mine"}, "secret"),
    ],
)
def test_bad_registration_names_the_field(
    api: Api, committee: dict[str, Any], payload: dict[str, Any], field: str
) -> None:
    response = _as(api, committee, "applicant")("POST", "/webhooks", json=payload)

    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["fields"]] == [field]


def test_unknown_webhook_id_is_not_found(api: Api, committee: dict[str, Any]) -> None:
    applicant = _as(api, committee, "applicant")

    missing = applicant("DELETE", "/webhooks/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert applicant("DELETE", "/webhooks/not-a-uuid").status_code == 422
