"""What the prospect analysis takes in and what it reports."""

import re
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from service.analysis.figures import ReferenceFigure
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


class ProspectBand(StrEnum):
    strong = "strong"
    moderate = "moderate"
    weak = "weak"
    expert_judgement_required = "expert_judgement_required"


class FlagKind(StrEnum):
    challenge = "challenge"  # one of the seed's named challenges, from the declared data
    plan = "plan"  # the declared plan (launch year, budget) against the benchmarks
    method = "method"  # a limit of the method that the reader must weigh


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Flag(_Frozen):
    code: str
    kind: FlagKind
    label: str
    message: str  # plain words for the applicant: never an internal figure
    detail: str  # for the committee: may cite the figures
    triggered_by: list[str]


class Assumption(_Frozen):
    """A method choice that is not a published figure, stated so that the reader can judge it."""

    key: str
    label: str
    value: float | str
    unit: str
    rationale: str


class TransitionStep(_Frozen):
    stage: str
    area_rate: float
    all_indications_rate: float
    modality_rate: float
    modality_rate_derived: bool  # True when derived from the modality LOA, not published
    modality_ratio: float  # after the cap
    ratio_capped: bool
    adjusted_rate: float
    rate_capped: bool


class SuccessProbability(_Frozen):
    """PTRS from the current stage to approval, area-only, modality-only and combined."""

    from_stage: str
    area_subject: str
    modality_subject: str
    steps: list[TransitionStep]
    area_only: float
    modality_only: float
    adjusted: float  # the one the rest of the report uses


class Timeline(_Frozen):
    benchmark_years_to_approval: float
    declared_years_to_launch: int | None
    share_of_benchmark: float | None
    area_years_phase_1_to_approval: float | None  # context only: published per area, not per phase


class BudgetCheck(_Frozen):
    remaining_trials: list[str]
    trial_cost_floor: float  # USD: one trial per remaining phase at the median cost
    budget_requested: float | None
    below_floor: bool | None


class CashFlow(_Frozen):
    t: int  # years from the current year
    year: int
    item: str
    amount: float  # USD, costs negative
    probability: float  # that the project is still alive when the amount falls due


class RateScenario(_Frozen):
    label: str
    rate: float
    rnpv: float  # USD


class Valuation(_Frozen):
    base_rate: float
    base_rnpv: float  # USD
    scenarios: list[RateScenario]  # ordered by rate
    cash_flows: list[CashFlow]


class DevicePath(_Frozen):
    path: str
    assumed: bool
    triggered_by: list[str]
    review_days_low: float
    review_days_high: float
    observed_days_low: float | None
    observed_days_high: float | None
    concept_to_market_cost: float | None  # USD


class ProspectReport(_Frozen):
    """The explainable prospect report for the committee: every number with its source."""

    method_version: str
    band: ProspectBand
    band_reason: str
    flags: list[Flag]
    success_probability: SuccessProbability | None
    timeline: Timeline | None
    budget: BudgetCheck | None
    valuation: Valuation | None
    device_path: DevicePath | None
    figures: list[ReferenceFigure]
    assumptions: list[Assumption]
    caveats: list[str]
    target_markets: list[str]
    sco_target_markets: list[str]


class ApplicantSummary(_Frozen):
    """What an applicant may see of the report: no internal figures."""

    method_version: str
    band: ProspectBand
    flags: list[str]
    caveats: list[str]
