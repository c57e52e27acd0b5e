"""Fixtures: a real PostgreSQL database migrated with Alembic, a real Redis, the API client.

Each test starts from empty tables (truncated afterwards), so tests may commit, run concurrent
transactions and talk to workers exactly as production code does.
"""

import functools
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from tests import services
from tests.proxy import Proxy


def pytest_configure(config: pytest.Config) -> None:
    try:
        server = services.postgres_server_url()
        redis_url = urlsplit(services.redis_url())
    except RuntimeError as missing:
        pytest.exit(str(missing), returncode=3)
    # Every client reaches Redis through a proxy the fault tests can cut.
    proxy = Proxy(redis_url.hostname or "127.0.0.1", redis_url.port or 6379)
    config.stash[_BROKER_PROXY] = proxy
    broker = redis_url._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()
    name = f"committee_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        server.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True
    ) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    config.stash[_DB_NAME] = (server, name)
    os.environ.update(
        ENVIRONMENT="test",
        DATABASE_URL=f"{server}/{name}",
        BROKER_URL=broker,
        SECRET_KEY="test-secret-key-that-is-long-enough-0123456789",
        ATTACHMENTS_DIR=str(Path(config.rootpath) / "var" / f"test-attachments-{name}"),
        ATTACHMENT_MAX_BYTES=str(256 * 1024),
    )


_DB_NAME = pytest.StashKey[tuple[str, str]]()
_BROKER_PROXY = pytest.StashKey[Proxy]()


@pytest.fixture(scope="session")
def broker_proxy(pytestconfig: pytest.Config) -> Proxy:
    """The proxy in front of Redis: `cut()` it to take the broker away, `restore()` it after."""
    return pytestconfig.stash[_BROKER_PROXY]


def pytest_unconfigure(config: pytest.Config) -> None:
    server, name = config.stash.get(_DB_NAME, ("", ""))
    if name:
        from service.db import get_engine

        get_engine().dispose()
        with psycopg.connect(
            server.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if _BROKER_PROXY in config.stash:
        config.stash[_BROKER_PROXY].close()
    services.stop_started()


@pytest.fixture(scope="session")
def migrated() -> None:
    from alembic import command

    from service.cli import _alembic_config

    config = _alembic_config(os.environ["DATABASE_URL"])
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


@pytest.fixture
def db(migrated: None) -> Iterator[None]:
    """Empty tables before the test and a clean broker queue."""
    yield
    from sqlmodel import SQLModel

    from service.db import get_engine

    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with get_engine().begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} CASCADE")


@pytest.fixture
def broker(broker_proxy: Proxy) -> Iterator[Any]:
    import redis

    broker_proxy.restore()
    client = redis.Redis.from_url(os.environ["BROKER_URL"])
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def client(db: None, broker: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from service.main import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def session(db: None) -> Iterator[Any]:
    from sqlmodel import Session

    from service.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


# --- building a committee through the API -------------------------------------------------


class Api:
    """The API as each kind of user sees it: log in once, then call with that user's token."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    def login(self, email: str, password: str = "password-123") -> str:
        if email not in self.tokens:
            response = self.client.post(
                "/api/v1/auth/token", data={"username": email, "password": password}
            )
            assert response.status_code == 200, response.text
            self.tokens[email] = response.json()["access_token"]
        return self.tokens[email]

    def as_(self, email: str) -> Callable[..., Any]:
        token = self.login(email)

        def call(method: str, path: str, **kwargs: Any) -> Any:
            headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
            return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

        return call


@pytest.fixture
def api(client: Any) -> Api:
    return Api(client)


@functools.cache
def _password_hash() -> str:
    # Hashing once per run keeps argon2's deliberate slowness out of every test's setup.
    from service.auth.security import hash_password

    return hash_password("password-123")


@pytest.fixture
def committee(session: Any, api: Api) -> dict[str, Any]:
    """Two organisations, an admin, a chair, three reviewers, two applicants and a committee."""
    from service.auth.models import Role, User
    from service.committees.models import CommitteeCreate
    from service.committees.service import create_committee
    from service.organisations.models import Organisation
    from service.proposals.vocabulary import TherapeuticArea

    acme = Organisation(name="Acme Bio", country="CN", email_domains=["acme.example"])
    other = Organisation(name="Other Pharma", country="KZ", email_domains=["other.example"])
    session.add_all([acme, other])
    session.flush()

    def user(email: str, role: Role, organisation: Organisation | None = None, **extra: Any) -> Any:
        created = User(
            email=email,
            full_name=email.split("@")[0],
            role=role,
            organisation_id=organisation.id if organisation else None,
            password_hash=_password_hash(),
            **extra,
        )
        session.add(created)
        session.flush()
        return created

    admin = user("admin@committee.example", Role.admin)
    chair = user("chair@committee.example", Role.chair, expertise_keywords=["oncology"])
    reviewers = [
        user(f"reviewer{i}@reviewers.example", Role.reviewer, expertise_keywords=[kw])
        for i, kw in enumerate(["oncology antibody", "cell therapy", "regulatory dossier"])
    ]
    applicant = user("applicant@acme.example", Role.applicant, acme)
    rival = user("applicant@other.example", Role.applicant, other)
    board = create_committee(
        session=session,
        admin=admin,
        data=CommitteeCreate(
            name="Biomedicine",
            therapeutic_areas=list(TherapeuticArea),
            chair_ids=[chair.id],
            reviewer_ids=[r.id for r in reviewers],
        ),
    )
    session.commit()
    return {
        "admin": admin.email,
        "chair": chair.email,
        "reviewers": [r.email for r in reviewers],
        "applicant": applicant.email,
        "rival": rival.email,
        "organisation_id": str(acme.id),
        "committee_id": str(board.id),
    }


COMPLETE_PROPOSAL = {
    "title": "Bispecific antibody R&D centre",
    "summary": "A PD-1 x VEGF bispecific antibody for solid tumours.",
    "therapeutic_area": "oncology",
    "modality": "bispecific_antibody",
    "phase": "phase_2",
    "budget_requested": 60_000_000,
    "expected_peak_sales": 800_000_000,
    "target_launch_year": 2033,
    "target_markets": ["CN", "KZ"],
    "keywords": ["bispecific", "oncology"],
}


@pytest.fixture
def draft(api: Api, committee: dict[str, Any]) -> dict[str, Any]:
    """A complete draft of the applicant's organisation."""
    response = api.as_(committee["applicant"])("POST", "/proposals", json=COMPLETE_PROPOSAL)
    assert response.status_code == 201, response.text
    return dict(response.json())
