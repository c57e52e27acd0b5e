"""Cursor pagination, the one style of every list endpoint.

A request passes `limit` (capped at PAGE_SIZE_MAX) and the `cursor` of the previous page; the
answer is `{"items": [...], "next_cursor": ...}`, `next_cursor` null on the last page. Cursors
are keyset positions (the sort key of the last row), so a deep page costs what the first one
does and rows inserted meanwhile neither repeat nor vanish. Lists inside one proposal (its
history, attachments, assignments) are bounded by the proposal and come whole.
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, tuple_

from service.config import get_settings
from service.errors import InvalidInput

T = TypeVar("T")
Q = TypeVar("Q")  # a sqlmodel select of one or several entities

Limit = Annotated[
    int | None, Query(ge=1, description="page size (default PAGE_SIZE_DEFAULT, at most MAX)")
]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: last")


def page_size(limit: int | None) -> int:
    settings = get_settings()
    return min(limit or settings.page_size_default, settings.page_size_max)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([_plain(v) for v in key]).encode()).decode()


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The key a cursor holds, each part parsed as its kind (str, UUID or an aware datetime)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError("wrong shape")
        key: list[Any] = []
        for kind, value in zip(kinds, raw, strict=True):
            if not isinstance(value, str):
                raise ValueError("not text")
            if kind is datetime:
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:  # only aware instants are handed out
                    raise ValueError("naive time")
                key.append(moment.astimezone(UTC))  # OverflowError: out of range
            else:
                key.append(kind(value))
        return key
    except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError):
        raise InvalidInput("cursor: not a cursor this API returned", field="cursor") from None


def after(key: Sequence[tuple[Any, bool]], values: Sequence[Any]) -> Any:
    """Rows sorting after `values` in the order `key` ((column, ascending) pairs) gives."""
    directions = {ascending for _, ascending in key}
    if len(directions) == 1:
        # A row-value comparison is an index range for PostgreSQL; the OR form below makes it
        # walk the index from the start, so deep pages would cost more and more.
        row = tuple_(*(column for column, _ in key))
        return row > tuple(values) if directions == {True} else row < tuple(values)
    clauses = []
    for i, (column, ascending) in enumerate(key):
        equal = [c == v for (c, _), v in zip(key[:i], values[:i], strict=True)]
        beyond = column > values[i] if ascending else column < values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def keyset(
    query: Q,
    key: Sequence[tuple[Any, bool]],
    cursor: str | None,
    kinds: Sequence[type],
    limit: int,
) -> Q:
    """`query` ordered by `key`, from the position after `cursor`, one row beyond the page."""
    select: Any = query
    if cursor is not None:
        select = select.where(after(key, decode_cursor(cursor, kinds)))
    order = [column.asc() if ascending else column.desc() for column, ascending in key]
    page: Q = select.order_by(*order).limit(limit + 1)
    return page


def split_page(
    rows: Sequence[T], limit: int, key_of: Callable[[T], Sequence[Any]]
) -> tuple[list[T], str | None]:
    """The page's rows and the cursor after its last one (None when nothing follows)."""
    if len(rows) > limit:
        return list(rows[:limit]), encode_cursor(key_of(rows[limit - 1]))
    return list(rows), None
