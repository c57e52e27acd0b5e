"""While the database is away, every endpoint answers 503 in the one JSON error shape.

The API runs as `committee api` in its own process against a PostgreSQL server of the test's
own, which is stopped for real (fast shutdown: open connections are cut) and started again.
"""

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.errors import install_error_handlers
from tests.operations.conftest import PrivatePostgres
from tests.pipeline.conftest import Process, wait_for
from tests.services import _free_port


@pytest.fixture
def api_on_private_database(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> Iterator[Callable[[], httpx.Client]]:
    from alembic import command

    from service.cli import _alembic_config

    url = private_postgres.create_database("outage")
    config = _alembic_config(url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    port = _free_port()
    process = Process(
        "api", "--port", str(port), env={"DATABASE_URL": url}, log=tmp_path / "api.log"
    ).start()
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(answers, seconds=60, what="the API to answer")
    with httpx.Client(base_url=base, timeout=30) as client:
        yield lambda: client
    process.stop()


def _requests(token: str) -> list[tuple[str, str, dict[str, object]]]:
    bearer = {"Authorization": f"Bearer {token}"}
    return [
        ("POST", "/api/v1/auth/token", {"data": {"username": "a@b.example", "password": "x"}}),
        ("GET", "/api/v1/me", {"headers": bearer}),
        ("GET", "/api/v1/proposals", {"headers": bearer}),
        ("POST", "/api/v1/proposals", {"headers": bearer, "json": {"title": "Outage"}}),
        ("GET", f"/api/v1/proposals/{uuid.uuid4()}", {"headers": bearer}),
    ]


def _signed_token() -> str:
    """A token with a valid signature for a session nobody opened: only the database knows."""
    from datetime import timedelta

    from service.auth.security import issue_token
    from service.db import utcnow

    now = utcnow()
    return issue_token(
        user_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        issued_at=now,
        expires_at=now + timedelta(hours=1),
    )


def test_every_endpoint_answers_503_json_while_the_database_is_stopped(
    api_on_private_database: Callable[[], httpx.Client], private_postgres: PrivatePostgres
) -> None:
    client = api_on_private_database()
    token = _signed_token()  # valid signature; the session lookup needs the database
    requests = _requests(token)
    # The pool holds live connections when the server goes: the case that dropped requests.
    for method, path, kwargs in requests:
        assert client.request(method, path, **kwargs).status_code == 401  # type: ignore[arg-type]

    private_postgres.stop()
    try:
        for _ in range(2):  # the dead pooled connections, then fresh connects refused
            for method, path, kwargs in requests:
                response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
                assert response.status_code == 503, (method, path, response.text)
                assert response.headers["content-type"] == "application/json"
                assert int(response.headers["Retry-After"]) > 0
                body = response.json()
                assert body["error"] == "ServiceUnavailable"
                assert body["fields"] == []
                assert "database" in body["detail"]
        assert client.get("/readyz").status_code == 503
    finally:
        private_postgres.start()

    # Back in service without a restart of the API.
    wait_for(lambda: client.get("/readyz").json().get("database") is None, what="recovery")
    for method, path, kwargs in requests:
        assert client.request(method, path, **kwargs).status_code == 401  # type: ignore[arg-type]


def test_a_restart_while_the_pool_is_idle_fails_no_request(
    api_on_private_database: Callable[[], httpx.Client], private_postgres: PrivatePostgres
) -> None:
    client = api_on_private_database()
    requests = _requests(_signed_token())
    for method, path, kwargs in requests:  # the pool now holds connections to the old server
        assert client.request(method, path, **kwargs).status_code == 401  # type: ignore[arg-type]
    private_postgres.stop()
    private_postgres.start()
    # Every pooled connection is dead; each is replaced at checkout, none reaches a request.
    for _ in range(3):
        for method, path, kwargs in requests:
            response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
            assert response.status_code == 401, (method, path, response.text)


def test_an_unexpected_error_is_a_json_500_in_the_same_shape() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/bug")
    assert response.status_code == 500
    assert response.json() == {
        "error": "InternalError",
        "detail": "an unexpected error occurred; it has been logged",
        "fields": [],
    }


def test_a_database_that_never_answers_is_a_503_within_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A host that accepts the connection and then says nothing (a hung server, a cut
    network): without a connect timeout the request waited minutes and the client gave up."""
    import socket
    from concurrent.futures import ThreadPoolExecutor

    from service.config import get_settings
    from service.main import create_app

    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{port}/x")
        get_settings.cache_clear()
        try:
            token = _signed_token()
            with TestClient(create_app()) as client:
                # In a thread, so that a request that never ends fails the test, not hangs it.
                pool = ThreadPoolExecutor(1)
                pending = pool.submit(
                    client.get, "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                )
                try:
                    response = pending.result(timeout=30)
                finally:
                    pool.shutdown(wait=False)
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()
    assert response.status_code == 503
    assert response.json()["error"] == "ServiceUnavailable"
