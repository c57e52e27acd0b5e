"""Domain errors carry their HTTP status; handlers render every error as one JSON shape.

The shape is {"error": ClassName, "detail": text, "fields": [{"field", "message"}, ...]}, with
`fields` always a list (empty when no single field is to blame), whatever went wrong: a domain
error, invalid input, the database being away (503) or a bug (500).
"""

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.auth.passwords import CODES as PASSWORD_CODES

log = logging.getLogger(__name__)

# What a 503 tells clients to wait before retrying: a database restart or fail-over takes
# seconds, and clients that all retry at once the moment it is back would queue again.
DATABASE_RETRY_AFTER_SECONDS = 5


class DomainError(Exception):
    """Base of every expected failure; subclasses set the status code."""

    status_code = 400

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class NotAuthenticated(DomainError):
    status_code = 401


class Conflict(DomainError):
    status_code = 409


class InvalidTransition(Conflict):
    """The workflow refuses this move now; `legal` lists the moves that are."""


class EditConflict(Conflict):
    """Somebody else changed the object first (optimistic locking)."""


class IdempotencyKeyReused(DomainError):
    """The same Idempotency-Key was sent with a different request."""

    status_code = 422


class RequestInProgress(DomainError):
    """A request with the same Idempotency-Key is still running."""

    status_code = 409


class InvalidInput(DomainError):
    status_code = 422


class Incomplete(InvalidInput):
    """Required fields are missing for this step; `fields` names each of them."""


class PayloadTooLarge(DomainError):
    status_code = 413


class UnsupportedMediaType(DomainError):
    status_code = 415


class TooManyRequests(DomainError):
    """Refused for now; `retry_after` (seconds) says when to try again."""

    status_code = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)


def _body(name: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": name, "detail": detail, "fields": [], **extra}


def _field_name(loc: tuple[Any, ...]) -> str:
    # FastAPI prefixes the location ("body", "query"); the client wants the field path.
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts)


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.extra["retry_after"])}
    extra = dict(exc.extra)
    # Services name the one field at fault as `field=`; clients read every blamed field from
    # the `fields` list, whichever error it is.
    if "field" in extra:
        problem = {"field": extra.pop("field"), "message": exc.detail}
        # A refusal with a stable code (and its params) lets clients say it in their words.
        if "code" in extra:
            problem |= {"code": extra.pop("code"), "params": extra.pop("params", {})}
        extra["fields"] = [problem]
    return JSONResponse(
        _body(type(exc).__name__, exc.detail, **extra), exc.status_code, headers=headers
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse(_body("MalformedBody", "the request body is not valid JSON"), 400)
    fields: list[dict[str, Any]] = [
        {"field": _field_name(tuple(e["loc"])), "message": e["msg"]} for e in errors
    ]
    for field, e in zip(fields, errors, strict=True):
        if e["type"] in PASSWORD_CODES:  # the same codes as a service's refusal carries
            field |= {"code": e["type"], "params": dict(e.get("ctx") or {})}
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return JSONResponse(_body("ValidationError", detail, fields=fields), 422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    names = {
        404: "NotFound",
        405: "MethodNotAllowed",
        401: "NotAuthenticated",
        413: "PayloadTooLarge",
    }
    name = names.get(exc.status_code, "HTTPError")
    return JSONResponse(
        _body(name, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _data_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DataError)
    # The value itself cannot be stored (a NUL character in text, a number out of the column's
    # range): the client's input, not our state, so a 422 naming the reason.
    reason = str(exc.orig).splitlines()[0] if exc.orig else "invalid value"
    return JSONResponse(
        _body("InvalidInput", f"a value in the request cannot be stored: {reason}"), 422
    )


def _is_unique_violation(exc: IntegrityError) -> bool:
    # PostgreSQL's SQLSTATE for unique_violation; SQLite has only the message to go by.
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(
        exc.orig
    )


async def _integrity_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IntegrityError)
    if not _is_unique_violation(exc):
        raise exc  # any other broken constraint is a bug: a 500, logged with its trace
    # The service checks names and keys before writing; two requests at the same moment can
    # both pass that check, and the database's unique constraint then refuses the second.
    return JSONResponse(
        _body(
            "Conflict",
            "this conflicts with a record saved at the same moment; reload and try again",
        ),
        409,
    )


def payload_too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        _body("PayloadTooLarge", f"the request body exceeds {limit} bytes", limit=limit), 413
    )


def _is_database_away(exc: Exception) -> bool:
    # OperationalError: could not connect, the server closed the connection, the server is
    # shutting down. A connection found dead mid-statement may surface as another DBAPIError
    # class; SQLAlchemy then marks it `connection_invalidated`. A pool that cannot hand out a
    # connection in time is the database not keeping up: the same answer.
    if isinstance(exc, OperationalError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def service_unavailable() -> JSONResponse:
    return JSONResponse(
        _body(
            "ServiceUnavailable",
            "the database is unavailable for the moment; nothing was changed, retry shortly",
        ),
        503,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


async def _database_error(_: Request, exc: Exception) -> JSONResponse:
    if not _is_database_away(exc):
        raise exc  # a statement the database refused for another reason is a bug: a 500
    log.warning("database unavailable: %s", str(exc).splitlines()[0])
    return service_unavailable()


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Starlette logs the trace after this answer is sent; the client gets the one shape.
    if _is_database_away(exc):  # raised where the narrower handlers do not reach
        return service_unavailable()
    return JSONResponse(
        _body("InternalError", "an unexpected error occurred; it has been logged"), 500
    )


class FieldProblem(BaseModel):
    field: str
    message: str
    code: str | None = Field(
        default=None,
        description="A stable code for the refusal where one exists (e.g. password_too_short), "
        "for clients that word it themselves; `message` stays the English text",
    )
    params: dict[str, int | str] | None = Field(
        default=None, description="The values the code's wording takes, e.g. min_length"
    )


class ErrorBody(BaseModel):
    """The one shape of every error answer; some add context (e.g. `state`, `legal`)."""

    model_config = ConfigDict(extra="allow")
    error: str
    detail: str
    fields: list[FieldProblem] = []


def _document_errors(app: FastAPI) -> None:
    """Make the OpenAPI schema promise ErrorBody for every error answer, as the handlers do.

    FastAPI documents its own validation error shape for every operation with a body or
    parameters; clients generated from the schema would otherwise misread our 422s.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        models = schema.setdefault("components", {}).setdefault("schemas", {})
        ref = "#/components/schemas/{model}"
        body = ErrorBody.model_json_schema(ref_template=ref)
        models.update(body.pop("$defs", {}))
        models["ErrorBody"] = body
        for name in ("HTTPValidationError", "ValidationError"):
            models.pop(name, None)
        for model in models.values():
            for field in model.get("properties", {}).values():
                # FastAPI marks an upload by its media type only (OpenAPI 3.1); generated
                # clients (openapi-python-client) send a file only for `format: binary`.
                if field.get("contentMediaType") == "application/octet-stream":
                    field["format"] = "binary"
        content = {"application/json": {"schema": {"$ref": ref.format(model="ErrorBody")}}}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "Invalid input", "content": content}
                for status, description in _error_statuses(path, method, operation).items():
                    responses.setdefault(status, {"description": description, "content": content})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _names_an_object(operation: dict[str, Any]) -> bool:
    """Whether a parameter is an object's id (a UUID), e.g. `?committee=`: it may not exist."""
    return any(
        '"format": "uuid"' in json.dumps(p.get("schema", {}))
        for p in operation.get("parameters", [])
    )


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> dict[str, str]:
    """The error answers an operation can give, judged from its shape, for its schema entry."""
    statuses = {}
    body = operation.get("requestBody", {}).get("content", {})
    if body:
        statuses["400"] = "The body cannot be parsed (not JSON, not multipart)"
    if operation.get("security"):
        statuses["401"] = "No valid bearer token"
        statuses["403"] = "The caller's role may not do this"
    if "{" in path or _names_an_object(operation):
        statuses["404"] = "Not found, or not visible to the caller"
    if method != "get" or "{" in path:
        statuses["409"] = "Conflicts with the current state"
    if body or operation.get("parameters"):
        statuses["422"] = "Invalid input"
    return statuses


def install_error_handlers(app: FastAPI) -> None:
    """Render every error in the one shape the API promises (and the schema documents)."""
    _document_errors(app)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeoutError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
