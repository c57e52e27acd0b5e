"""Every string a page shows is in the catalogues, translated into Chinese and Russian."""

import io
from enum import StrEnum
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from service.web.i18n import LANGUAGES, LOCALE_DIR
from service.web.labels import LABELS

ROOT = Path(__file__).resolve().parents[2]


def _source_messages() -> set[str]:
    """What `make messages` would extract from the sources right now."""
    method_map = [
        ("service/web/**.py", "python"),
        ("service/analysis/wording.py", "python"),
        ("service/web/templates/**.html", "jinja2"),
    ]
    options = {"service/web/templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}
    keywords = {"_": None, "gettext": (2,), "N_": None}
    found = extract_from_dir(
        str(ROOT), method_map, options_map=options, keywords=keywords, comment_tags=()
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_page_message_is_translated(language: str) -> None:
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    catalog = read_po(io.BytesIO(po.read_bytes()), locale=language)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_source_messages() - set(translated))
    assert not missing, f"run `make messages` and translate into {language}: {missing}"


def test_placeholders_survive_translation() -> None:
    for language in ("zh_Hans", "ru"):
        po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
        for message in read_po(io.BytesIO(po.read_bytes()), locale=language):
            for marker in ("%(", "{"):
                if isinstance(message.id, str) and marker in message.id:
                    names = {p.split(")")[0].split("}")[0] for p in message.id.split(marker)[1:]}
                    for name in names:
                        assert name in str(message.string), (language, message.id)


def test_every_vocabulary_value_has_words() -> None:
    for vocabulary, words in LABELS.items():
        assert issubclass(vocabulary, StrEnum)
        assert set(words) == {member.value for member in vocabulary}, vocabulary.__name__
