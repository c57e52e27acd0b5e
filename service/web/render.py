"""Rendering a page: one Jinja2 environment per language, the layout's common context."""

import functools
from enum import StrEnum
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.auth.models import User
from service.web import i18n, sessions
from service.web.labels import CRITERIA, FIELDS, LABELS
from service.web.report_text import ReportText

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def gettext(language: str, message: str) -> str:
    return i18n.translations(language).gettext(message)


def label(language: str, value: StrEnum | str | None) -> str:
    """The words for a vocabulary value in `language` (the raw value when none are known)."""
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        words = LABELS.get(type(value), {}).get(value.value)
        return gettext(language, words) if words else value.value
    for vocabulary in LABELS.values():
        if value in vocabulary:
            return gettext(language, vocabulary[value])
    return value


def helpers(language: str) -> dict[str, Any]:
    """What every template reads to write in `language`: formats, labels, country names."""
    formats = i18n.Formats(language)
    in_language = functools.partial(label, language)
    return {
        "language": language,
        "html_lang": language.replace("_", "-"),
        "fmt": formats,
        "label": in_language,
        "report_text": ReportText(language, formats, in_language),
        "field_label": lambda name: gettext(language, FIELDS[name]) if name in FIELDS else name,
        "criterion_label": lambda key, fallback: (
            gettext(language, CRITERIA[key]) if key in CRITERIA else fallback
        ),
        "country": lambda code: formats.locale.territories.get(code, code),
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    user: User | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    language = i18n.language_of(request)
    page = environment(language).get_template(template)
    html = page.render(
        request=request,
        user=user,
        languages=i18n.LANGUAGES,
        csrf_field=sessions.CSRF_FIELD,
        csrf_token=sessions.csrf_token(request),
        **helpers(language),
        **(context or {}),
    )
    response = HTMLResponse(html, status_code=status_code)
    sessions.remember_csrf(request, response)
    return response


def redirect(url: str) -> RedirectResponse:
    """After a form POST: See Other, so a reload does not post again."""
    return RedirectResponse(url, status_code=303)
