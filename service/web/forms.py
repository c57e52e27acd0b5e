"""Form fields in, the same Pydantic models as the API, each field's error in the reader's words."""

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from service.errors import DomainError
from service.web.i18n import N_

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
}
# Errors our own validators raise, by field: what the reader should do instead.
_FIELD_MESSAGES: dict[str, str] = {
    "target_markets": N_("Use two-letter country codes, such as CN or KZ."),
    "keywords": N_("At most 50 entries of at most 200 characters each."),
    "declared_conflicts": N_("At most 50 entries of at most 200 characters each."),
    "expertise_keywords": N_("At most 50 entries of at most 200 characters each."),
    "standing_conflicts": N_("At most 50 entries of at most 200 characters each."),
    "body": N_("Write something first: the text is empty."),
}
_INVALID = N_("This value is not valid.")

LIST_FIELDS = ("target_markets", "keywords", "declared_conflicts")
NUMBER_FIELDS = ("budget_requested", "expected_peak_sales", "target_launch_year")
TEXT_FIELDS = ("title", "summary", "therapeutic_area", "modality", "phase")


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
