"""Plain text search in list queries: "contains", whatever the case, wildcards taken literally."""

from typing import Any

from sqlalchemy import ColumnElement, func


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text`, ignoring case; a % or _ typed is looked for as itself."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")
