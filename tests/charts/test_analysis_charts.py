"""The prospect report's pictures: one bar per phase, per percentile, per driver, in the
reader's language; none for a report that has no figures to draw."""

import re

import pytest

from service.analysis import analyse
from service.analysis.report import ProspectReport
from service.analysis.wording import DRIVERS
from service.charts.analysis import analysis_charts
from service.proposals.vocabulary import Modality, Phase
from tests.analysis.cases import declared


def _ids(svg: str, prefix: str) -> list[str]:
    return re.findall(rf'id="({prefix}[^"]*)"', svg)


def _texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


@pytest.mark.parametrize(
    ("phase", "stages"),
    [
        (Phase.phase_1, ["Phase I", "Phase II", "Phase III", "Filing", "Approval"]),
        (Phase.phase_3, ["Phase III", "Filing", "Approval"]),
    ],
)
def test_ptrs_path_has_a_bar_for_each_phase_still_ahead_then_approval(
    phase: Phase, stages: list[str]
) -> None:
    report = analyse(declared(phase=phase, expected_peak_sales=500_000_000))
    charts = analysis_charts(report, "en")
    assert charts is not None and charts.ptrs_path is not None
    svg = str(charts.ptrs_path)
    assert _ids(svg, "ptrs-stage-") == [f"ptrs-stage-{i}" for i in range(len(stages))]
    texts = _texts(svg)
    assert [t for t in texts if t in stages] == stages
    # Today's phase is certain; the last bar is the report's PTRS.
    assert "100.0%" in texts
    assert report.success_probability is not None
    assert f"{report.success_probability.ptrs:.1%}" in texts
    assert _ids(svg, "ptrs-interval")  # the PTRS's credible interval, as a whisker
    assert 'role="img"' in svg and 'aria-label="Probability of reaching each phase"' in svg


def test_rnpv_range_shows_the_percentiles_the_base_case_and_the_benchmark_timeline() -> None:
    report = analyse(declared(expected_peak_sales=500_000_000))
    assert report.valuation is not None and report.valuation.benchmark_timeline_rnpv is not None
    charts = analysis_charts(report, "en")
    assert charts is not None and charts.rnpv_range is not None
    svg = str(charts.rnpv_range)
    bars = ["rnpv-p10", "rnpv-p50", "rnpv-p90", "rnpv-base", "rnpv-benchmark"]
    assert [i for i in _ids(svg, "rnpv-") if i in bars] == bars
    mc = report.valuation.monte_carlo
    texts = _texts(svg)
    for value in (mc.p10, mc.p50, mc.p90):
        assert f"${value / 1e6:.1f}M" in texts


def test_tornado_has_both_ends_of_every_sensitivity_row_in_the_readers_language() -> None:
    report = analyse(declared(expected_peak_sales=500_000_000))
    assert report.valuation is not None
    rows = report.valuation.sensitivity
    charts = analysis_charts(report, "ru")
    assert charts is not None and charts.tornado is not None
    svg = str(charts.tornado)
    assert len(_ids(svg, "tornado-low-")) == len(rows) == len(_ids(svg, "tornado-high-"))
    texts = _texts(svg)
    assert "Пиковые продажи" in texts and "Ставка дисконтирования" in texts
    assert "на 2 года раньше" in texts and "2 years earlier" not in texts


def test_tornado_puts_the_widest_swing_on_top() -> None:
    report = analyse(declared(expected_peak_sales=500_000_000))
    assert report.valuation is not None
    charts = analysis_charts(report, "en")
    assert charts is not None and charts.tornado is not None
    words = [DRIVERS[r.driver] for r in report.valuation.sensitivity]
    heights = {
        text: float(y)
        for y, text in re.findall(
            r'<text[^>]* y="([\d.]+)"[^>]*>([^<]*)</text>', str(charts.tornado)
        )
        if text in words
    }
    # SVG's y grows downwards: the table's order (widest swing first) is top to bottom.
    assert sorted(heights, key=heights.__getitem__) == words


def test_chinese_labels_come_from_the_catalogue() -> None:
    charts = analysis_charts(analyse(declared(phase=Phase.phase_2)), "zh_Hans")
    assert charts is not None and charts.ptrs_path is not None
    texts = _texts(str(charts.ptrs_path))
    assert texts.count("获批") == 1 and "II 期临床" in texts


def test_ids_are_unique_across_the_pictures_of_one_page() -> None:
    charts = analysis_charts(analyse(declared(expected_peak_sales=500_000_000)), "en")
    assert charts is not None
    page = "".join(str(svg) for svg in (charts.ptrs_path, charts.rnpv_range, charts.tornado))
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    # Every reference points at an id of the page.
    for target in re.findall(r'(?:url\(|href=")#([^)"]+)', page):
        assert target in ids


def test_no_valuation_without_declared_peak_sales() -> None:
    charts = analysis_charts(analyse(declared(expected_peak_sales=None)), "en")
    assert charts is not None and charts.ptrs_path is not None
    assert charts.rnpv_range is None and charts.tornado is None


def test_a_device_report_without_published_rates_has_no_pictures() -> None:
    report = analyse(declared(modality=Modality.medical_device, phase=Phase.not_applicable))
    assert isinstance(report, ProspectReport)
    assert analysis_charts(report, "en") is None


def test_a_method_one_report_has_no_pictures() -> None:
    assert analysis_charts(object(), "en") is None
