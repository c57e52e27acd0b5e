"""Idempotency keys: a request retried with the same `Idempotency-Key` gets the first answer.

The key is claimed in a transaction of its own before the work starts, so two requests with
the same key never both do the work: the second waits for the first to finish and replays its
answer, concurrency or not. The answer is stored in the same transaction as the work, so a
crash leaves either both or neither. A claim whose request died (the API process killed) is
taken over after IDEMPOTENCY_CLAIM_SECONDS.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, UniqueConstraint, delete, update
from sqlmodel import Field, Session, SQLModel, col, select

from service.config import get_settings
from service.db import UTCDateTime, get_engine, id_field, insert_new_only, utcnow
from service.deps import CurrentUser
from service.errors import IdempotencyKeyReused, RequestInProgress


class IdempotencyKey(SQLModel, table=True):
    """A request sent with an Idempotency-Key: claimed while it runs, then its answer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: UUID = id_field()
    user_id: UUID = Field(foreign_key="users.id")
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    # Both empty while the first request runs.
    status_code: int | None = None
    response_body: dict[str, object] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


@dataclass(frozen=True)
class _Answer:
    status_code: int
    body: Any


def _claim(user_id: UUID, key: str, request_hash: str) -> UUID | _Answer:
    """Claim the key for this request (its id), or the answer of the request that had it.

    Waits while another request holding the key runs; takes over a claim left by a request
    that died, or one older than IDEMPOTENCY_HOURS.
    """
    settings = get_settings()
    table = IdempotencyKey.__table__  # type: ignore[attr-defined]
    deadline = time.monotonic() + settings.idempotency_wait_seconds
    while True:
        now = utcnow()
        with Session(get_engine()) as session:
            claimed = session.execute(
                insert_new_only(session, table, ["user_id", "key"]).returning(table.c.id),
                {"user_id": user_id, "key": key, "request_hash": request_hash, "created_at": now},
            ).scalar()
            if claimed is None:
                row = session.exec(
                    select(IdempotencyKey).where(
                        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
                    )
                ).one()
                expired = row.created_at < now - timedelta(hours=settings.idempotency_hours)
                abandoned = row.status_code is None and row.created_at < now - timedelta(
                    seconds=settings.idempotency_claim_seconds
                )
                if expired or abandoned:
                    # Compare and set: of two requests taking it over, one wins.
                    claimed = session.execute(
                        update(table)
                        .where(table.c.id == row.id, table.c.created_at == row.created_at)
                        .values(
                            request_hash=request_hash,
                            status_code=None,
                            response_body=None,
                            created_at=now,
                        )
                        .returning(table.c.id)
                    ).scalar()
                elif row.request_hash != request_hash:
                    raise IdempotencyKeyReused(
                        "Idempotency-Key was already used for a different request",
                        field="Idempotency-Key",
                    )
                elif row.status_code is not None:
                    return _Answer(row.status_code, row.response_body)
            session.commit()
        if claimed is not None:
            return UUID(str(claimed))
        if time.monotonic() > deadline:
            raise RequestInProgress(
                "a request with this Idempotency-Key is still running; retry shortly",
                field="Idempotency-Key",
            )
        time.sleep(0.05)


def _release(claim: UUID) -> None:
    """Give the key up after the request failed: a retry does the work again."""
    with Session(get_engine()) as session:
        session.execute(delete(IdempotencyKey).where(col(IdempotencyKey.id) == claim))
        session.commit()


@dataclass(frozen=True)
class Idempotent:
    """A write request and its optional Idempotency-Key: runs its work once per key."""

    user_id: UUID
    key: str | None
    request_hash: str

    def respond(
        self, session: Session, work: Callable[[], BaseModel], status_code: int = 200
    ) -> JSONResponse:
        """Run `work` in `session` and commit, or replay the first answer to the same key."""
        if self.key is None:
            body = jsonable_encoder(work())
            session.commit()
            return JSONResponse(body, status_code)
        claim = _claim(self.user_id, self.key, self.request_hash)
        if isinstance(claim, _Answer):
            return JSONResponse(claim.body, claim.status_code)
        try:
            body = jsonable_encoder(work())
            session.execute(
                update(IdempotencyKey)
                .where(col(IdempotencyKey.id) == claim)
                .values(status_code=status_code, response_body=body)
            )
            session.commit()
        except BaseException:
            session.rollback()
            _release(claim)
            raise
        return JSONResponse(body, status_code)


async def _idempotent(
    request: Request,
    user: CurrentUser,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            description="Retrying with the same key replays the first answer instead of "
            "doing the work again.",
        ),
    ] = None,
) -> Idempotent:
    body = await request.body()
    return Idempotent(user.id, idempotency_key, fingerprint(request.method, request.url.path, body))


IdempotentDep = Annotated[Idempotent, Depends(_idempotent)]
