"""Declared data for the prospect-analysis tests."""

from dataclasses import replace
from typing import Any

from service.analysis import ProspectInput
from service.proposals.vocabulary import Modality, Phase, TherapeuticArea

CURRENT_YEAR = 2025

# A US-only oncology small molecule in Phase III with room in its budget and launch year.
BASE = ProspectInput(
    therapeutic_area=TherapeuticArea.oncology,
    modality=Modality.small_molecule,
    phase=Phase.phase_3,
    budget_requested=50_000_000,
    expected_peak_sales=10_000_000,
    target_launch_year=2032,
    target_markets=("US",),
    current_year=CURRENT_YEAR,
)


def declared(**changes: Any) -> ProspectInput:
    """The base case with some declared fields changed."""
    return replace(BASE, **changes)
