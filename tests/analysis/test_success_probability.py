"""PTRS by therapeutic area and modality, and the caveats the report must carry."""

import pytest

from service.analysis import ProspectBand, analyse
from service.proposals.vocabulary import Modality, Phase, TherapeuticArea

from .cases import declared


def test_area_only_ptrs_from_phase_1_is_the_published_oncology_loa():
    report = analyse(declared(phase=Phase.phase_1))
    assert report.success_probability is not None
    assert report.success_probability.area_only == pytest.approx(0.053, abs=0.002)


def test_area_other_uses_all_indications_so_small_molecule_ptrs_is_its_own_loa():
    report = analyse(declared(therapeutic_area=TherapeuticArea.other, phase=Phase.phase_1))
    ptrs = report.success_probability
    assert ptrs is not None
    assert ptrs.area_subject == "all_indications"
    assert ptrs.adjusted == pytest.approx(ptrs.modality_only)
    assert ptrs.adjusted == pytest.approx(0.075, abs=0.002)


def test_modality_ratio_is_capped_and_adjusted_rate_stays_below_one():
    report = analyse(
        declared(therapeutic_area=TherapeuticArea.hematology, modality=Modality.cell_therapy)
    )
    assert report.success_probability is not None
    for step in report.success_probability.steps:
        assert 0.5 <= step.modality_ratio <= 2.0
        assert step.adjusted_rate <= 0.99
    assert any(step.rate_capped for step in report.success_probability.steps)


def test_bispecific_uses_the_monoclonal_antibody_row_and_says_it_is_an_approximation():
    report = analyse(declared(modality=Modality.bispecific_antibody))
    assert report.success_probability is not None
    assert report.success_probability.modality_subject == "monoclonal_antibody"
    assert any("bispecific" in c and "approximation" in c for c in report.caveats)


def test_loa_only_modality_gets_a_uniform_ratio_and_an_approximation_note():
    report = analyse(declared(modality=Modality.gene_therapy, phase=Phase.phase_1))
    ptrs = report.success_probability
    assert ptrs is not None
    assert all(step.modality_rate_derived for step in ptrs.steps)
    assert len({step.modality_ratio for step in ptrs.steps}) == 1
    assert any("(1/4)" in c and "approximation" in c for c in report.caveats)


def test_cell_therapy_maps_to_car_t_with_its_small_count_caveat():
    report = analyse(declared(modality=Modality.cell_therapy))
    assert report.success_probability is not None
    assert report.success_probability.modality_subject == "car_t"
    assert any("CAR-T" in c and "n=3" in c for c in report.caveats)


def test_urology_carries_its_small_sample_caveat():
    report = analyse(declared(therapeutic_area=TherapeuticArea.urology))
    assert any("n=88" in c for c in report.caveats)


def test_rna_is_benchmarked_on_sirna():
    report = analyse(declared(modality=Modality.rna))
    assert report.success_probability is not None
    assert report.success_probability.modality_subject == "sirna_rnai"


@pytest.mark.parametrize("phase", [Phase.discovery, Phase.preclinical])
def test_preclinical_project_gets_ptrs_from_phase_1_and_a_flag(phase):
    report = analyse(declared(phase=phase))
    assert report.success_probability is not None
    assert report.success_probability.from_stage == "Phase I"
    assert "preclinical_attrition_not_included" in {f.code for f in report.flags}
    assert report.band is not ProspectBand.strong


def test_filed_project_has_only_the_filing_to_approval_step():
    report = analyse(declared(phase=Phase.filed))
    assert report.success_probability is not None
    assert [s.stage for s in report.success_probability.steps] == ["filing"]
    assert report.budget is None


def test_marketed_product_has_no_development_risk_and_no_development_costs():
    report = analyse(declared(phase=Phase.marketed, target_launch_year=2024))
    assert report.success_probability is not None
    assert report.success_probability.adjusted == 1.0
    assert report.success_probability.steps == []
    assert any("no development risk" in c for c in report.caveats)
    assert report.valuation is not None
    assert all(cf.amount > 0 for cf in report.valuation.cash_flows)
