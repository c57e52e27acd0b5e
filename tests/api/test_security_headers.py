"""Headers on every answer, API docs served locally, docs and metrics closed in production."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.config import get_settings
from service.main import create_app
from tests.conftest import Api


def test_every_answer_says_nosniff_and_carries_the_policy(client: Any) -> None:
    response = client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "no-store" not in response.headers.get("cache-control", "")


def test_authenticated_answers_and_downloads_are_not_stored(
    api: Api, committee: dict, draft: dict
) -> None:
    as_applicant = api.as_(committee["applicant"])
    assert as_applicant("GET", "/me").headers["cache-control"] == "no-store"
    uploaded = as_applicant(
        "POST",
        f"/proposals/{draft['id']}/attachments",
        files={"file": ("plan.pdf", b"%PDF-1.7\n" + b"0" * 100)},
    ).json()
    download = as_applicant("GET", f"/proposals/{draft['id']}/attachments/{uploaded['id']}")
    assert download.status_code == 200
    assert download.headers["cache-control"] == "no-store"
    assert download.headers["x-content-type-options"] == "nosniff"


def test_the_docs_load_nothing_from_elsewhere(client: Any) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources)
    assert "<script>" not in page.text  # no inline script: the policy would block it
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert client.get("/openapi.json").status_code == 200


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "false")
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def _app_client() -> TestClient:
    return TestClient(create_app())


def test_production_hides_the_docs_unless_asked(production: pytest.MonkeyPatch) -> None:
    with _app_client() as closed:
        assert closed.get("/docs").status_code == 404
        assert closed.get("/openapi.json").status_code == 404
    production.setenv("API_DOCS", "true")
    get_settings.cache_clear()
    with _app_client() as opened:
        assert opened.get("/docs").status_code == 200
        assert opened.get("/openapi.json").status_code == 200


def test_production_metrics_need_a_token_or_an_explicit_opt_out(
    production: pytest.MonkeyPatch,
) -> None:
    with _app_client() as app:
        closed = app.get("/metrics")
        assert closed.status_code == 403
        assert "METRICS_TOKEN" in closed.json()["detail"]
    production.setenv("METRICS_TOKEN", "scrape-token-0123456789")
    get_settings.cache_clear()
    with _app_client() as app:
        assert app.get("/metrics").status_code == 401
        authorised = app.get(
            "/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"}
        )
        assert authorised.status_code == 200
    production.delenv("METRICS_TOKEN")
    production.setenv("METRICS_PUBLIC", "true")
    get_settings.cache_clear()
    with _app_client() as app:
        assert app.get("/metrics").status_code == 200


def test_the_schema_describes_uploads_as_files_and_declares_errors(client: Any) -> None:
    schema = client.get("/openapi.json").json()
    upload = schema["paths"]["/api/v1/proposals/{proposal_id}/attachments"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    model = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert model["properties"]["file"]["format"] == "binary"
    assert {"401", "403", "404", "409", "413", "415", "422"} <= upload["responses"].keys()
    login = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"401", "429"} <= login.keys()
