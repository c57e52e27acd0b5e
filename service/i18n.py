"""The service's languages: one set of Babel catalogues for pages, e-mails and letters.

The catalogues live beside the pages (service/web/locale) because most messages are theirs;
e-mails and letters are written by services that must not import the web edge, so the
catalogue itself, the reader's language and the translatable `Text` are here.
"""

import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "web" / "locale"
DOMAIN = "messages"
# The languages, in the order the page switcher shows them; the first is the fallback.
LANGUAGES: dict[str, str] = {"en": "English", "zh_Hans": "简体中文", "ru": "Русский"}
DEFAULT = "en"
# Where a reader has not chosen, the language their organisation's country reads: the SCO
# states whose official or common business language is Russian, and China.
COUNTRY_LANGUAGES: dict[str, str] = {
    "CN": "zh_Hans",
    "RU": "ru",
    "BY": "ru",
    "KZ": "ru",
    "KG": "ru",
    "TJ": "ru",
    "UZ": "ru",
}


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of `language` (English needs none: its messages are the keys).

    Compiled from the .po in memory at first use, so a fresh clone needs no compile step and
    a .mo file can never be older than its .po.
    """
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def reader_language(chosen: str | None, country: str | None = None) -> str:
    """The language to write to someone in: their choice, else their country's, else English."""
    if chosen in LANGUAGES:
        return str(chosen)
    return COUNTRY_LANGUAGES.get((country or "").upper(), DEFAULT)


@dataclass(frozen=True)
class Text:
    """A message written now and read later in the reader's language.

    `message` is an English catalogue key with %(name)s placeholders (marked for extraction
    with N_ where it is written); `params` fill them and are not translated (titles, names,
    links, numbers).
    """

    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, language: str) -> str:
        translated = translations(language).gettext(self.message)
        if not self.params:
            return translated
        # A parameter may itself be a Text (a screening reason inside a sentence).
        values = {
            k: v.render(language) if isinstance(v, Text) else v for k, v in self.params.items()
        }
        return translated % values


# What a message says: a Text, the author's own words (a str, shown as written), or lines of
# those; a list among the lines is a bulleted list.
Wording = Text | str | Sequence["Text | str | Sequence[Text | str]"]


def render(parts: Wording, language: str) -> str:
    """A wording in `language`."""
    if isinstance(parts, str):
        return parts
    if isinstance(parts, Text):
        return parts.render(language)
    lines = []
    for part in parts:
        if isinstance(part, str | Text):
            lines.append(render(part, language))
        else:
            lines += [f"- {render(item, language)}" for item in part]
    return "\n".join(lines)
