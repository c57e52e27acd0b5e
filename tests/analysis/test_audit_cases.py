"""The three cases of the December 2026 valuation audit, with the figures derived by hand.

Every expected figure below is derived in the comments from the published tables
(/work/shared/reference/prospect-figures.md and bio2021-verified.md) and the method's stated
assumptions (30% operating margin; 1 / 1 / 2 trials in Phase I / II / III at Martin et al.'s
medians $3.4M / $8.6M / $21.4M; 10.5% real discount rate; a 5-year linear ramp, 10 years on the
market; each stage's cost spread evenly over its years, pro rata within a year), not copied
from the code's output. t = 0 is the audit year, 2026.
"""

import pytest

from service.analysis import ProspectBand, ProspectInput, analyse, applicant_summary
from service.proposals.vocabulary import IndicationDetail, Modality, Phase, TherapeuticArea

YEAR = 2026
R = 1.105


def pv(flows: list[tuple[int, float]]) -> float:
    return sum(amount / R**t for t, amount in flows)


def test_phase_1_hematologic_cancer_car_t():
    report = analyse(
        ProspectInput(
            therapeutic_area=TherapeuticArea.oncology,
            indication_detail=IndicationDetail.hematologic_cancer,
            modality=Modality.cell_therapy,
            phase=Phase.phase_1,
            budget_requested=45_000_000,
            expected_peak_sales=400_000_000,
            target_launch_year=2034,
            target_markets=("US",),
            current_year=YEAR,
        )
    )
    # Benchmark: rule 1, the CAR-T row (Fig. 10b), never hematologic cancers x CAR-T.
    # PTRS = 44.2% x 58.8% x 66.7% x 100% = 17.34% (published LOA 17.3%).
    # Context: hematologic cancers 50.1 x 27.8 x 60.0 x 90.0 = 7.52%; oncology 5.27%;
    # all indications 7.87%.
    ptrs = 0.442 * 0.588 * 0.667 * 1.0
    sp = report.success_probability
    assert sp is not None
    assert sp.chosen.subject == "car_t"
    assert sp.ptrs == pytest.approx(ptrs) == pytest.approx(0.1734, abs=1e-4)
    context = {row.subject: row.ptrs for row in sp.context}
    assert context["hematologic_cancer"] == pytest.approx(0.0752, abs=1e-4)
    assert context["oncology"] == pytest.approx(0.0527, abs=1e-4)
    assert context["all_indications"] == pytest.approx(0.0787, abs=1e-4)
    # CAR-T Phase III rests on n = 3: the interval is wide, and the innovative-technology flag
    # names the row and that n.
    assert sp.chosen.smallest_n == 3
    innovative = next(f for f in report.flags if f.code == "innovative_technology")
    assert "CAR-T" in innovative.message and "3 phase transitions" in innovative.message

    # Timeline: blood cancers take the oncology durations 2.7 / 3.7 / 3.1 / 0.8 = 10.3 years.
    # Declared: 2034 - 2026 = 8 years = 77.7% of 10.3, above the 70% floor: no flag.
    assert report.timeline is not None
    assert report.timeline.benchmark_years_to_approval == pytest.approx(10.3)
    assert report.timeline.share_of_benchmark == pytest.approx(8 / 10.3)
    assert "launch_year_ambitious" not in {f.code for f in report.flags}

    # Budget: 1 x 3.4 + 1 x 8.6 + 2 x 21.4 = $54.8M of trials ahead > $45M: flagged.
    assert report.budget is not None
    assert report.budget.remaining_trial_costs == pytest.approx(54_800_000)
    assert "budget_below_trial_costs" in {f.code for f in report.flags}

    # rNPV, declared timing: the stages are scaled by 8 / 10.3 to end at launch:
    # Phase I [0, 2.0971), Phase II [2.0971, 4.9709), Phase III [4.9709, 7.3786), filing to 8.
    s = 8 / 10.3
    e1, e2, e3 = 2.7 * s, (2.7 + 3.7) * s, (2.7 + 3.7 + 3.1) * s
    c1, c2, c3 = 3.4e6 / (2.7 * s), 8.6e6 / (3.7 * s), 42.8e6 / (3.1 * s)
    reach_2, reach_3 = 0.442, 0.442 * 0.588
    costs = [(0, c1), (1, c1), (2, c1 * (e1 - 2))]
    costs += [(2, c2 * (3 - e1) * reach_2), (3, c2 * reach_2), (4, c2 * (e2 - 4) * reach_2)]
    costs += [(4, c3 * (5 - e2) * reach_3), (5, c3 * reach_3), (6, c3 * reach_3)]
    costs += [(7, c3 * (e3 - 7) * reach_3)]
    # Sales from 2034 (t = 8): 30% of $400M = $120M at peak, ramp 24 / 48 / 72 / 96 / 120.
    sales = [(8 + k, 120e6 * min((k + 1) / 5, 1) * ptrs) for k in range(10)]
    expected = pv(sales) - pv(costs)  # = $32.84M
    valuation = report.valuation
    assert valuation is not None
    assert valuation.timing == "declared launch year"
    assert valuation.launch_year == 2034
    assert valuation.base_rnpv == pytest.approx(expected, rel=1e-9)
    assert valuation.base_rnpv == pytest.approx(32.84e6, abs=0.01e6)

    # Benchmark timeline: stages 2.7 / 3.7 / 3.1 / 0.8 from now, sales from t = 11 (2037).
    b1, b2, b3 = 3.4e6 / 2.7, 8.6e6 / 3.7, 42.8e6 / 3.1
    costs = [(0, b1), (1, b1), (2, b1 * 0.7)]
    costs += [(2, b2 * 0.3 * reach_2), *((t, b2 * reach_2) for t in (3, 4, 5))]
    costs += [(6, b2 * 0.4 * reach_2), (6, b3 * 0.6 * reach_3), (7, b3 * reach_3)]
    costs += [(8, b3 * reach_3), (9, b3 * 0.5 * reach_3)]
    sales = [(11 + k, 120e6 * min((k + 1) / 5, 1) * ptrs) for k in range(10)]
    assert valuation.benchmark_timeline_rnpv == pytest.approx(pv(sales) - pv(costs), rel=1e-9)
    assert valuation.benchmark_timeline_rnpv == pytest.approx(22.50e6, abs=0.01e6)

    # The Monte Carlo range brackets the point value; the band: PTRS 17.3% is under the 25%
    # strong threshold and a plan flag is raised, so moderate.
    mc = valuation.monte_carlo
    assert mc.p10 < mc.p50 < mc.p90
    assert mc.p10 < valuation.base_rnpv < mc.p90
    assert report.band is ProspectBand.moderate


def test_preclinical_oncology_bispecific():
    report = analyse(
        ProspectInput(
            therapeutic_area=TherapeuticArea.oncology,
            modality=Modality.bispecific_antibody,
            phase=Phase.preclinical,
            budget_requested=120_000_000,
            expected_peak_sales=1_200_000_000,
            target_launch_year=2033,
            target_markets=("US",),
            current_year=YEAR,
        )
    )
    # Benchmark: rule 3, the oncology area row (no subgroup declared: a caveat says so);
    # from Phase I, as BIO publishes no preclinical rate (and a method flag says so).
    # PTRS = 48.8% x 24.6% x 47.7% x 92.0% = 5.27% (published 5.3%); the monoclonal-antibody
    # row (12.1%) is context, an approximation for a bispecific.
    ptrs = 0.488 * 0.246 * 0.477 * 0.920
    sp = report.success_probability
    assert sp is not None
    assert sp.chosen.subject == "oncology"
    assert sp.ptrs == pytest.approx(ptrs) == pytest.approx(0.0527, abs=1e-4)
    assert {row.subject: row.ptrs for row in sp.context}["monoclonal_antibody"] == pytest.approx(
        0.121, abs=1e-3
    )
    assert any("solid tumour, a hematologic cancer" in c for c in report.caveats)
    codes = {f.code for f in report.flags}
    assert "preclinical_attrition_not_included" in codes

    # Timeline: 2033 - 2026 = 7 years against 10.3 (oncology) = 68.0% < 70%: flagged.
    assert report.timeline is not None
    assert report.timeline.share_of_benchmark == pytest.approx(7 / 10.3)
    assert "launch_year_ambitious" in codes

    # Budget: $54.8M of trials ahead < $120M: not flagged.
    assert report.budget is not None and report.budget.below_trial_costs is False

    # rNPV, declared timing, stages scaled by 7 / 10.3: Phase I [0, 1.8350), Phase II
    # [1.8350, 4.3495), Phase III [4.3495, 6.4563), filing to 7; sales from 2033 (t = 7):
    # 30% of $1.2B = $360M at peak, ramp 72 / 144 / 216 / 288 / 360.
    s = 7 / 10.3
    e1, e2, e3 = 2.7 * s, 6.4 * s, 9.5 * s
    c1, c2, c3 = 3.4e6 / (2.7 * s), 8.6e6 / (3.7 * s), 42.8e6 / (3.1 * s)
    reach_2, reach_3 = 0.488, 0.488 * 0.246
    costs = [(0, c1), (1, c1 * (e1 - 1))]
    costs += [(1, c2 * (2 - e1) * reach_2), (2, c2 * reach_2), (3, c2 * reach_2)]
    costs += [(4, c2 * (e2 - 4) * reach_2)]
    costs += [(4, c3 * (5 - e2) * reach_3), (5, c3 * reach_3), (6, c3 * (e3 - 6) * reach_3)]
    sales = [(7 + k, 360e6 * min((k + 1) / 5, 1) * ptrs) for k in range(10)]
    expected = pv(sales) - pv(costs)  # = $35.86M
    assert report.valuation is not None
    assert report.valuation.base_rnpv == pytest.approx(expected, rel=1e-9)
    assert report.valuation.base_rnpv == pytest.approx(35.86e6, abs=0.01e6)

    # Band: PTRS 5.27% is at least the 5% weak threshold and the rNPV is positive, but below
    # 25% and with plan and method flags: moderate.
    assert report.band is ProspectBand.moderate


def test_class_iii_device_on_the_pma_path():
    report = analyse(
        ProspectInput(
            therapeutic_area=TherapeuticArea.cardiovascular,
            modality=Modality.medical_device,
            phase=Phase.not_applicable,
            budget_requested=50_000_000,
            expected_peak_sales=300_000_000,
            target_launch_year=None,
            target_markets=("US",),
            current_year=YEAR,
            keywords=("Class III",),
        )
    )
    # No published success rate for devices: no probability, no rNPV, expert judgement.
    assert report.band is ProspectBand.expert_judgement_required
    assert report.success_probability is None and report.valuation is None
    # "Class III" puts it on the PMA path (assumed, and said so). Review: MDUFA II goals 180
    # (Tier 1) and 295 (Tier 2) FDA days; GAO averages 462 (FY2003) and 627 (FY2008) days.
    device = report.device
    assert device is not None
    assert device.path == "PMA" and device.assumed
    assert [r.days for r in device.review_times] == [180, 295, 462, 627]
    # Budget: $50M against the $94M PMA concept-to-market average (Makower 2010): flagged.
    assert device.concept_to_market_cost == 94_000_000
    assert device.budget_below_cost is True
    assert "budget_below_device_cost" in {f.code for f in report.flags}
    # No launch year declared: the review-time check is not made, and a caveat says so.
    assert device.launch_before_review is None
    assert any("review-time check is not made" in c for c in report.caveats)
    summary = applicant_summary(report)
    assert summary.range_in_words is not None and "experts" in summary.range_in_words
