"""Form fields in, the same Pydantic models as the API, each field's error in the reader's words."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from service.auth.models import User
from service.errors import DomainError
from service.web import i18n
from service.web.i18n import N_
from service.web.render import gettext, redirect, render

# Pydantic's error types as a reader is told them; `{...}` takes the error's context.
_MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "string_too_short": N_("Use at least {min_length} characters."),
    "string_too_long": N_("Use at most {max_length} characters."),
    "greater_than_equal": N_("Must be at least {ge}."),
    "less_than_equal": N_("Must be at most {le}."),
    "greater_than": N_("Must be more than {gt}."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "enum": N_("Choose one of the options."),
    "too_long": N_("Too many entries."),
    "bool_parsing": N_("Choose one of the options."),
    "url_parsing": N_("Enter a web address such as https://example.org/hooks."),
    "url_scheme": N_("Enter a web address such as https://example.org/hooks."),
    "url_type": N_("Enter a web address such as https://example.org/hooks."),
}
# Errors our own validators raise, by field: what the reader should do instead.
_FIELD_MESSAGES: dict[str, str] = {
    "target_markets": N_("Use two-letter country codes, such as CN or KZ."),
    "keywords": N_("At most 50 entries of at most 200 characters each."),
    "declared_conflicts": N_("At most 50 entries of at most 200 characters each."),
    "expertise_keywords": N_("At most 50 entries of at most 200 characters each."),
    "standing_conflicts": N_("At most 50 entries of at most 200 characters each."),
    "body": N_("Write something first: the text is empty."),
    "email": N_("Enter an e-mail address such as name@example.org."),
    "url": N_("Use at most 2000 characters."),
    "events": N_("Choose among the events offered."),
}
_INVALID = N_("This value is not valid.")

LIST_FIELDS = ("target_markets", "keywords", "declared_conflicts")
NUMBER_FIELDS = (
    "budget_requested",
    "expected_peak_sales",
    "target_launch_year",
    "team_size",
    "staff_international_experience",
    "overseas_sites",
)
TEXT_FIELDS = ("title", "summary", "therapeutic_area", "modality", "phase", "indication_detail")
# Yes / no / not stated: a select whose empty choice leaves the field unset (None).
YES_NO_FIELDS = ("rare_disease", "biomarker")
_YES_NO = {"yes": True, "no": False, "": None}


def proposal_payload(form: FormData) -> dict[str, Any]:
    """The proposal fields of a posted form, as the JSON body the API would receive.

    An empty input means "not given" (None); lists come one entry per line or comma.
    """
    payload: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = str(form.get(name) or "").strip()
        payload[name] = value or (None if name not in ("summary", "title") else "")
    for name in NUMBER_FIELDS:
        raw = str(form.get(name) or "").replace(" ", "").replace(",", "").strip()
        payload[name] = raw or None
    for name in YES_NO_FIELDS:
        raw = str(form.get(name) or "").strip()
        # Anything else goes on as sent, for the model to refuse beside the field.
        payload[name] = _YES_NO.get(raw, raw)
    payload["target_markets"] = [str(v) for v in form.getlist("target_markets") if str(v)]
    for name in ("keywords", "declared_conflicts"):
        payload[name] = entries(str(form.get(name) or ""))
    return payload


def entries(text: str) -> list[str]:
    """A list typed into a text box: one entry per line or comma, blanks dropped."""
    return [v.strip() for v in text.replace(",", "\n").splitlines() if v.strip()]


def field_errors(error: ValidationError, gettext: Any) -> dict[str, str]:
    """The first error of each field, translated, keyed by the form field's name."""
    found: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        if field in found:
            continue
        found[field] = _message(item, field, gettext)
    return found


def _message(item: Any, field: str, gettext: Any) -> str:
    """One Pydantic error in the reader's words."""
    kind = item["type"]
    if kind == "value_error" and field in _FIELD_MESSAGES:
        template = _FIELD_MESSAGES[field]
    elif kind == "string_too_short" and (item.get("ctx") or {}).get("min_length") == 1:
        template = _MESSAGES["missing"]  # "at least 1 characters" says it badly
    else:
        template = _MESSAGES.get(kind, _INVALID)
    context = {k: v for k, v in (item.get("ctx") or {}).items() if isinstance(v, int | float)}
    try:
        return str(gettext(template)).format(**context)
    except (KeyError, IndexError):
        return str(gettext(_INVALID))


# Why the password rule (service/auth/passwords.py) refused a password, by the refusal's code;
# the strength estimator's own hints are not translated, so a weak password gets the one
# advice that always holds.
_PASSWORD_PROBLEMS: dict[str, str] = {
    "password_incorrect": N_("The current password is not right."),
    "password_too_short": N_("Use at least {min_length} characters."),
    "password_personal": N_("The password must not contain your e-mail address or name."),
    "password_guessable": N_(
        "This password is too easy to guess; a phrase of several unrelated words is stronger."
    ),
}


def password_error(refused: DomainError, gettext: Any) -> str:
    """The service's refusal of a password in the reader's words, by its code."""
    code = str(refused.extra.get("code") or "password_guessable")
    template = _PASSWORD_PROBLEMS.get(code, _INVALID)
    params = refused.extra.get("params") or {}
    try:
        return str(gettext(template)).format(**params)
    except (KeyError, IndexError):
        return str(gettext(_INVALID))


# A nested form's errors: what is wrong with a row as a whole, and how to read a date.
_ROW_MESSAGES: dict[str, str] = {
    "unavailable_periods": N_("The end is before the start."),
}
_DATE_ERRORS = frozenset(
    {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}
)
_DATE = N_("Enter a date as year-month-day, such as 2027-03-31.")


M = TypeVar("M", bound=BaseModel)
Translate = Callable[[str], str]


@dataclass(frozen=True)
class Refusal:
    """A service's refusal shown beside a form field instead of an error page.

    It matches an `error` of this type naming `field` (or naming none); `message` is the
    message to translate, or a function of the refusal (its code and values) and the translator.
    """

    error: type[DomainError]
    field: str
    message: str | Callable[[DomainError, Translate], str]

    def explain(self, refused: DomainError, translate: Translate) -> str:
        if isinstance(self.message, str):
            return translate(self.message)
        return self.message(refused, translate)


async def submit_form(
    request: Request,
    session: Session,
    *,
    model: type[M],
    payload: Mapping[str, Any],
    act: Callable[[M], str | Response],
    template: str,
    context: Callable[[dict[str, str]], dict[str, Any]],
    user: User | None = None,
    refusals: Sequence[Refusal] = (),
) -> Response:
    """A form post, the same way on every page: validate `payload` with the API's own `model`,
    `act` on it (the service call; it answers where to go next, or the response itself),
    commit and redirect (303). Otherwise nothing is kept, and `template` is shown again with
    `context(errors)`, each field's error in the reader's words: the model's, and the
    service's `refusals`. Any other refusal is the page's error page (404, 403, 409...).

    `act` runs off the event loop: the services it calls may hash passwords, which is slow.
    """
    language = i18n.language_of(request)

    def translate(message: str) -> str:
        return gettext(language, message)

    try:
        data = model.model_validate(dict(payload))
        outcome = await run_in_threadpool(act, data)
    except ValidationError as error:
        errors, status = field_errors(error, translate), 422
    except DomainError as refused:
        named = refused.extra.get("field")
        found = next(
            (r for r in refusals if isinstance(refused, r.error) and named in (None, r.field)),
            None,
        )
        if found is None:
            raise
        errors, status = (
            {found.field: found.explain(refused, translate)},
            refused.status_code,
        )
    else:
        session.commit()
        return outcome if isinstance(outcome, Response) else redirect(outcome)
    session.rollback()
    return render(request, template, context(errors), user=user, status_code=status)


def valid_part(
    model: type[M], payload: Mapping[str, Any], translate: Translate
) -> tuple[M, dict[str, str]]:
    """What of `payload` passes `model`, and each other field's error: an autosave keeps the
    fields written so far and says what is wrong with the rest."""
    try:
        return model.model_validate(dict(payload)), {}
    except ValidationError as error:
        errors = field_errors(error, translate)
    kept = {name: value for name, value in payload.items() if name not in errors}
    return model.model_validate(kept), errors


def row_errors(error: ValidationError, gettext: Any) -> dict[str, str]:
    """Like field_errors, keyed by the whole path ("unavailable_periods.0.end"), so that a
    form with rows shows each error beside the row's own input."""
    found: dict[str, str] = {}
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"])
        if path in found:
            continue
        field = str(item["loc"][0]) if item["loc"] else ""
        if item["type"] == "value_error" and len(item["loc"]) > 1 and field in _ROW_MESSAGES:
            found[path] = str(gettext(_ROW_MESSAGES[field]))
        elif item["type"] in _DATE_ERRORS:
            found[path] = str(gettext(_DATE))
        else:
            found[path] = _message(item, field, gettext)
    return found
