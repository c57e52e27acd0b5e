"""A unique constraint that refuses a write (two requests at the same moment) is a 409."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.models import Role, User
from service.db import get_engine
from service.errors import install_error_handlers


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
    }


def test_other_integrity_errors_stay_server_errors(twins: TestClient) -> None:
    assert twins.post("/orphan").status_code == 500
