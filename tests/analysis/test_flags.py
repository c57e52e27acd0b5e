"""Challenge flags: spelling-tolerant keywords, talent from team data, stability by modality."""

import pytest

from service.analysis import TeamData, analyse, applicant_summary
from service.analysis.prospect import BAND_THRESHOLDS
from service.proposals.vocabulary import Modality

from .cases import declared


def flags_of(**changes):
    return {f.code: f for f in analyse(declared(**changes)).flags}


@pytest.mark.parametrize(
    "keyword",
    [
        "CAR-T",
        "CAR T",
        "car t cells",
        "CAR\u2011T",  # a non-breaking hyphen, as word processors insert it
        "chimeric antigen receptor",
        "Chimeric-Antigen Receptor",
    ],
)
def test_car_t_is_recognised_however_it_is_spelled(keyword):
    flag = flags_of(keywords=(keyword,))["innovative_technology"]
    assert flag.triggered_by == [f"keyword: {keyword}"]


@pytest.mark.parametrize("keyword", ["cartilage repair", "carton packaging", "scar tissue"])
def test_words_that_merely_contain_the_letters_do_not_match(keyword):
    assert "innovative_technology" not in flags_of(keywords=(keyword,))


def test_innovative_technology_names_its_benchmark_and_n():
    flag = flags_of(modality=Modality.gene_therapy)["innovative_technology"]
    # Gene therapy row (Fig. 10b), smallest n among Phase III to approval: filing n = 2.
    assert "Gene therapy" in flag.message
    assert "2 phase transitions" in flag.message


def test_several_markets_without_team_data_leave_talent_not_assessed():
    report = analyse(declared(target_markets=("US", "CN")))
    assert "international_talent" not in {f.code for f in report.flags}
    assert any(c.startswith("International talent: not assessed") for c in report.caveats)


def test_declared_team_without_international_experience_is_flagged():
    team = TeamData(team_size=12, staff_international_experience=0, overseas_sites=0)
    flag = flags_of(target_markets=("US", "DE"), team=team)["international_talent"]
    assert "no staff with international regulatory or GMP experience" in flag.detail
    assert "no overseas site" in flag.detail


def test_declared_team_with_international_staff_and_sites_is_not_flagged():
    team = TeamData(team_size=40, staff_international_experience=5, overseas_sites=2)
    report = analyse(declared(target_markets=("US", "DE"), team=team))
    assert "international_talent" not in {f.code for f in report.flags}
    assert not any("International talent" in c for c in report.caveats)


def test_us_only_programme_has_no_talent_question():
    report = analyse(declared())
    assert not any("International talent" in c for c in report.caveats)


def test_a_plain_monoclonal_antibody_has_no_batch_stability_flag():
    assert "batch_stability" not in flags_of(modality=Modality.monoclonal_antibody)


@pytest.mark.parametrize(
    "keyword", ["high-concentration formulation", "lyophilised powder", "Lyophilized"]
)
def test_a_manufacturing_claim_raises_batch_stability_for_an_antibody(keyword):
    flag = flags_of(modality=Modality.monoclonal_antibody, keywords=(keyword,))["batch_stability"]
    assert flag.triggered_by == [f"keyword: {keyword}"]


@pytest.mark.parametrize(
    "modality",
    [Modality.cell_therapy, Modality.gene_therapy, Modality.adc, Modality.bispecific_antibody],
)
def test_complex_modalities_raise_batch_stability_by_themselves(modality):
    assert "batch_stability" in flags_of(modality=modality)


def test_band_thresholds_are_named_and_versioned_in_the_report():
    report = analyse(declared(expected_peak_sales=500_000_000))
    assert report.band_thresholds == BAND_THRESHOLDS
    keys = {a.key for a in report.assumptions}
    version = BAND_THRESHOLDS.version
    assert {
        f"{version}.weak_ptrs_below",
        f"{version}.strong_ptrs_from",
        f"{version}.launch_share_floor",
    } <= keys
    # The reason names the threshold set, not a bare number.
    assert version in report.band_reason


def test_applicant_range_in_words_has_no_figures():
    summary = applicant_summary(analyse(declared(expected_peak_sales=500_000_000)))
    assert summary.range_in_words is not None
    assert not any(ch.isdigit() for ch in summary.range_in_words)
