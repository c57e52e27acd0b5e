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


def test_stored_transitions_give_published_all_indications_loa_from_phase_2():
    assert loa("all_indications", first=1) == pytest.approx(15.1, abs=0.2)


def test_stored_transitions_give_published_all_indications_loa_from_phase_3():
    assert loa("all_indications", first=2) == pytest.approx(52.4, abs=0.2)


@pytest.mark.parametrize("subject", ["all_indications", "oncology", "urology", "small_molecule"])
def test_stored_loa_agrees_with_stored_transitions(subject):
    stored = success_rates()[(subject, "loa_from_phase_1")].value
    assert loa(subject) == pytest.approx(stored, abs=0.2)


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
