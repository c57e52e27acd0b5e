"""The one way a list is searched by text: a case-insensitive substring, wildcards escaped."""

from typing import Any

from sqlalchemy import ColumnElement, func, or_


def contains(text: str, *columns: Any) -> ColumnElement[bool]:
    """Rows where any of `columns` holds `text`, whatever the case.

    Escaped: a % or _ typed by the searcher is looked for as itself, never as a wildcard.
    """
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))
