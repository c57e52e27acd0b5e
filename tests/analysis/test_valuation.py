"""Risk-adjusted NPV under method 2: margin, timing, the Monte Carlo range and the tornado."""

import pytest

from service.analysis import analyse
from service.proposals.vocabulary import Modality, Phase

from .cases import declared


def valuation_of(**changes):
    report = analyse(declared(**changes))
    assert report.valuation is not None
    return report.valuation


def test_worked_rnpv_for_a_phase_3_oncology_small_molecule_on_the_declared_launch_year():
    # Oncology small molecule in Phase III (rule 3, oncology row), peak $10M, t = 0 is 2025,
    # launch declared for 2032 (t = 7). Benchmark Phase III 3.1 + filing 0.8 = 3.9 years,
    # scaled by 7 / 3.9 so that filing ends at launch: Phase III runs [0, 5.5641).
    ptrs = 0.477 * 0.920
    years_3 = 3.1 * 7 / 3.9
    per_year = 2 * 21.4e6 / years_3  # two Phase III trials at the median cost
    costs = [(t, -per_year) for t in range(5)] + [(5, -per_year * (years_3 - 5))]
    # Sales after the 30% margin: ramp to $3M over five years from 2032, flat to ten years.
    sales = [(7 + k, 3e6 * min((k + 1) / 5, 1)) for k in range(10)]
    expected = sum(a / 1.105**t for t, a in costs) + sum(a * ptrs / 1.105**t for t, a in sales)
    valuation = valuation_of(expected_peak_sales=10_000_000)
    assert valuation.base_rnpv == pytest.approx(expected, rel=1e-9)
    assert valuation.operating_margin == 0.30
    assert valuation.launch_year == 2032
    # Phase III has begun: its costs are certain (reach 1); the sales weigh by the PTRS.
    assert all(cf.probability == 1.0 for cf in valuation.cash_flows if cf.amount < 0)


def test_the_benchmark_timeline_is_shown_beside_the_declared_launch_year():
    valuation = valuation_of(expected_peak_sales=500_000_000, target_launch_year=2040)
    assert valuation.timing == "declared launch year"
    assert valuation.benchmark_timeline_rnpv is not None
    # A later declared launch discounts the same sales harder.
    assert valuation.benchmark_timeline_rnpv > valuation.base_rnpv


def test_a_launch_year_in_the_past_for_a_project_in_development_falls_back_to_the_benchmark():
    report = analyse(declared(expected_peak_sales=500_000_000, target_launch_year=2020))
    assert report.valuation is not None
    assert report.valuation.timing == "benchmark timeline"
    assert report.valuation.benchmark_timeline_rnpv is None
    assert any("benchmark timeline" in c for c in report.caveats)


def test_monte_carlo_is_reproducible_and_ordered():
    first = valuation_of(modality=Modality.gene_therapy, expected_peak_sales=300_000_000)
    again = valuation_of(modality=Modality.gene_therapy, expected_peak_sales=300_000_000)
    assert first.monte_carlo == again.monte_carlo
    assert first.monte_carlo.p10 < first.monte_carlo.p50 < first.monte_carlo.p90


def test_small_published_counts_give_a_wider_range_than_large_ones():
    # Gene therapy (filing n = 2) against small molecules (n in the thousands), same plan.
    def spread(modality):
        mc = valuation_of(
            modality=modality, phase=Phase.phase_2, expected_peak_sales=300_000_000
        ).monte_carlo
        return (mc.p90 - mc.p10) / abs(mc.p50)

    assert spread(Modality.gene_therapy) > 3 * spread(Modality.monoclonal_antibody)


def test_sensitivity_table_covers_every_driver_and_is_ordered_by_swing():
    valuation = valuation_of(phase=Phase.phase_2, expected_peak_sales=500_000_000)
    rows = valuation.sensitivity
    assert {r.driver for r in rows} == {
        "PTRS (sales weight) at its credible-interval ends",
        "peak sales",
        "launch year (sales only)",
        "discount rate",
        "operating margin",
        "trial costs",
    }
    assert [r.swing for r in rows] == sorted((r.swing for r in rows), reverse=True)
    by_driver = {r.driver: r for r in rows}
    # More sales, a higher margin, a lower rate, cheaper trials and an earlier launch all help.
    assert (
        by_driver["peak sales"].rnpv_at_high
        > valuation.base_rnpv
        > by_driver["peak sales"].rnpv_at_low
    )
    assert by_driver["operating margin"].rnpv_at_high > by_driver["operating margin"].rnpv_at_low
    assert by_driver["discount rate"].rnpv_at_low > by_driver["discount rate"].rnpv_at_high
    assert by_driver["trial costs"].rnpv_at_low > by_driver["trial costs"].rnpv_at_high
    launch = by_driver["launch year (sales only)"]
    assert launch.rnpv_at_low > launch.rnpv_at_high
    assert (by_driver["discount rate"].low_setting, by_driver["discount rate"].high_setting) == (
        "8.0%",
        "15.0%",
    )


def test_every_method_choice_of_a_valuation_is_listed_as_an_assumption():
    report = analyse(declared(expected_peak_sales=500_000_000))
    keys = {a.key for a in report.assumptions}
    assert {
        "benchmark_rule",
        "credible_interval",
        "phase_durations",
        "trials_per_stage",
        "launch_timing",
        "operating_margin",
        "ramp_years",
        "years_on_market",
        "monte_carlo",
        "sensitivity_ranges",
    } <= keys
    assert all(a.rationale for a in report.assumptions)


def test_marketed_product_has_no_development_risk_and_no_development_costs():
    report = analyse(declared(phase=Phase.marketed, target_launch_year=2024))
    assert report.success_probability is not None
    assert report.success_probability.ptrs == 1.0
    assert report.success_probability.chosen.transitions == []
    assert any("no development risk" in c for c in report.caveats)
    assert report.valuation is not None
    assert all(cf.amount > 0 for cf in report.valuation.cash_flows)
    # Sales since 2024; the year before t = 0 is history. No benchmark timeline to compare.
    assert min(cf.year for cf in report.valuation.cash_flows) == 2025
    assert report.valuation.benchmark_timeline_rnpv is None
    assert report.valuation.monte_carlo.p10 == pytest.approx(report.valuation.base_rnpv)


def test_no_declared_peak_sales_means_no_rnpv():
    report = analyse(declared(expected_peak_sales=None))
    assert report.valuation is None
    assert any("not computed" in c for c in report.caveats)
