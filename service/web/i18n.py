"""Languages of the pages: the locale of a request and formats by locale.

The catalogues themselves are service.i18n's, shared with e-mails and letters.
"""

import datetime as dt

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal, format_percent
from starlette.requests import Request

from service.i18n import DEFAULT, LANGUAGES, LOCALE_DIR, N_, reader_language, translations

__all__ = ["DEFAULT", "LANGUAGES", "LOCALE_DIR", "N_", "reader_language", "translations"]
LANGUAGE_COOKIE = "lang"


def _known(tag: str) -> str | None:
    """One of LANGUAGES for a language tag such as zh-CN, zh-Hans, ru-RU or en."""
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    if locale.language == "zh":
        # Simplified Chinese is the only Chinese we ship; Taiwan and Hong Kong read Traditional.
        traditional = locale.script == "Hant" or locale.territory in ("TW", "HK", "MO")
        return None if traditional else "zh_Hans"
    return locale.language if locale.language in LANGUAGES else None


def from_accept_language(header: str) -> str | None:
    """The best of LANGUAGES for an Accept-Language header, by the client's q-values."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*":
            weighted.append((-quality, position, tag))
    for _, _, tag in sorted(weighted):
        language = _known(tag)
        if language:
            return language
    return None


def language_of(request: Request) -> str:
    """The page language: the signed-in user's stored language, else the browser's choice (a
    cookie), else Accept-Language, else English.

    The user's language is known once the session user is resolved (sessions.signed_in), which
    every signed-in page does before it renders.
    """
    stored = getattr(request.state, "user_language", None)
    if stored in LANGUAGES:
        return str(stored)
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return from_accept_language(request.headers.get("accept-language", "")) or DEFAULT


class Formats:
    """Dates, numbers and money as a reader of `language` writes them."""

    def __init__(self, language: str) -> None:
        self.locale = Locale.parse(language)

    def datetime(self, value: dt.datetime | None) -> str:
        return "" if value is None else format_datetime(value, "medium", locale=self.locale)

    def date(self, value: dt.datetime | None) -> str:
        return "" if value is None else format_date(value, "medium", locale=self.locale)

    def time(self, value: dt.datetime | None) -> str:
        """Hours and minutes (UTC), as in "saved at 14:05"."""
        return "" if value is None else format_time(value, "short", locale=self.locale)

    def number(self, value: float | None) -> str:
        return "" if value is None else format_decimal(value, locale=self.locale)

    def percent(self, value: float | None) -> str:
        return "" if value is None else format_percent(value, "#,##0.0%", locale=self.locale)

    def money(self, value: float | None, currency: str = "USD") -> str:
        if value is None:
            return ""
        # Sums asked of a committee are whole dollars: the locale's pattern without the cents.
        pattern = self.locale.currency_formats["standard"].pattern.replace(".00", "")
        return format_currency(
            value, currency, format=pattern, locale=self.locale, currency_digits=False
        )
