"""One published benchmark row chosen by the stated rule, the others beside it, with a range."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from service.analysis import analyse
from service.analysis.benchmark import MODALITY_ROW, candidates, rate_draws
from service.analysis.figures import success_rates
from service.proposals.vocabulary import IndicationDetail, Modality, Phase, TherapeuticArea

from .cases import declared

TRANSITIONS = ("p1_to_p2", "p2_to_p3", "p3_to_filing", "filing_to_approval")
FIRST = {Phase.phase_1: 0, Phase.phase_2: 1, Phase.phase_3: 2, Phase.filed: 3}
CLINICAL = list(FIRST)
DRUGS = list(MODALITY_ROW)


def published_ptrs(subject: str, phase: Phase) -> float:
    rates = success_rates()
    return math.prod(rates[(subject, m)].value / 100 for m in TRANSITIONS[FIRST[phase] :])


def ptrs_of(**changes):
    report = analyse(declared(**changes))
    assert report.success_probability is not None
    return report.success_probability


def test_hematologic_cancer_car_t_uses_the_car_t_row_never_a_product():
    # Method 1 gave 45.8% (hematology x CAR-T ratio); BIO publishes 17.3% for CAR-T.
    ptrs = ptrs_of(
        therapeutic_area=TherapeuticArea.oncology,
        indication_detail=IndicationDetail.hematologic_cancer,
        modality=Modality.cell_therapy,
        phase=Phase.phase_1,
    )
    assert ptrs.chosen.subject == "car_t"
    assert ptrs.ptrs == pytest.approx(0.442 * 0.588 * 0.667 * 1.0)
    assert {row.subject for row in ptrs.context} == {
        "hematologic_cancer",
        "oncology",
        "all_indications",
    }


def test_a_cancer_small_molecule_uses_its_oncology_subgroup():
    ptrs = ptrs_of(indication_detail=IndicationDetail.solid_tumour, phase=Phase.phase_1)
    assert ptrs.chosen.subject == "solid_tumour"
    assert ptrs.ptrs == pytest.approx(0.489 * 0.234 * 0.429 * 0.929)
    assert "small_molecule" in {row.subject for row in ptrs.context}


def test_blood_cancer_declared_under_hematology_moves_to_the_hematologic_cancer_row():
    ptrs = ptrs_of(
        therapeutic_area=TherapeuticArea.hematology,
        indication_detail=IndicationDetail.hematologic_cancer,
        modality=Modality.monoclonal_antibody,
        phase=Phase.phase_1,
    )
    assert ptrs.chosen.subject == "hematologic_cancer"
    assert ptrs.ptrs == pytest.approx(0.075, abs=0.001)


def test_hematology_without_detail_gets_the_area_row_and_a_caveat_naming_blood_cancers():
    report = analyse(declared(therapeutic_area=TherapeuticArea.hematology))
    assert report.success_probability is not None
    assert report.success_probability.chosen.subject == "hematology"
    assert any("non-malignant" in c and "7.5%" in c for c in report.caveats)


def test_small_molecule_in_an_area_uses_the_area_row():
    ptrs = ptrs_of(therapeutic_area=TherapeuticArea.metabolic, phase=Phase.phase_1)
    assert ptrs.chosen.subject == "metabolic"
    assert ptrs.ptrs == pytest.approx(0.155, abs=0.001)


def test_area_other_uses_the_modality_row():
    ptrs = ptrs_of(therapeutic_area=TherapeuticArea.other, phase=Phase.phase_1)
    assert ptrs.chosen.subject == "small_molecule"
    assert ptrs.ptrs == pytest.approx(0.075, abs=0.001)


def test_bispecific_is_benchmarked_as_an_antibody_and_says_it_is_an_approximation():
    report = analyse(declared(modality=Modality.bispecific_antibody))
    assert report.success_probability is not None
    context = {row.subject for row in report.success_probability.context}
    assert "monoclonal_antibody" in context
    assert any("bispecific" in c and "approximation" in c for c in report.caveats)


def test_rare_disease_and_biomarker_rows_are_context_only():
    ptrs = ptrs_of(
        therapeutic_area=TherapeuticArea.metabolic,
        rare_disease=True,
        biomarker=True,
        phase=Phase.phase_1,
    )
    assert ptrs.chosen.subject == "metabolic"
    assert {"rare_disease", "with_biomarker"} <= {row.subject for row in ptrs.context}


def test_each_transition_has_its_n_and_a_credible_interval_around_the_rate():
    ptrs = ptrs_of(modality=Modality.cell_therapy, phase=Phase.phase_1)
    [p1, p2, p3, filing] = ptrs.chosen.transitions
    assert [t.n for t in (p1, p2, p3, filing)] == [43, 17, 3, 4]
    for t in (p1, p2, p3, filing):
        assert t.interval is not None
        assert t.interval.low <= t.rate <= t.interval.high or t.rate == 1.0
    # Three Phase III transitions say far less than 43 Phase I ones.
    assert p3.interval is not None and p1.interval is not None
    assert p3.interval.high - p3.interval.low > 2 * (p1.interval.high - p1.interval.low)
    assert ptrs.interval is not None
    assert ptrs.interval.low < ptrs.ptrs < ptrs.interval.high


def test_transition_draws_follow_the_jeffreys_beta_posterior():
    # CAR-T Phase I: 44.2% of 43, so about 19 successes; posterior Beta(19.5, 24.5).
    draws = rate_draws("car_t", "p1_to_p2")
    k = 0.442 * 43
    posterior = stats.beta(k + 0.5, 43 - k + 0.5)
    assert float(draws.mean()) == pytest.approx(posterior.mean(), abs=0.01)
    assert float(draws.std()) == pytest.approx(posterior.std(), rel=0.1)


def test_the_same_declared_data_gives_the_same_report():
    inp = declared(modality=Modality.gene_therapy, phase=Phase.phase_2, expected_peak_sales=3e8)
    assert analyse(inp) == analyse(inp)


def could_use(
    area: TherapeuticArea, modality: Modality, detail: IndicationDetail | None
) -> set[str]:
    """Every row a proposal could be benchmarked on: its area or subgroup, modality, all."""
    rows = {MODALITY_ROW[modality], "all_indications"}
    if area is not TherapeuticArea.other:
        rows.add(area.value)
    if detail is IndicationDetail.hematologic_cancer:
        rows.add("hematologic_cancer")
    if detail is IndicationDetail.solid_tumour:
        rows.add("solid_tumour")
    return rows


@given(
    area=st.sampled_from(TherapeuticArea),
    modality=st.sampled_from(DRUGS),
    phase=st.sampled_from(CLINICAL),
    detail=st.one_of(st.none(), st.sampled_from(IndicationDetail)),
)
def test_chosen_ptrs_lies_within_the_published_range_of_the_rows_it_could_use(
    area, modality, phase, detail
):
    ptrs = ptrs_of(therapeutic_area=area, modality=modality, phase=phase, indication_detail=detail)
    published = [published_ptrs(s, phase) for s in could_use(area, modality, detail)]
    assert min(published) - 1e-12 <= ptrs.ptrs <= max(published) + 1e-12
    assert ptrs.chosen.subject in could_use(area, modality, detail)


@given(
    area=st.sampled_from(TherapeuticArea),
    modality=st.sampled_from(DRUGS),
    detail=st.one_of(st.none(), st.sampled_from(IndicationDetail)),
)
def test_the_chosen_row_is_never_among_its_own_context(area, modality, detail):
    found = candidates(
        area=area, modality=modality, detail=detail, rare_disease=None, biomarker=None
    )
    subjects = [s for s, _ in found.context]
    assert found.chosen not in subjects
    assert len(subjects) == len(set(subjects))
