"""What method 1 of the prospect analysis took in and reported (its stored reports)."""

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from service.analysis.figures import ReferenceFigure

# Shared with method 2: the same fields, so one schema documents both.
from service.analysis.report import Assumption, CashFlow, Flag, ProspectBand
from service.proposals.vocabulary import Modality, Phase, TherapeuticArea

_ALPHA_2 = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class ProspectInput:
    """The declared data of a proposal that the prospect analysis reads.

    Amounts are USD; `current_year` is passed in so that the analysis never reads the clock.
    """

    therapeutic_area: TherapeuticArea
    modality: Modality
    phase: Phase
    budget_requested: float | None  # USD
    expected_peak_sales: float | None  # USD per year
    target_launch_year: int | None
    target_markets: tuple[str, ...]  # ISO 3166-1 alpha-2
    current_year: int
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bad = [m for m in self.target_markets if not _ALPHA_2.fullmatch(m.strip().upper())]
        if bad:
            raise ValueError(f"target markets must be ISO 3166-1 alpha-2 codes: {bad}")
        for name in ("budget_requested", "expected_peak_sales"):
            amount = getattr(self, name)
            if amount is not None and amount < 0:
                raise ValueError(f"{name} must not be negative")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class MethodOneTransitionStep(_Frozen):
    stage: str
    area_rate: float
    all_indications_rate: float
    modality_rate: float
    modality_rate_derived: bool  # True when derived from the modality LOA, not published
    modality_ratio: float  # after the cap
    ratio_capped: bool
    adjusted_rate: float
    rate_capped: bool


class MethodOneSuccessProbability(_Frozen):
    """PTRS from the current stage to approval, area-only, modality-only and combined."""

    from_stage: str
    area_subject: str
    modality_subject: str
    steps: list[MethodOneTransitionStep]
    area_only: float
    modality_only: float
    adjusted: float  # the one the rest of the report uses


class MethodOneTimeline(_Frozen):
    benchmark_years_to_approval: float
    declared_years_to_launch: int | None
    share_of_benchmark: float | None
    area_years_phase_1_to_approval: float | None  # context only: published per area, not per phase


class MethodOneBudgetCheck(_Frozen):
    remaining_trials: list[str]
    trial_cost_floor: float  # USD: one trial per remaining phase at the median cost
    budget_requested: float | None
    below_floor: bool | None


class MethodOneRateScenario(_Frozen):
    label: str
    rate: float
    rnpv: float  # USD


class MethodOneValuation(_Frozen):
    base_rate: float
    base_rnpv: float  # USD
    scenarios: list[MethodOneRateScenario]  # ordered by rate
    cash_flows: list[CashFlow]


class MethodOneDevicePath(_Frozen):
    path: str
    assumed: bool
    triggered_by: list[str]
    review_days_low: float
    review_days_high: float
    observed_days_low: float | None
    observed_days_high: float | None
    concept_to_market_cost: float | None  # USD


class MethodOneReport(_Frozen):
    """The explainable prospect report for the committee: every number with its source."""

    method_version: Literal["prospect-2021.1"]
    band: ProspectBand
    band_reason: str
    flags: list[Flag]
    success_probability: MethodOneSuccessProbability | None
    timeline: MethodOneTimeline | None
    budget: MethodOneBudgetCheck | None
    valuation: MethodOneValuation | None
    device_path: MethodOneDevicePath | None
    figures: list[ReferenceFigure]
    assumptions: list[Assumption]
    caveats: list[str]
    target_markets: list[str]
    sco_target_markets: list[str]
