"""Risk-adjusted NPV: a worked example by hand and the discount-rate sensitivity."""

import pytest

from service.analysis import analyse
from service.proposals.vocabulary import Phase

from .cases import declared


def test_worked_rnpv_for_a_phase_3_oncology_small_molecule():
    # Oncology small molecule in Phase III, peak sales $10M, t = 0 is 2025.
    # Adjusted rates: oncology rate x (small-molecule rate / all-indications rate).
    p_phase_3 = 0.477 * (0.569 / 0.578)
    p_filing = 0.920 * (0.895 / 0.906)
    p_approval = p_phase_3 * p_filing
    # Phase III: one median trial, $21.4M, spread evenly over 3.3 benchmark years from now.
    per_year = 21.4e6 / 3.3
    costs = [(0, -per_year), (1, -per_year), (2, -per_year), (3, -0.3 * per_year)]
    # Approval after 3.3 + 1.3 = 4.6 years: sales from the first whole year after, t = 5,
    # ramping linearly to $10M over five years, then flat to ten years on the market.
    sales = [2e6, 4e6, 6e6, 8e6, 10e6, 10e6, 10e6, 10e6, 10e6, 10e6]
    revenues = [(5 + k, amount) for k, amount in enumerate(sales)]
    expected = sum(cf / 1.105**t for t, cf in costs) + sum(
        cf * p_approval / 1.105**t for t, cf in revenues
    )

    report = analyse(declared(expected_peak_sales=10_000_000))

    assert report.valuation is not None
    assert report.valuation.base_rate == pytest.approx(0.105)
    assert report.valuation.base_rnpv == pytest.approx(expected, rel=1e-9)
    assert report.success_probability is not None
    assert report.success_probability.adjusted == pytest.approx(p_approval)


def test_costs_of_later_phases_are_weighted_by_the_probability_of_reaching_them():
    report = analyse(declared(phase=Phase.phase_2, expected_peak_sales=500_000_000))
    assert report.valuation is not None and report.success_probability is not None
    phase_2_rate = report.success_probability.steps[0].adjusted_rate
    phase_3_costs = [cf for cf in report.valuation.cash_flows if cf.item == "Phase III trial"]
    assert phase_3_costs
    assert all(cf.probability == pytest.approx(phase_2_rate) for cf in phase_3_costs)


def test_sensitivity_rates_are_8_10_5_and_15_percent_in_order():
    report = analyse(declared(expected_peak_sales=500_000_000))
    assert report.valuation is not None
    assert [s.rate for s in report.valuation.scenarios] == pytest.approx([0.08, 0.105, 0.15])


def test_higher_discount_rate_gives_lower_positive_rnpv():
    report = analyse(declared(expected_peak_sales=500_000_000))
    assert report.valuation is not None
    values = [s.rnpv for s in report.valuation.scenarios]
    assert all(v > 0 for v in values)
    assert values == sorted(values, reverse=True)


def test_no_declared_peak_sales_means_no_rnpv():
    report = analyse(declared(expected_peak_sales=None))
    assert report.valuation is None
    assert any("not computed" in c for c in report.caveats)
