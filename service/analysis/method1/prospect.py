"""The development-prospect analysis: an explainable report built only from published figures.

Bands (documented here and restated in each report's `band_reason`):

- expert_judgement_required: no published success rate covers the case (medical devices,
  diagnostics, manufacturing or supply-chain projects, a drug whose phase is not applicable);
  the report gives no probability rather than inventing one.
- weak: PTRS below WEAK_PTRS_BELOW (under the oncology likelihood of approval from Phase I, one
  of the lowest areas), or a base-case rNPV that is not positive.
- strong: PTRS at least STRONG_PTRS_FROM, a positive base-case rNPV, and no plan or method flag
  (launch year, budget, preclinical attrition). Challenge flags do not lower the band: they are
  points for reviewers, and the modality already enters the PTRS.
- moderate: everything else, including any case without declared peak sales (no rNPV).
"""

from dataclasses import dataclass, field

from service.analysis.figures import FigureLog
from service.analysis.method1.challenges import challenge_flags
from service.analysis.method1.figures import METHOD_VERSION, cost_figures, success_rates
from service.analysis.method1.ptrs import (
    MAX_RATE,
    RATIO_CEILING,
    RATIO_FLOOR,
    Stage,
    area_subject,
    has_published_rates,
    remaining_stages,
    success_probability,
)
from service.analysis.method1.report import (
    MethodOneBudgetCheck,
    MethodOneDevicePath,
    MethodOneRateScenario,
    MethodOneReport,
    MethodOneSuccessProbability,
    MethodOneTimeline,
    MethodOneValuation,
    ProspectInput,
)
from service.analysis.method1.valuation import (
    RAMP_YEARS,
    YEARS_ON_MARKET,
    StageCost,
    cost_cash_flows,
    launch_offset,
    revenue_cash_flows,
    rnpv,
)
from service.analysis.report import Assumption, Flag, FlagKind, ProspectBand
from service.proposals.vocabulary import SCO_MEMBER_STATES, Modality, Phase

WEAK_PTRS_BELOW = 0.05
STRONG_PTRS_FROM = 0.25
LAUNCH_SHARE_FLOOR = 0.70  # declared time to launch as a share of the benchmark time
LOW_RATE = 0.08  # lower sensitivity rate: a method choice, not a published figure
MILLION = 1_000_000

US_BENCHMARK_CAVEAT = (
    "The reference figures are US/FDA based; they are used as the best published benchmark for "
    "all target markets."
)

_NO_RATES = {
    Modality.medical_device: "medical devices",
    Modality.diagnostic: "diagnostics",
    Modality.manufacturing: "manufacturing or supply-chain projects",
}


@dataclass
class _Draft:
    """What every branch of the analysis accumulates before the report is assembled."""

    markets: list[str]
    sco: list[str]
    flags: list[Flag]
    caveats: list[str]
    log: FigureLog = field(default_factory=FigureLog)

    def report(
        self,
        *,
        band: ProspectBand,
        band_reason: str,
        success_probability: MethodOneSuccessProbability | None = None,
        timeline: MethodOneTimeline | None = None,
        budget: MethodOneBudgetCheck | None = None,
        valuation: MethodOneValuation | None = None,
        device_path: MethodOneDevicePath | None = None,
        assumptions: list[Assumption] | None = None,
    ) -> MethodOneReport:
        figures = self.log.figures()
        caveats = [*self.caveats, *(f.caveat for f in figures if f.caveat)]
        return MethodOneReport(
            method_version=METHOD_VERSION,
            band=band,
            band_reason=band_reason,
            flags=self.flags,
            success_probability=success_probability,
            timeline=timeline,
            budget=budget,
            valuation=valuation,
            device_path=device_path,
            figures=figures,
            assumptions=assumptions or [],
            caveats=list(dict.fromkeys(caveats)),
            target_markets=self.markets,
            sco_target_markets=self.sco,
        )


def analyse(inp: ProspectInput) -> MethodOneReport:
    """Build the prospect report for one proposal's declared data.

    Pure: reads only the packaged reference figures; `inp.current_year` is t = 0.
    """
    markets = sorted({m.strip().upper() for m in inp.target_markets})
    sco = [m for m in markets if m in SCO_MEMBER_STATES]
    draft = _Draft(markets, sco, challenge_flags(inp, markets), [US_BENCHMARK_CAVEAT])
    log, flags, caveats = draft.log, draft.flags, draft.caveats
    if sco:
        caveats.append(
            f"Target markets in SCO member states ({', '.join(sco)}) have no published success "
            "rates of their own in the reference: the FDA-based figures stand in for them."
        )

    if inp.modality is Modality.medical_device:
        device = _device_path(inp.keywords, log)
        caveats.append(
            f"The regulatory path ({device.path}) is assumed from the declared keywords. No "
            "published phase-success rates exist for medical devices."
        )
        if device.concept_to_market_cost is None:
            caveats.append(f"No published concept-to-market cost for the {device.path} path.")
        return draft.report(
            band=ProspectBand.expert_judgement_required,
            band_reason="Medical devices have regulatory-path times and costs but no published "
            "success rates: expert judgement is required instead of a probability.",
            device_path=device,
        )

    if not has_published_rates(inp.modality, inp.phase):
        what = _NO_RATES.get(inp.modality, f"phase '{inp.phase.value}'")
        caveats.append(f"No published success rate covers {what}.")
        return draft.report(
            band=ProspectBand.expert_judgement_required,
            band_reason=f"No published success rate covers {what}: expert judgement is "
            "required instead of an invented probability.",
        )

    ptrs, notes = success_probability(inp.therapeutic_area, inp.modality, inp.phase, log)
    caveats.extend(notes)
    stages = remaining_stages(inp.phase)
    if inp.phase in (Phase.discovery, Phase.preclinical):
        flags.append(_preclinical_flag(inp.phase))
    timeline = _timeline(inp, stages, log, flags) if stages else None
    budget = _budget_check(inp, stages, log, flags)
    valuation = _valuation(inp, ptrs, stages, log)
    if valuation is None:
        caveats.append("No expected peak sales declared: the risk-adjusted NPV is not computed.")
    band, reason = _band(ptrs.adjusted, valuation, flags)
    return draft.report(
        band=band,
        band_reason=reason,
        success_probability=ptrs,
        timeline=timeline,
        budget=budget,
        valuation=valuation,
        assumptions=_assumptions(ptrs, valuation),
    )


def _device_path(keywords: tuple[str, ...], log: FigureLog) -> MethodOneDevicePath:
    costs = cost_figures()
    lowered = [(k, k.lower()) for k in keywords]
    pma = [k for k, low in lowered if any(t in low for t in ("pma", "class iii", "implant"))]
    de_novo = [k for k, low in lowered if "de novo" in low]
    if pma:
        return MethodOneDevicePath(
            path="PMA",
            assumed=True,
            triggered_by=[f"keyword: {k}" for k in pma],
            review_days_low=log.use(costs["device_pma_goal_days_low"]),
            review_days_high=log.use(costs["device_pma_goal_days_high"]),
            observed_days_low=log.use(costs["device_pma_observed_days_low"]),
            observed_days_high=log.use(costs["device_pma_observed_days_high"]),
            concept_to_market_cost=log.use(costs["device_pma_cost"]) * MILLION,
        )
    if de_novo:
        days = log.use(costs["device_de_novo_review_days"])
        return MethodOneDevicePath(
            path="De Novo",
            assumed=True,
            triggered_by=[f"keyword: {k}" for k in de_novo],
            review_days_low=days,
            review_days_high=days,
            observed_days_low=None,
            observed_days_high=None,
            concept_to_market_cost=None,
        )
    days = log.use(costs["device_510k_review_days"])
    return MethodOneDevicePath(
        path="510(k)",
        assumed=True,
        triggered_by=["no PMA, class III, implant or De Novo keyword declared"],
        review_days_low=days,
        review_days_high=days,
        observed_days_low=None,
        observed_days_high=None,
        concept_to_market_cost=log.use(costs["device_510k_cost"]) * MILLION,
    )


def _preclinical_flag(phase: Phase) -> Flag:
    return Flag(
        code="preclinical_attrition_not_included",
        kind=FlagKind.method,
        label="Preclinical attrition not included",
        message="The project has not yet reached clinical trials: the published benchmarks "
        "start at the first clinical phase, so the risk of failing before then is not counted.",
        detail="BIO 2021 publishes no preclinical success rate: PTRS, timeline, costs and rNPV "
        "run from Phase I onward and overstate the prospect.",
        triggered_by=[f"phase: {phase.value}"],
    )


def _timeline(
    inp: ProspectInput, stages: tuple[Stage, ...], log: FigureLog, flags: list[Flag]
) -> MethodOneTimeline:
    rates = success_rates()
    # BIO 2021 publishes per-phase durations for all indications only.
    benchmark = sum(log.use(rates[("all_indications", s.years_measure)]) for s in stages)
    area_total = rates.get((area_subject(inp.therapeutic_area), "years_phase_1_to_approval"))
    declared = None
    share = None
    if inp.target_launch_year is not None:
        declared = inp.target_launch_year - inp.current_year
        share = declared / benchmark
        if share < LAUNCH_SHARE_FLOOR:
            flags.append(
                Flag(
                    code="launch_year_ambitious",
                    kind=FlagKind.plan,
                    label="Launch year ahead of benchmark",
                    message="The declared launch year leaves much less time than comparable "
                    "programmes have typically needed to reach approval.",
                    detail=f"{declared} years to the declared launch against a benchmark of "
                    f"{benchmark:.1f} years for the remaining stages ({share:.0%}, below "
                    f"{LAUNCH_SHARE_FLOOR:.0%}).",
                    triggered_by=[
                        f"target launch year: {inp.target_launch_year}",
                        f"current year: {inp.current_year}",
                    ],
                )
            )
    return MethodOneTimeline(
        benchmark_years_to_approval=benchmark,
        declared_years_to_launch=declared,
        share_of_benchmark=share,
        area_years_phase_1_to_approval=log.use(area_total) if area_total else None,
    )


def _budget_check(
    inp: ProspectInput, stages: tuple[Stage, ...], log: FigureLog, flags: list[Flag]
) -> MethodOneBudgetCheck | None:
    costs = cost_figures()
    trials = [s for s in stages if s.trial_cost_key]
    if not trials:
        return None
    floor = sum(log.use(costs[s.trial_cost_key]) for s in trials if s.trial_cost_key) * MILLION
    names = [s.name for s in trials]
    below = None if inp.budget_requested is None else inp.budget_requested < floor
    if below:
        flags.append(
            Flag(
                code="budget_below_trial_floor",
                kind=FlagKind.plan,
                label="Budget below the trial-cost floor",
                message="The requested budget is below the typical cost of the clinical trials "
                "still ahead, even counting a single trial per phase.",
                detail=f"Budget {inp.budget_requested:,.0f} USD against {floor:,.0f} USD: one "
                f"trial per remaining phase ({', '.join(names)}) at the median cost per trial "
                "(Martin et al. 2017), which is a floor.",
                triggered_by=[
                    f"budget requested: {inp.budget_requested:,.0f} USD",
                    f"remaining trials: {', '.join(names)}",
                ],
            )
        )
    return MethodOneBudgetCheck(
        remaining_trials=names,
        trial_cost_floor=floor,
        budget_requested=inp.budget_requested,
        below_floor=below,
    )


def _valuation(
    inp: ProspectInput, ptrs: MethodOneSuccessProbability, stages: tuple[Stage, ...], log: FigureLog
) -> MethodOneValuation | None:
    if inp.expected_peak_sales is None:
        return None
    rates = success_rates()
    costs = cost_figures()
    flows = []
    start = 0.0
    reach = 1.0  # probability of reaching the stage that starts at `start`
    for stage, step in zip(stages, ptrs.steps, strict=True):
        years = log.use(rates[("all_indications", stage.years_measure)])
        if stage.trial_cost_key:
            cost = log.use(costs[stage.trial_cost_key]) * MILLION
            flows += cost_cash_flows(
                StageCost(f"{stage.name} trial", cost, start, years, reach), inp.current_year
            )
        start += years
        reach *= step.adjusted_rate
    if stages:
        launch_t = launch_offset(start)
    elif inp.target_launch_year is not None and inp.target_launch_year <= inp.current_year:
        launch_t = inp.target_launch_year - inp.current_year
    else:
        launch_t = 0
    flows += revenue_cash_flows(inp.expected_peak_sales, launch_t, ptrs.adjusted, inp.current_year)

    base = log.use(costs["discount_rate_base"]) / 100
    high = log.use(costs["discount_rate_high"]) / 100
    scenarios = [
        MethodOneRateScenario(label=label, rate=rate, rnpv=rnpv(flows, rate))
        for label, rate in (("low", LOW_RATE), ("base", base), ("high", high))
    ]
    return MethodOneValuation(
        base_rate=base,
        base_rnpv=rnpv(flows, base),
        scenarios=sorted(scenarios, key=lambda s: s.rate),
        cash_flows=flows,
    )


def _band(
    ptrs: float, valuation: MethodOneValuation | None, flags: list[Flag]
) -> tuple[ProspectBand, str]:
    if ptrs < WEAK_PTRS_BELOW:
        return ProspectBand.weak, f"PTRS {ptrs:.1%} is below {WEAK_PTRS_BELOW:.0%}."
    if valuation is not None and valuation.base_rnpv <= 0:
        return ProspectBand.weak, "The base-case risk-adjusted NPV is not positive."
    holding_back = [f.code for f in flags if f.kind is not FlagKind.challenge]
    if ptrs >= STRONG_PTRS_FROM and valuation is not None and not holding_back:
        return (
            ProspectBand.strong,
            f"PTRS {ptrs:.1%} is at least {STRONG_PTRS_FROM:.0%}, the base-case rNPV is "
            "positive and no plan or method flag is raised.",
        )
    reasons = []
    if ptrs < STRONG_PTRS_FROM:
        reasons.append(f"PTRS {ptrs:.1%} is below {STRONG_PTRS_FROM:.0%}")
    if valuation is None:
        reasons.append("no rNPV (no declared peak sales)")
    if holding_back:
        reasons.append(f"flags raised: {', '.join(holding_back)}")
    return ProspectBand.moderate, f"Not strong: {'; '.join(reasons)}."


def _assumptions(
    ptrs: MethodOneSuccessProbability, valuation: MethodOneValuation | None
) -> list[Assumption]:
    assumptions = []
    if ptrs.steps:
        assumptions += [
            Assumption(
                key="modality_ratio_caps",
                label="Modality ratio caps",
                value=f"[{RATIO_FLOOR}, {RATIO_CEILING}]; adjusted rate <= {MAX_RATE}",
                unit="ratio",
                rationale="Keeps one extreme or small-count modality cell from dominating the "
                "therapeutic-area rate.",
            ),
            Assumption(
                key="phase_durations",
                label="Phase durations",
                value="all indications",
                unit="years",
                rationale="BIO 2021 publishes per-phase durations for all indications only; "
                "area totals are shown as context.",
            ),
        ]
    if valuation is None:
        return assumptions
    if ptrs.steps:
        assumptions += [
            Assumption(
                key="stage_costs",
                label="Development costs",
                value="one median trial per remaining phase",
                unit="USD",
                rationale="Each phase's median trial cost (Martin et al. 2017) is spread evenly "
                "over its benchmark years, starting now; filing, preclinical and manufacturing "
                "costs have no published figure in the reference and are left out.",
            ),
            Assumption(
                key="launch_timing",
                label="Launch",
                value="first whole year after benchmark approval",
                unit="year",
                rationale="Revenues follow the benchmark timeline, not the declared launch year.",
            ),
        ]
    else:
        assumptions.append(
            Assumption(
                key="launch_timing",
                label="Launch",
                value="declared launch year if past, else the current year",
                unit="year",
                rationale="A marketed product has no development stage left; years of sales "
                "before the current year are history and left out.",
            )
        )
    return [
        *assumptions,
        Assumption(
            key="ramp_years",
            label="Linear ramp to peak sales",
            value=RAMP_YEARS,
            unit="years",
            rationale="Declared peak sales are reached linearly over the first years on the "
            "market.",
        ),
        Assumption(
            key="years_on_market",
            label="Years on the market to loss of exclusivity",
            value=YEARS_ON_MARKET,
            unit="years",
            rationale="Sales stay flat at peak after the ramp until loss of exclusivity.",
        ),
        Assumption(
            key="margin",
            label="Margin on sales",
            value="none deducted",
            unit="share of sales",
            rationale="No published margin is in the reference: revenues are declared sales with "
            "no cost of goods, marketing or tax deducted, so the rNPV is an upper bound.",
        ),
        Assumption(
            key="low_discount_rate",
            label="Lower sensitivity discount rate",
            value=LOW_RATE * 100,
            unit="percent",
            rationale="A method choice for the sensitivity range, not a published figure.",
        ),
    ]
