"""Values the service will accept from a client: only what it can store and render again.

JSON may carry a lone UTF-16 surrogate (`"\\ud800"`), a NUL or other control characters.
None of them is text: a surrogate cannot be encoded as UTF-8 (the response that echoes it
fails), PostgreSQL refuses NUL, and control characters break the e-mails and reports built
from the value. They are refused where the request is parsed, naming the field, so nothing
stored is unreadable later. Integers are held to what a 64-bit column stores (SQLite raises
OverflowError beyond it); fields add tighter bounds of their own.
"""

import json
from typing import Any

from fastapi import Request
from pydantic import field_validator
from sqlmodel import SQLModel

from service.errors import InvalidInput

# Tab, line feed and carriage return are ordinary in a multi-line summary.
_ALLOWED_CONTROLS = frozenset("\t\n\r")
INT64_MAX = 2**63 - 1


def text_problem(value: str) -> str | None:
    """Why `value` is not storable text, or None when it is."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone UTF-16 surrogate, which is not a character"
    for char in value:
        if char == "\x00":
            return "contains a NUL character (U+0000), which text cannot hold"
        if (char < " " or "\x7f" <= char < "\xa0") and char not in _ALLOWED_CONTROLS:
            return f"contains the control character U+{ord(char):04X}"
    return None


def _problem(value: Any) -> str | None:
    """Why `value` (or any value inside it) cannot be stored, or None."""
    try:
        _check(value)
    except ValueError as problem:
        return str(problem)
    return None


def _first_unstorable(value: Any, path: str) -> tuple[str, str] | None:
    """The path of the first value inside a JSON document that cannot be stored, and why."""
    if isinstance(value, dict):
        for key, item in value.items():
            found = (
                _first_unstorable(item, f"{path}.{key}")
                if _problem(key) is None
                else (
                    path,
                    f"a key {_problem(key)}",
                )
            )
            if found:
                return found
        return None
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := _first_unstorable(item, f"{path}[{index}]"):
                return found
        return None
    problem = _problem(value)
    return (path, problem) if problem else None


async def storable_body(request: Request) -> None:
    """Refuse a JSON body holding any value that could not be stored or shown again.

    A dependency of the whole API, so no request model can forget it; the models that inherit
    StorableInput say the same at validation, with their own field names.
    """
    if not request.headers.get("content-type", "").startswith("application/json"):
        return
    body = await request.body()
    try:
        document = json.loads(body) if body else None
    except ValueError:
        return  # not JSON at all: the route's own validation answers that
    if found := _first_unstorable(document, "body"):
        path, problem = found
        # Named as validation errors name fields: the path inside the body.
        field = path.removeprefix("body.")
        raise InvalidInput(f"{field}: {problem}", field=field)


def _check(value: Any) -> None:
    if isinstance(value, int) and not -INT64_MAX <= value <= INT64_MAX:
        raise ValueError("is beyond the largest number that can be stored")
    if isinstance(value, str):
        if problem := text_problem(value):
            raise ValueError(problem)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key)
            _check(item)


class StorableInput(SQLModel):
    """Base of request models: every text and number in every field must be storable."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        _check(value)
        return value
