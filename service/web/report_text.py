"""The prospect report's sentences in the reader's language, from their stored codes and values.

The analysis keeps each sentence as a wording (service/analysis/wording.py); a page fills the
translated template with values written the reader's way. A report stored before wordings
were kept has none: its English sentences are shown as they are.
"""

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from babel.numbers import format_decimal, format_percent

from service.analysis.wording import (
    FLAG_LABELS,
    KINDS,
    Translate,
    Value,
    ValueWriter,
    english_value,
    fill,
    sensitivity_driver,
    sensitivity_setting,
)
from service.proposals.vocabulary import Phase, TherapeuticArea
from service.web.i18n import DEFAULT, Formats, translations


class ReportText:
    """What a template calls to show the report's sentences in one language."""

    def __init__(self, language: str, formats: Formats, label: Callable[[StrEnum], str]) -> None:
        self.formats = formats
        self.label = label  # a vocabulary value's words (render.label in this language)
        self._translate: Translate = translations(language).gettext
        # English readers read the API's own sentences, word for word.
        self._value: ValueWriter = english_value if language == DEFAULT else self._localised

    def driver(self, driver: str) -> str:
        """A sensitivity row's driver ("peak sales") in the reader's words."""
        return sensitivity_driver(driver, self._translate)

    def setting(self, text: str) -> str:
        """A sensitivity row's setting ("x0.5", "2 years earlier") in the reader's words."""
        return sensitivity_setting(text, self._translate)

    def _localised(self, name: str, value: Value, translate: Translate) -> str:
        kind = KINDS.get(name)
        locale = self.formats.locale
        if kind == "percent1":
            return self.formats.percent(float(value))
        if kind == "percent0":
            return format_percent(float(value), "#,##0%", locale=locale)
        if kind == "years1":
            return format_decimal(float(value), "#,##0.0", locale=locale)
        if kind == "usd":
            return self.formats.money(float(value))
        if kind == "count":
            return format_decimal(round(float(value)), locale=locale)
        if kind == "area" and value in TherapeuticArea.__members__:
            return self.label(TherapeuticArea(str(value)))
        if kind == "phase":
            # A proposal's phase (phase_1) or a benchmark stage's name (Phase I).
            found = Phase(str(value)) if value in Phase.__members__ else str(value)
            return self.label(found) if isinstance(found, Phase) else translate(found)
        if kind == "flags":
            codes = [c.strip() for c in str(value).split(",")]
            return ", ".join(translate(FLAG_LABELS.get(c, c)) for c in codes)
        if kind == "message":
            return translate(str(value))
        return str(value)

    def sentence(self, wording: Mapping[str, Any] | None, english: str | None = "") -> str:
        """One sentence: from its wording when the report kept one, else its English."""
        if not wording:
            return english or ""
        return fill(wording, self._translate, self._value)

    def sentences(
        self, wordings: Sequence[Mapping[str, Any]] | None, english: Sequence[str] | None
    ) -> list[str]:
        """A list of sentences (flags, caveats): the wordings if kept, else the English."""
        if wordings:
            return [fill(w, self._translate, self._value) for w in wordings]
        return list(english or [])

    def flag_label(self, code: str, english: str) -> str:
        return self._translate(FLAG_LABELS[code]) if code in FLAG_LABELS else english

    def term(self, name: str) -> str:
        """A benchmark row's label or a stage's name (ROW_LABELS, STAGE_NAMES) translated."""
        return self._translate(name)
