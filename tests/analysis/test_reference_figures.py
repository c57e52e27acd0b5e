"""The stored reference CSVs reproduce the published headline figures and cite every number."""

import math

import pytest

from service.analysis.figures import Confidence, cost_figures, success_rates

TRANSITIONS = ("p1_to_p2", "p2_to_p3", "p3_to_filing", "filing_to_approval")


def loa(subject: str, first: int = 0) -> float:
    """Likelihood of approval in percent, multiplied out from the stored transitions."""
    rates = success_rates()
    return 100 * math.prod(rates[(subject, m)].value / 100 for m in TRANSITIONS[first:])


@pytest.mark.parametrize(
    ("subject", "published"),
    [("all_indications", 7.9), ("oncology", 5.3), ("hematology", 23.9)],
)
def test_stored_transitions_multiply_out_to_published_loa_from_phase_1(subject, published):
    assert loa(subject) == pytest.approx(published, abs=0.2)


SUBJECTS = sorted({subject for subject, _ in success_rates()})


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_published_row_reproduces_its_loa_from_its_transitions_within_0_2_points(subject):
    stored = success_rates()[(subject, "loa_from_phase_1")].value
    assert loa(subject) == pytest.approx(stored, abs=0.2)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_transition_carries_its_n_and_the_loa_counts_all_four(subject):
    rates = success_rates()
    counts = [rates[(subject, m)].n for m in TRANSITIONS]
    assert all(n is not None and n > 0 for n in counts), counts
    assert rates[(subject, "loa_from_phase_1")].n == sum(n for n in counts if n is not None)


def test_bio_all_indications_row_counts_the_published_12728_transitions():
    assert success_rates()[("all_indications", "loa_from_phase_1")].n == 12_728


def test_car_t_counts_are_the_published_43_17_3_4():
    # bio2021-verified.md: "CAR-T (n = 43 / 17 / 3 / 4)".
    rates = success_rates()
    assert [rates[("car_t", m)].n for m in TRANSITIONS] == [43, 17, 3, 4]


def test_stored_transitions_give_published_all_indications_loa_from_phase_2():
    assert loa("all_indications", first=1) == pytest.approx(15.1, abs=0.2)


def test_stored_transitions_give_published_all_indications_loa_from_phase_3():
    assert loa("all_indications", first=2) == pytest.approx(52.4, abs=0.2)


def test_every_reference_row_carries_source_year_and_confidence():
    figures = [*success_rates().values(), *cost_figures().values()]
    assert figures
    for figure in figures:
        assert figure.source.strip(), figure.key
        assert 2000 <= figure.year <= 2025, figure.key
        assert isinstance(figure.confidence, Confidence), figure.key
        assert figure.unit.strip(), figure.key


def test_martin_median_trial_costs_are_stored():
    costs = cost_figures()
    assert [costs[f"trial_cost_phase_{n}"].value for n in (1, 2, 3)] == [3.4, 8.6, 21.4]


# Every stored figure, transcribed from /work/shared/reference/prospect-figures.md, with the
# confidence that file gives it. A new CSV row must be checked against that file and added here.
BIO_SOURCE_YEAR = 2021
BIO_TRANSITIONS = ("p1_to_p2", "p2_to_p3", "p3_to_filing", "filing_to_approval")
# Section 1, "By therapeutic area, percent (S+)": I->II, II->III, III->filing, filing->approval,
# LOA from Phase I, then "years Phase I->approval (S)" (None where the reference has "-").
BIO_AREAS = {
    "all_indications": (52.0, 28.9, 57.8, 90.6, 7.9, 10.5),
    "hematology": (69.6, 48.1, 76.8, 93.1, 23.9, 10.7),
    "metabolic": (61.8, 45.0, 63.6, 87.5, 15.5, 9.5),
    "infectious_disease": (57.8, 38.4, 64.0, 92.9, 13.2, 9.7),
    "ophthalmology": (71.6, 35.5, 51.2, 91.1, 11.9, 9.8),
    "autoimmune": (55.2, 31.4, 65.3, 94.1, 10.7, None),
    "respiratory": (55.9, 21.9, 64.5, 95.6, 7.5, 10.4),
    "psychiatry": (52.7, 26.8, 56.3, 91.2, 7.3, 10.4),
    "endocrine": (43.3, 26.6, 66.2, 86.3, 6.6, 10.7),
    "neurology": (47.7, 26.8, 53.1, 86.7, 5.9, None),
    "oncology": (48.8, 24.6, 47.7, 92.0, 5.3, 10.3),
    "cardiovascular": (50.0, 21.0, 55.2, 82.5, 4.8, None),
    "urology": (40.9, 15.0, 69.2, 84.6, 3.6, None),
}
# Section 1, "By modality, LOA from Phase I, percent (S+)", with the two rows' transitions.
BIO_MODALITY_LOA = {
    "car_t": 17.3,
    "sirna_rnai": 13.5,
    "monoclonal_antibody": 12.1,
    "adc": 10.8,
    "gene_therapy": 10.0,
    "vaccine": 9.7,
    "protein": 9.4,
    "peptide": 8.0,
    "small_molecule": 7.5,
    "antisense": 5.2,
}
# /work/shared/reference/bio2021-verified.md, "Per-phase transitions by modality (Fig. 10b)".
BIO_MODALITY_TRANSITIONS = {
    "car_t": (44.2, 58.8, 66.7, 100.0),
    "monoclonal_antibody": (54.7, 34.1, 68.1, 95.4),
    "adc": (41.7, 41.5, 62.5, 100.0),
    "gene_therapy": (51.9, 38.6, 50.0, 100.0),
    "vaccine": (52.7, 31.6, 58.1, 100.0),
    "protein": (51.6, 33.0, 61.7, 89.7),
    "peptide": (53.0, 28.4, 60.0, 88.1),
    "sirna_rnai": (70.0, 28.9, 66.7, 100.0),
    "small_molecule": (52.6, 28.0, 56.9, 89.5),
    "antisense": (60.9, 20.0, 64.3, 66.7),
}
# bio2021-verified.md, "Also published there and confirmed": LOA from Phase I of the rows that
# method 1 did not use. Their transitions are pinned by the LOA test above (S+: they multiply
# out to the published LOA), their codes here: P where prospect-figures.md lists the headline.
BIO_VERIFIED_LOA = {
    "hematologic_cancer": (7.5, Confidence.secondary_checked),
    "solid_tumour": (4.6, Confidence.secondary_checked),
    "immuno_oncology": (12.4, Confidence.primary),
    "allergy": (10.3, Confidence.secondary_checked),
    "gastroenterology": (8.3, Confidence.secondary_checked),
    "others": (13.0, Confidence.secondary_checked),
    "rare_disease": (17.0, Confidence.primary),
    "chronic_high_prevalence": (5.9, Confidence.primary),
    "with_biomarker": (15.9, Confidence.primary),
    "without_biomarker": (7.6, Confidence.secondary_checked),
}
# bio2021-verified.md: "oncology 2.7 / 3.7 / 3.1 / 0.8, hematology 2.2 / 3.4 / 3.6 / 1.5".
BIO_AREA_DURATIONS = {"oncology": (2.7, 3.7, 3.1, 0.8), "hematology": (2.2, 3.4, 3.6, 1.5)}
DURATIONS = ("years_phase_1", "years_phase_2", "years_phase_3", "years_filing")
# Section 1, all-indications row: "from II 15.1, from III 52.4" (S+) and the per-phase
# durations "(2.3 / 3.6 / 3.3 / 1.3)" in the years column (S).
BIO_ALL_INDICATIONS_EXTRA = {
    "loa_from_phase_2": (15.1, Confidence.secondary_checked),
    "loa_from_phase_3": (52.4, Confidence.secondary_checked),
    "years_phase_1": (2.3, Confidence.secondary),
    "years_phase_2": (3.6, Confidence.secondary),
    "years_phase_3": (3.3, Confidence.secondary),
    "years_filing": (1.3, Confidence.secondary),
}
# Section 1 headlines "(P, publisher's page)"; every other BIO figure has the table's code.
BIO_PRIMARY = {
    ("all_indications", "loa_from_phase_1"),
    ("all_indications", "p2_to_p3"),
    ("all_indications", "years_phase_1_to_approval"),
    ("hematology", "loa_from_phase_1"),
    ("oncology", "loa_from_phase_1"),
    ("urology", "loa_from_phase_1"),
    ("car_t", "loa_from_phase_1"),
    ("sirna_rnai", "loa_from_phase_1"),
    # bio2021-verified.md: "vaccine LOA 9.7% ... can be P".
    ("vaccine", "loa_from_phase_1"),
}


def _bio_reference() -> dict[tuple[str, str], tuple[float, Confidence]]:
    ref: dict[tuple[str, str], tuple[float, Confidence]] = {}
    s_plus, s = Confidence.secondary_checked, Confidence.secondary
    for area, (*transitions, loa_1, years) in BIO_AREAS.items():
        for measure, value in zip(BIO_TRANSITIONS, transitions, strict=True):
            ref[(area, measure)] = (value, s_plus)
        ref[(area, "loa_from_phase_1")] = (loa_1, s_plus)
        if years is not None:
            ref[(area, "years_phase_1_to_approval")] = (years, s)
    for subject, loa_1 in BIO_MODALITY_LOA.items():
        ref[(subject, "loa_from_phase_1")] = (loa_1, s_plus)
    for subject, rates in BIO_MODALITY_TRANSITIONS.items():
        for measure, value in zip(BIO_TRANSITIONS, rates, strict=True):
            ref[(subject, measure)] = (value, s_plus)
    for measure, pinned in BIO_ALL_INDICATIONS_EXTRA.items():
        ref[("all_indications", measure)] = pinned
    for subject, (loa_1, confidence) in BIO_VERIFIED_LOA.items():
        ref[(subject, "loa_from_phase_1")] = (loa_1, confidence)
        for measure in BIO_TRANSITIONS:
            ref[(subject, measure)] = (success_rates()[(subject, measure)].value, s_plus)
    for area, years in BIO_AREA_DURATIONS.items():
        for measure, value in zip(DURATIONS, years, strict=True):
            ref[(area, measure)] = (value, s)
    for key in BIO_PRIMARY:
        ref[key] = (ref[key][0], Confidence.primary)
    return ref


# Sections 2-4: key -> (value, the source's name as the reference gives it or None where it
# names none for the figure, year or None where the reference gives none, confidence).
COST_REFERENCE = {
    # Section 2: "median cost per trial: $3.4M Phase I (in patients), $8.6M Phase II, $21.4M
    # Phase III | Martin et al., Nat Rev Drug Discov 16:381 (2017) | P".
    "trial_cost_phase_1": (3.4, "Martin et al.", 2017, "P"),
    "trial_cost_phase_2": (8.6, "Martin et al.", 2017, "P"),
    "trial_cost_phase_3": (21.4, "Martin et al.", 2017, "P"),
    # Sections 2 and 3: "10.5% real cost of capital" (DiMasi, Grabowski & Hansen 2016, P).
    "discount_rate_base": (10.5, "DiMasi, Grabowski & Hansen", 2016, "P"),
    # Section 3: "15% is the default real rate in the US HHS/ASPE clinical-trial cost study, P"
    # (no year given there).
    "discount_rate_high": (15.0, "US HHS/ASPE clinical-trial cost study", None, "P"),
    # Section 4 "(S)": review goals with no citation or year given in the reference.
    "device_510k_review_days": (90.0, None, None, "S"),
    "device_de_novo_review_days": (150.0, None, None, "S"),
    # bio2021-verified.md, "Corrections": 295 days is the MDUFA II (FY2008-2012) Tier 2 goal,
    # 180 days the Tier 1 goal.
    "device_pma_goal_days_mdufa2_tier1": (180.0, "MDUFA II", None, "S"),
    "device_pma_goal_days_mdufa2_tier2": (295.0, "MDUFA II", None, "S"),
    # Section 4: "observed original PMAs 462-627 days (GAO, FY03-FY08)".
    # bio2021-verified.md, "Corrections": GAO-12-418 (February 2012), averages for original
    # PMAs of 462 days in FY2003 and 627 days in FY2008; the year of the source is 2012.
    "device_pma_average_days_fy2003": (462.0, "GAO-12-418", 2012, "S"),
    "device_pma_average_days_fy2008": (627.0, "GAO-12-418", 2012, "S"),
    # Section 4: "about $31M (510(k)) and $94M (PMA) (Makower, 2010 survey)".
    "device_510k_cost": (31.0, "Makower", 2010, "S"),
    "device_pma_cost": (94.0, "Makower", 2010, "S"),
    # bio2021-verified.md, "Other confirmed figures": DiMasi 2016 $1,395M out-of-pocket and
    # $2,558M capitalised per approved drug; Wouters 2020 median $985.3M.
    "cost_per_approved_drug_out_of_pocket": (1395.0, "DiMasi, Grabowski & Hansen", 2016, "P"),
    "cost_per_approved_drug_capitalised": (2558.0, "DiMasi, Grabowski & Hansen", 2016, "P"),
    "rd_cost_per_new_drug_median": (985.3, "Wouters, McKee & Luyten", 2020, "P"),
}


# Units as the reference states them: "$3.4M", "10.5%", "90 FDA days", "De Novo 70% decided
# within 150 days", "observed original PMAs 462-627 days", "$31M".
COST_UNITS = {
    **dict.fromkeys(
        ("trial_cost_phase_1", "trial_cost_phase_2", "trial_cost_phase_3"), "USD million"
    ),
    **dict.fromkeys(("discount_rate_base", "discount_rate_high"), "percent"),
    **dict.fromkeys(
        (
            "device_510k_review_days",
            "device_pma_goal_days_mdufa2_tier1",
            "device_pma_goal_days_mdufa2_tier2",
        ),
        "FDA days",
    ),
    **dict.fromkeys(
        (
            "device_de_novo_review_days",
            "device_pma_average_days_fy2003",
            "device_pma_average_days_fy2008",
        ),
        "days",
    ),
    **dict.fromkeys(
        (
            "device_510k_cost",
            "device_pma_cost",
            "cost_per_approved_drug_out_of_pocket",
            "cost_per_approved_drug_capitalised",
            "rd_cost_per_new_drug_median",
        ),
        "USD million",
    ),
}


def test_every_bio2021_row_matches_the_reference_file():
    stored = success_rates()
    reference = _bio_reference()
    assert set(stored) == set(reference)
    for key, (value, confidence) in reference.items():
        figure = stored[key]
        unit = "years" if key[1].startswith("years_") else "percent"
        assert (figure.value, figure.unit, figure.confidence, figure.year) == (
            value,
            unit,
            confidence,
            BIO_SOURCE_YEAR,
        ), key


def test_every_cost_row_matches_the_reference_file():
    stored = cost_figures()
    assert set(stored) == set(COST_REFERENCE)
    for key, (value, source, year, confidence) in COST_REFERENCE.items():
        figure = stored[key]
        assert figure.value == value, key
        assert figure.unit == COST_UNITS[key], key
        assert figure.confidence == Confidence(confidence), key
        # The CSV may cite more fully than the reference (a title), never someone else.
        if source is not None:
            assert source in figure.source, key
        if year is not None:
            assert figure.year == year, key
