"""The migration chain builds the schema the models describe, and unwinds cleanly."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, inspect

from service.cli import _alembic_config


@pytest.fixture
def empty_database() -> Iterator[str]:
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"committee_migrations_{uuid.uuid4().hex[:8]}"
    admin_url = server.replace("postgresql+psycopg", "postgresql") + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _config(url: str) -> Config:
    config = _alembic_config(url)
    config.attributes["configure_logger"] = False
    return config


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_builds_the_schema_without_drift(empty_database: str) -> None:
    config = _config(empty_database)
    command.upgrade(config, "head")
    assert {"proposals", "proposal_transitions", "outbox", "users"} <= _tables(empty_database)
    try:
        command.check(config)
    except CommandError as drift:
        pytest.fail(f"the models and the migrations differ: {drift}")


def test_downgrade_to_base_and_back(empty_database: str) -> None:
    config = _config(empty_database)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert _tables(empty_database) == {"alembic_version"}
    command.upgrade(config, "head")
    assert "proposals" in _tables(empty_database)


def test_chain_runs_on_sqlite_the_zero_setup_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'committee.db'}"
    config = _config(url)
    command.upgrade(config, "head")
    try:
        command.check(config)
    except CommandError as drift:
        pytest.fail(f"the models and the migrations differ on SQLite: {drift}")
    command.downgrade(config, "base")
    assert _tables(url) == {"alembic_version"}
