"""The prospect report's own sentences on translated pages: from codes, never left in English."""

import csv
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from tests.conftest import Api
from tests.factories import build_world

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def web(db: None, broker: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from service.main import create_app

    with TestClient(create_app(), base_url="https://testserver") as test_client:
        yield test_client


def _page(web: Any, email: str, path: str, language: str) -> str:
    web.cookies.clear()
    found = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text)
    assert found
    signed = web.post(
        "/login",
        data={"email": email, "password": "password-123", "csrf_token": found.group(1)},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    web.cookies.set("lang", language)
    page = web.get(path)
    assert page.status_code == 200, page.text
    return html.unescape(page.text)


def _english(summary_or_report: dict[str, Any], *keys: str) -> list[str]:
    found: list[str] = []
    for key in keys:
        value = summary_or_report[key]
        found += value if isinstance(value, list) else [value]
    return [s for s in found if s]


@pytest.mark.parametrize("language", ["zh_Hans", "ru"])
def test_the_applicants_page_shows_the_analysis_in_its_language(
    web: Any,
    api: Api,
    session: Session,
    committee: dict[str, Any],
    draft: dict[str, Any],
    language: str,
) -> None:
    from service.web.i18n import Formats
    from service.web.render import label
    from service.web.report_text import ReportText

    world = build_world(api, session, committee, draft)
    owner, proposal = world.emails["owner"], world.ids["proposal_id"]
    summary = api.as_(owner)("GET", f"/proposals/{proposal}/analysis").json()["summary"]
    english = _english(summary, "flags", "caveats", "range_in_words")
    assert len(english) >= 5 and summary["flag_wordings"] and summary["caveat_wordings"]

    shown = _page(web, owner, f"/proposals/{proposal}", "en")
    assert [s for s in english if s not in shown] == []  # the English page has them all

    page = _page(web, owner, f"/proposals/{proposal}", language)
    left = [sentence for sentence in english if sentence in page]
    assert not left, f"English analysis sentences on the {language} page: {left}"
    words = ReportText(language, Formats(language), lambda value: label(language, value))
    for kept in ("flag_wordings", "caveat_wordings", "range_wordings"):
        for sentence in words.sentences(summary[kept], []):
            assert sentence in page, sentence


@pytest.mark.parametrize("language", ["zh_Hans", "ru"])
def test_the_reviewers_page_shows_band_reason_flags_and_caveats_in_its_language(
    web: Any,
    api: Api,
    session: Session,
    committee: dict[str, Any],
    draft: dict[str, Any],
    language: str,
) -> None:
    world = build_world(api, session, committee, draft)
    reviewer, proposal = world.emails["accepted"], world.ids["proposal_id"]
    report = api.as_(reviewer)("GET", f"/proposals/{proposal}/analysis").json()["report"]
    english = [report["band_reason"], *report["caveats"]]
    english += [f["detail"] for f in report["flags"]] + [f["label"] for f in report["flags"]]
    # The sensitivity table's drivers and the launch shifts (numbers and "x0.5" read alike).
    sensitivity = (report.get("valuation") or {}).get("sensitivity") or []
    english += [f">{row['driver']}<" for row in sensitivity]
    english += [s for row in sensitivity for s in (row["low_setting"], row["high_setting"])
                if "years" in s]  # fmt: skip
    page = _page(web, reviewer, f"/assignments/{world.ids['assignment_id']}", language)
    # The full report's JSON (API English, by design) sits in its own <pre>: look outside it.
    readable = re.sub(r'<pre class="report">.*?</pre>', "", page, flags=re.S)
    left = [sentence for sentence in english if sentence in readable]
    assert not left, f"English analysis sentences on the {language} page: {left}"


def test_sentences_fill_values_the_readers_way() -> None:
    from service.analysis.wording import say
    from service.web.i18n import Formats
    from service.web.render import label
    from service.web.report_text import ReportText

    reason = say(
        "band_not_strong",
        reasons=[
            say("reason_below_strong", ptrs=0.123, version="bands-2021.2"),
            say("reason_flags", flags="launch_year_ambitious,budget_below_trial_costs"),
        ],
    )
    assert reason.english() == (
        "Not strong: PTRS 12.3% is below the strong threshold (bands-2021.2); flags raised: "
        "launch_year_ambitious,budget_below_trial_costs."
    )
    ru = ReportText("ru", Formats("ru"), lambda value: label("ru", value))
    text = ru.sentence(reason.model_dump())
    assert "12,3" in text and "Год выхода на рынок раньше ориентира" in text
    zh = ReportText("zh_Hans", Formats("zh_Hans"), lambda value: label("zh_Hans", value))
    caveat = say("durations_all_indications", area="neurology").model_dump()
    assert zh.sentence(caveat).endswith("神经病学采用全部适应症的时长。")


def test_a_report_without_wordings_shows_its_english() -> None:
    from service.web.i18n import Formats
    from service.web.render import label
    from service.web.report_text import ReportText

    words = ReportText("ru", Formats("ru"), lambda value: label("ru", value))
    assert words.sentences([], ["Stored before wordings."]) == ["Stored before wordings."]
    assert words.sentence(None, "Old band reason.") == "Old band reason."


def test_every_reference_caveat_is_in_the_catalogues() -> None:
    from service.analysis.wording import REFERENCE_CAVEATS

    reference = ROOT / "service" / "analysis" / "reference"
    caveats = {
        row["caveat"]
        for name in ("bio2021.csv", "costs.csv")
        for row in csv.DictReader((reference / name).read_text(encoding="utf-8").splitlines())
        if row["caveat"]
    }
    assert caveats == set(REFERENCE_CAVEATS)


def test_every_benchmark_row_label_is_in_the_catalogues() -> None:
    from service.analysis.wording import ROW_LABELS

    rows = (ROOT / "service" / "analysis" / "reference" / "bio2021.csv").read_text("utf-8")
    assert {row["subject_label"] for row in csv.DictReader(rows.splitlines())} == set(ROW_LABELS)


def test_every_benchmark_stage_is_in_the_catalogues() -> None:
    from service.analysis.benchmark import STAGES
    from service.analysis.wording import STAGE_NAMES

    assert {stage.name for stage in STAGES} == set(STAGE_NAMES)
