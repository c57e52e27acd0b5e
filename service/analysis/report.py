"""What the prospect analysis (method 2) takes in and what it reports."""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from service.analysis.figures import ReferenceFigure
from service.analysis.wording import FLAG_LABELS, Wording
from service.proposals.vocabulary import IndicationDetail, Modality, Phase, TherapeuticArea

METHOD_VERSION: Literal["prospect-2021.2"] = "prospect-2021.2"

_ALPHA_2 = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class TeamData:
    """What the applicant declared about the team (all optional at intake)."""

    team_size: int | None = None
    staff_international_experience: int | None = None
    overseas_sites: int | None = None

    @property
    def declared(self) -> bool:
        return any(
            v is not None
            for v in (self.team_size, self.staff_international_experience, self.overseas_sites)
        )


@dataclass(frozen=True)
class ProspectInput:
    """The declared data of a proposal that the prospect analysis reads.

    Amounts are USD in today's money; `current_year` is passed in so that the analysis never
    reads the clock.
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
    indication_detail: IndicationDetail | None = None
    rare_disease: bool | None = None
    biomarker: bool | None = None
    team: TeamData = TeamData()

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
    message: str  # plain words for the applicant: published benchmarks only, no internal figure
    detail: str  # for the committee: may cite the figures
    triggered_by: list[str]
    # The message and detail as a code and values, for readers of other languages; absent
    # from reports stored before they were kept.
    message_wording: Wording | None = None
    detail_wording: Wording | None = None

    @classmethod
    def of(
        cls,
        code: str,
        kind: FlagKind,
        *,
        message: Wording,
        detail: Wording,
        triggered_by: list[str],
    ) -> "Flag":
        """A flag whose label, message and detail come from the sentence templates."""
        return cls(
            code=code,
            kind=kind,
            label=FLAG_LABELS[code],
            message=message.english(),
            detail=detail.english(),
            triggered_by=triggered_by,
            message_wording=message,
            detail_wording=detail,
        )


class Assumption(_Frozen):
    """A method choice that is not a published figure, stated so that the reader can judge it."""

    key: str
    label: str
    value: float | str
    unit: str
    rationale: str


class Interval(_Frozen):
    """A credible interval: `level` of the posterior mass lies between `low` and `high`."""

    level: float
    low: float
    high: float


class TransitionRate(_Frozen):
    stage: str  # the stage the transition leaves: Phase I, Phase II, Phase III, filing
    rate: float  # published point estimate
    n: int | None  # phase transitions behind it
    interval: Interval | None  # Beta posterior from n; None without a published n
    figure: str  # key of the reference figure


class BenchmarkRow(_Frozen):
    """One published BIO 2021 row and the PTRS it gives from the current stage."""

    subject: str
    label: str
    table: str  # area, oncology_subgroup, modality, population, biomarker
    ptrs: float  # product of the remaining published transitions
    interval: Interval | None
    smallest_n: int | None
    transitions: list[TransitionRate]
    role: str  # why the row is in the report: chosen, or what it is context for


class SuccessProbability(_Frozen):
    """PTRS from the current stage to approval: one chosen row, the others beside it."""

    from_stage: str
    chosen: BenchmarkRow  # its `role` names the rule that chose it (assumption benchmark_rule)
    context: list[BenchmarkRow]
    ptrs: float  # the chosen row's: the one the rest of the report uses
    interval: Interval | None


class StageYears(_Frozen):
    stage: str
    years: float
    figure: str


class Timeline(_Frozen):
    durations_subject: str
    stages: list[StageYears]
    benchmark_years_to_approval: float
    declared_years_to_launch: int | None
    share_of_benchmark: float | None
    launch_share_floor: float
    area_years_phase_1_to_approval: float | None  # context where per-phase years are not published


class StageCost(_Frozen):
    stage: str
    trials: int  # a stated assumption, not a published figure
    cost_per_trial: float  # USD, published median
    total: float  # USD


class BudgetCheck(_Frozen):
    stages: list[StageCost]
    remaining_trial_costs: float  # USD
    budget_requested: float | None
    below_trial_costs: bool | None
    cost_per_approved_drug: float  # USD, context: published, failures included


class CashFlow(_Frozen):
    t: int  # years from the current year
    year: int
    item: str
    amount: float  # USD, real, costs negative, sales after the operating margin
    probability: float  # that the project is still alive when the amount falls due


class MonteCarlo(_Frozen):
    draws: int
    seed: int
    varies: str
    p10: float  # USD
    p50: float
    p90: float


class SensitivityRow(_Frozen):
    """One line of the tornado: the base rNPV with one input moved to each end."""

    driver: str
    low_setting: str
    high_setting: str
    rnpv_at_low: float  # USD
    rnpv_at_high: float
    swing: float  # |high - low|, the table is ordered by it


class Valuation(_Frozen):
    timing: Literal["declared launch year", "benchmark timeline"]
    launch_year: int
    base_rate: float
    operating_margin: float
    base_rnpv: float  # USD
    benchmark_timeline_rnpv: float | None  # the other scenario, when the declared year is used
    monte_carlo: MonteCarlo
    sensitivity: list[SensitivityRow]
    cash_flows: list[CashFlow]


class ReviewTime(_Frozen):
    label: str
    days: float
    figure: str


class DeviceCheck(_Frozen):
    path: str
    assumed: bool
    triggered_by: list[str]
    review_times: list[ReviewTime]
    concept_to_market_cost: float | None  # USD, published survey average
    budget_requested: float | None
    budget_below_cost: bool | None
    declared_years_to_launch: int | None
    launch_before_review: bool | None  # declared launch sooner than the shortest review time


class BandThresholds(_Frozen):
    """The cut-offs that turn the figures into a band: named and versioned method choices."""

    version: str
    weak_ptrs_below: float
    strong_ptrs_from: float
    launch_share_floor: float
    rationale: str


class ProspectReport(_Frozen):
    """The explainable prospect report for the committee: every number with its source."""

    method_version: Literal["prospect-2021.2"] = METHOD_VERSION
    band: ProspectBand
    band_reason: str
    band_thresholds: BandThresholds
    flags: list[Flag]
    success_probability: SuccessProbability | None
    timeline: Timeline | None
    budget: BudgetCheck | None
    valuation: Valuation | None
    device: DeviceCheck | None
    figures: list[ReferenceFigure]
    assumptions: list[Assumption]
    caveats: list[str]
    target_markets: list[str]
    sco_target_markets: list[str]
    # band_reason and caveats as codes and values (see service.analysis.wording); absent from
    # reports stored before they were kept.
    band_reason_wording: Wording | None = None
    caveat_wordings: list[Wording] = []


class ApplicantSummary(_Frozen):
    """What an applicant may see of a report: no internal figures."""

    method_version: str
    band: ProspectBand
    range_in_words: str | None  # None for method-1 reports, which had no range
    flags: list[str]
    caveats: list[str]
    # The same as codes and values, for readers of other languages (empty for reports stored
    # before they were kept).
    range_wordings: list[Wording] = []
    flag_wordings: list[Wording] = []
    caveat_wordings: list[Wording] = []
