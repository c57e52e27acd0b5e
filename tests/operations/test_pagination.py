"""Every list answers pages the same way: `limit` and `cursor` in, `items` and `next_cursor` out."""

from typing import Any

import pytest

from service.config import get_settings
from service.main import create_app
from tests.conftest import Api


def test_no_top_level_list_answers_a_bare_array() -> None:
    schema = create_app().openapi()
    bare = []
    paged = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        # A proposal's own lists are bounded by it, a committee's by its seats.
        if get is None or "{proposal_id}" in path or "{committee_id}" in path:
            continue
        content = get["responses"].get("200", {}).get("content", {})
        answer = content.get("application/json", {}).get("schema", {})
        if answer.get("type") == "array":
            bare.append(path)
            continue
        model = schema["components"]["schemas"].get(answer.get("$ref", "").rsplit("/", 1)[-1])
        if model and "items" in model.get("properties", {}):
            assert set(model["properties"]) == {"items", "next_cursor"}, path
            parameters = {p["name"] for p in get.get("parameters", [])}
            assert {"cursor", "limit"} <= parameters, path
            paged.append(path)
    assert bare == []
    assert len(paged) >= 5  # proposals, assignments, committees, organisations, webhooks


def _walk(call: Any, path: str) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        page = call("GET", path, params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        assert set(body) == {"items", "next_cursor"}
        assert len(body["items"]) <= 1
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_organisations_committees_and_webhooks_come_in_cursor_pages(
    api: Api, committee: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")  # no name resolution here
    get_settings.cache_clear()
    admin = api.as_(committee["admin"])
    another = {"name": "Another", "therapeutic_areas": ["urology"]}
    assert admin("POST", "/committees", json=another).status_code == 201
    for hook in ("http://127.0.0.1:9/a", "http://127.0.0.1:9/b"):
        created = api.as_(committee["applicant"])("POST", "/webhooks", json={"url": hook})
        assert created.status_code == 201, created.text
    for path, expected in (("/organisations", 2), ("/committees", 2), ("/webhooks", 2)):
        walked = _walk(admin, path)
        assert len(walked) == len(set(walked)) == expected, path
        whole = admin("GET", path).json()
        assert [item["id"] for item in whole["items"]] == walked
        assert whole["next_cursor"] is None
    refused = admin("GET", "/committees", params={"cursor": "garbage"})
    assert refused.status_code == 422
    assert refused.json()["fields"][0]["field"] == "cursor"
    monkeypatch.undo()
    get_settings.cache_clear()
