"""What the database refuses: a unique constraint raced past (409), a value it cannot hold (422)."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.models import Role, User
from service.db import get_engine
from service.errors import install_error_handlers
from tests.conftest import Api


def _user(email: str) -> User:
    return User(email=email, full_name="Twin", role=Role.reviewer, password_hash="x")


@pytest.fixture
def twins(db: None) -> Iterator[TestClient]:
    """Routes that write what the database refuses, as a race past the service's checks would."""
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/twins")
    def twins() -> None:
        with Session(get_engine()) as session:
            session.add_all([_user("twin@example.org"), _user("twin@example.org")])
            session.commit()

    @app.post("/orphan")
    def orphan() -> None:
        with Session(get_engine()) as session:
            user = _user("orphan@example.org")
            user.organisation_id = user.id  # no such organisation: a foreign key, not a race
            session.add(user)
            session.commit()

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_a_unique_violation_is_a_conflict_to_retry(twins: TestClient) -> None:
    response = twins.post("/twins")
    assert response.status_code == 409
    assert response.json() == {
        "error": "Conflict",
        "detail": "this conflicts with a record saved at the same moment; reload and try again",
        "fields": [],
    }


def test_other_integrity_errors_stay_server_errors(twins: TestClient) -> None:
    assert twins.post("/orphan").status_code == 500


def test_a_value_the_database_cannot_store_is_refused_with_the_reason(
    api: Api, committee: dict[str, Any]
) -> None:
    # PostgreSQL text cannot hold NUL; schemathesis found this answered 500.
    response = api.as_(committee["admin"])(
        "POST", "/committees", json={"name": "Oncology\u0000", "therapeutic_areas": ["oncology"]}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidInput"
    assert "NUL" in response.json()["detail"]
