"""Engine, sessions and the column types every model shares."""

import select
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar
from uuid import UUID, uuid4

from sqlalchemy import DateTime, Engine, Insert, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import Select
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel

from service.config import get_settings
from service.errors import EditConflict

# Stable constraint names, so that Alembic can drop and alter them on every backend.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def id_field() -> Any:
    return Field(default_factory=uuid4, primary_key=True)


def created_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def updated_field() -> Any:
    return Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
    )


class Record(SQLModel):
    """Columns every stored object has: a UUID and its creation and last-change times."""

    id: UUID = id_field()
    created_at: datetime = created_field()
    updated_at: datetime = updated_field()


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # WAL and a busy timeout let the API, the worker and beat share one SQLite file.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled connection the server has closed, without a round trip to it.

    An idle PostgreSQL connection receives nothing unasked; once its server shuts down,
    restarts or ends the session, the socket holds the goodbye or the end of the stream and
    reads as ready. The pool then opens a fresh connection instead (SQLAlchemy's documented
    pessimistic handling through the checkout event), so a restart fails no request, without
    pool_pre_ping's SELECT 1, a round trip on every checkout.
    """
    if dbapi_connection.closed:
        raise DisconnectionError("the connection was closed")
    waiting = select.poll()
    waiting.register(dbapi_connection.fileno(), select.POLLIN)
    if waiting.poll(0):
        raise DisconnectionError("the server has closed the connection")


@cache
def engine_for(url: str) -> Engine:
    """One pooled engine per database URL for the life of the process."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server that does not answer (a host down, a network cut, not a refused port) would
    # hold each request for the operating system's TCP timeout, minutes, and the client would
    # give up with no answer; after a few seconds it is a 503 the client can retry.
    engine = create_engine(url, pool_size=10, max_overflow=10, connect_args={"connect_timeout": 5})
    event.listen(engine, "checkout", _closed_by_server)
    return engine


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work for tasks and commands: commits on success, rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def flush_or_conflict(session: Session, what: str) -> None:
    """Flush; a row changed meanwhile by someone else (optimistic lock) becomes EditConflict.

    The caller's unit of work (the request or the task) rolls back; services never do.
    """
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(f"{what} was changed by someone else; reload it and try again") from None


Q = TypeVar("Q", bound=Select[Any])

# What differs between PostgreSQL (production) and SQLite (the zero-setup default), in one place.


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def skip_locked(session: Session, query: Q, **of: Any) -> Q:
    """Lock the rows read so a concurrent worker skips them (PostgreSQL); SQLite serialises."""
    if _is_postgresql(session):
        return query.with_for_update(skip_locked=True, **of)
    return query


def relaxed_commit(session: Session) -> None:
    """Let this transaction commit without waiting for the WAL flush (PostgreSQL only).

    For bookkeeping whose loss in a database crash only repeats work every task tolerates
    (a start count, a "sent" mark): it saves a disk round trip per transaction.
    """
    if _is_postgresql(session):
        session.execute(text("SET LOCAL synchronous_commit = off"))


def upserting_insert(session: Session, table: Table) -> Any:
    """The dialect's INSERT, which offers ON CONFLICT DO NOTHING / DO UPDATE."""
    dialect = postgresql if _is_postgresql(session) else sqlite
    return dialect.insert(table)


def insert_new_only(session: Session, table: Table, unique: list[str]) -> Insert:
    """An INSERT that skips rows whose `unique` columns already exist (ON CONFLICT DO NOTHING)."""
    statement: Insert = upserting_insert(session, table).on_conflict_do_nothing(
        index_elements=unique
    )
    return statement
