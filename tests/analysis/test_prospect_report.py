"""The prospect report as the committee and the applicant see it."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.analysis import (
    METHOD_VERSION,
    ProspectBand,
    ProspectInput,
    analyse,
    applicant_summary,
)
from service.proposals.vocabulary import Modality, Phase, TherapeuticArea

from .cases import CURRENT_YEAR, declared


def flag_codes(inp: ProspectInput) -> set[str]:
    return {f.code for f in analyse(inp).flags}


def test_report_records_the_method_version_and_serialises_to_json():
    dumped = analyse(declared()).model_dump(mode="json")
    assert dumped["method_version"] == METHOD_VERSION
    assert json.loads(json.dumps(dumped)) == dumped


@pytest.mark.parametrize(
    "inp",
    [
        declared(modality=Modality.medical_device, phase=Phase.not_applicable),
        declared(modality=Modality.diagnostic),
        declared(modality=Modality.manufacturing, phase=Phase.not_applicable),
        declared(phase=Phase.not_applicable),
    ],
    ids=["device", "diagnostic", "manufacturing", "drug_without_phase"],
)
def test_cases_without_published_rates_require_expert_judgement_and_have_no_ptrs(inp):
    report = analyse(inp)
    assert report.band is ProspectBand.expert_judgement_required
    assert report.success_probability is None
    assert report.valuation is None


@pytest.mark.parametrize(
    ("keywords", "path"),
    [
        ((), "510(k)"),
        (("De Novo request",), "De Novo"),
        (("Class III implant",), "PMA"),
    ],
)
def test_device_path_is_chosen_from_keywords_and_marked_assumed(keywords, path):
    report = analyse(declared(modality=Modality.medical_device, keywords=keywords))
    assert report.device is not None
    assert report.device.path == path
    assert report.device.assumed
    assert any("assumed" in c for c in report.caveats)


def test_pma_device_shows_mdufa_ii_goals_gao_yearly_averages_and_cost():
    report = analyse(declared(modality=Modality.medical_device, keywords=("Class III implant",)))
    device = report.device
    assert device is not None
    assert [(r.days, r.label) for r in device.review_times] == [
        (180, "PMA review goal, MDUFA II Tier 1 (60% of original PMAs decided within)"),
        (295, "PMA review goal, MDUFA II Tier 2 (90% of original PMAs decided within)"),
        (462, "Average time to final decision, original PMAs, FY2003"),
        (627, "Average time to final decision, original PMAs, FY2008"),
    ]
    assert device.concept_to_market_cost == 94_000_000


def test_device_budget_below_the_published_cost_to_market_is_flagged():
    # 510(k): Makower 2010 survey average $31M from concept to market.
    report = analyse(declared(modality=Modality.medical_device, budget_requested=20_000_000))
    assert report.device is not None and report.device.budget_below_cost
    assert "budget_below_device_cost" in {f.code for f in report.flags}
    assert report.success_probability is None and report.valuation is None


def test_device_launch_sooner_than_the_published_review_time_is_flagged():
    # PMA: the shortest published time is the 180-day MDUFA II Tier 1 goal; launch this year.
    report = analyse(
        declared(
            modality=Modality.medical_device, keywords=("PMA",), target_launch_year=CURRENT_YEAR
        )
    )
    assert report.device is not None and report.device.launch_before_review
    assert "launch_before_device_review" in {f.code for f in report.flags}


def test_device_launch_after_the_review_time_is_not_flagged():
    report = analyse(
        declared(modality=Modality.medical_device, keywords=("PMA",), target_launch_year=2028)
    )
    assert report.device is not None and report.device.launch_before_review is False


def test_launch_year_with_less_than_70_percent_of_benchmark_time_is_flagged():
    # Phase I to approval takes 2.3 + 3.6 + 3.3 + 1.3 = 10.5 years; 5 years is 48%.
    inp = declared(phase=Phase.phase_1, target_launch_year=2030)
    assert "launch_year_ambitious" in flag_codes(inp)


def test_launch_year_with_enough_benchmark_time_is_not_flagged():
    inp = declared(phase=Phase.phase_1, target_launch_year=2035)
    assert "launch_year_ambitious" not in flag_codes(inp)


def test_budget_below_the_remaining_trial_costs_is_flagged():
    # Phase II and III ahead: one $8.6M Phase II trial and two $21.4M Phase III trials = $51.4M.
    report = analyse(declared(phase=Phase.phase_2, budget_requested=40_000_000))
    assert report.budget is not None
    assert report.budget.remaining_trial_costs == pytest.approx(51_400_000)
    assert [(s.stage, s.trials) for s in report.budget.stages] == [
        ("Phase II", 1),
        ("Phase III", 2),
    ]
    # Context: Wouters 2020 median R&D cost per new drug, failures included, $985.3M.
    assert report.budget.cost_per_approved_drug == pytest.approx(985_300_000)
    flag = next(f for f in report.flags if f.code == "budget_below_trial_costs")
    assert "2 Phase III trial(s)" in flag.detail
    assert any(a.key == "trials_per_stage" for a in report.assumptions)


def test_budget_covering_the_remaining_trials_is_not_flagged():
    inp = declared(phase=Phase.phase_2, budget_requested=60_000_000)
    assert "budget_below_trial_costs" not in flag_codes(inp)


def test_cell_therapy_raises_the_novelty_stability_and_supply_chain_flags():
    codes = flag_codes(declared(modality=Modality.cell_therapy))
    assert {"innovative_technology", "batch_stability", "supply_chain"} <= codes


def test_keywords_can_trigger_a_challenge_flag():
    report = analyse(declared(keywords=("CRISPR screening",)))
    flag = next(f for f in report.flags if f.code == "innovative_technology")
    assert flag.triggered_by == ["keyword: CRISPR screening"]


def test_us_only_small_molecule_raises_no_challenge_flag():
    assert flag_codes(declared()) == set()


def test_several_markets_with_sco_states_flag_documentation_and_list_sco():
    report = analyse(declared(target_markets=("us", "CN", "KZ", "DE")))
    assert "regulatory_documentation" in {f.code for f in report.flags}
    assert report.sco_target_markets == ["CN", "KZ"]
    assert any("US/FDA based" in c for c in report.caveats)


def test_malformed_market_code_is_refused():
    with pytest.raises(ValueError, match="alpha-2"):
        declared(target_markets=("USA",))


def test_late_stage_hematology_antibody_with_sales_is_strong():
    report = analyse(
        declared(
            therapeutic_area=TherapeuticArea.hematology,
            modality=Modality.monoclonal_antibody,
            expected_peak_sales=300_000_000,
        )
    )
    assert report.band is ProspectBand.strong


def test_phase_1_urology_project_is_weak():
    report = analyse(
        declared(
            therapeutic_area=TherapeuticArea.urology, phase=Phase.phase_1, target_launch_year=2040
        )
    )
    assert report.band is ProspectBand.weak


def test_negative_base_rnpv_makes_the_prospect_weak():
    report = analyse(declared(expected_peak_sales=100_000))
    assert report.valuation is not None and report.valuation.base_rnpv < 0
    assert report.band is ProspectBand.weak


@pytest.mark.parametrize(
    "inp",
    [
        declared(),
        declared(modality=Modality.vaccine, phase=Phase.preclinical),
        declared(phase=Phase.marketed, target_launch_year=2023),
        declared(modality=Modality.medical_device, keywords=("implant",)),
    ],
    ids=["phase_3_drug", "preclinical_vaccine", "marketed", "pma_device"],
)
def test_every_figure_in_a_report_carries_its_source_year_and_confidence(inp):
    report = analyse(inp)
    assert report.figures
    for figure in report.figures:
        assert figure.source.strip()
        assert figure.year > 0
        assert figure.confidence.value in {"P", "S+", "S"}


def test_applicant_summary_leaks_no_internal_numbers():
    # Flag messages may name a published benchmark and its n; never the PTRS or an rNPV.
    report = analyse(
        declared(
            modality=Modality.cell_therapy,
            phase=Phase.phase_1,
            budget_requested=1_000_000,
            target_launch_year=2027,
            target_markets=("US", "CN"),
            expected_peak_sales=250_000_000,
        )
    )
    assert report.success_probability is not None and report.valuation is not None
    summary = applicant_summary(report).model_dump(mode="json")
    # The wordings are the same sentences as codes and values: no more than the text says.
    assert set(summary) == {"method_version", "band", "range_in_words", "flags", "caveats",
                            "range_wordings", "flag_wordings", "caveat_wordings"}  # fmt: skip
    assert summary["flags"] and summary["range_in_words"]
    text = json.dumps(summary)
    ptrs = report.success_probability
    probabilities = [ptrs.ptrs, *(row.ptrs for row in ptrs.context)]
    if ptrs.interval is not None:
        probabilities += [ptrs.interval.low, ptrs.interval.high]
    for p in probabilities:
        for shown in (repr(p), f"{p:.1%}", f"{p:.3f}"):
            assert shown not in text
    mc = report.valuation.monte_carlo
    for v in (report.valuation.base_rnpv, mc.p10, mc.p50, mc.p90):
        for shown in (repr(v), f"{v:,.0f}", f"{v:.0f}", f"{v / 1e6:.1f}"):
            assert shown not in text
    assert not any(ch.isdigit() for ch in summary["range_in_words"])


@given(
    area=st.sampled_from(TherapeuticArea),
    modality=st.sampled_from(Modality),
    phase=st.sampled_from(Phase),
    launch=st.one_of(st.none(), st.integers(2000, 2060)),
    peak=st.one_of(st.none(), st.floats(0, 5e9)),
)
def test_any_declared_combination_gives_a_cited_report_with_a_probability_or_none(
    area, modality, phase, launch, peak
):
    report = analyse(
        declared(
            therapeutic_area=area,
            modality=modality,
            phase=phase,
            target_launch_year=launch,
            expected_peak_sales=peak,
        )
    )
    assert all(f.source for f in report.figures)
    if report.success_probability is None:
        assert report.band is ProspectBand.expert_judgement_required
    else:
        assert 0 < report.success_probability.ptrs <= 1
