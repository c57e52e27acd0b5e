"""Keyset pages over (created_at, id), newest first, for the account and audit lists."""

import base64
import binascii
import json
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import and_, or_
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from service.errors import InvalidInput

T = TypeVar("T")


def _encode(created_at: datetime, ident: UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(ident)])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(cursor: str) -> tuple[datetime, UUID]:
    try:
        created, ident = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        when = datetime.fromisoformat(created)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, UUID(ident)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, OverflowError):
        raise InvalidInput("cursor: not a cursor this API returned", field="cursor") from None


def page(
    *, session: Session, query: SelectOfScalar[T], model: Any, cursor: str | None, limit: int
) -> tuple[list[T], str | None]:
    """One page of `query` over `model`'s rows, newest first, and the next page's cursor."""
    if cursor is not None:
        created, ident = _decode(cursor)
        query = query.where(
            or_(model.created_at < created, and_(model.created_at == created, model.id < ident))
        )
    query = query.order_by(model.created_at.desc(), model.id.desc())
    rows = list(session.exec(query.limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], _encode(last.created_at, last.id)  # type: ignore[attr-defined]
