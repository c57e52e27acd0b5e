"""Idempotency keys: a retried request with the same key replays the first response."""

import hashlib
from datetime import timedelta
from uuid import UUID

from sqlmodel import Session, select

from service.config import get_settings
from service.db import utcnow
from service.errors import IdempotencyKeyReused
from service.proposals.models import IdempotencyKey


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def recall(
    *, session: Session, user_id: UUID, key: str, request_hash: str
) -> IdempotencyKey | None:
    """The stored first response for this key, or None if the key is new (or expired).

    The same key sent with a different request is refused: it would replay the wrong answer.
    """
    row = session.exec(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).first()
    if row is None:
        return None
    if row.created_at < utcnow() - timedelta(hours=get_settings().idempotency_hours):
        session.delete(row)
        session.flush()
        return None
    if row.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "Idempotency-Key was already used for a different request", field="Idempotency-Key"
        )
    return row


def remember(
    *,
    session: Session,
    user_id: UUID,
    key: str,
    request_hash: str,
    status_code: int,
    body: dict[str, object],
) -> None:
    session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            request_hash=request_hash,
            status_code=status_code,
            response_body=body,
        )
    )
