"""The development-prospect analysis, method 2: one published benchmark and an honest range.

Bands follow from the chosen benchmark and the named, versioned thresholds (BAND_THRESHOLDS):

- expert_judgement_required: no published success rate covers the case (medical devices,
  diagnostics, manufacturing or supply-chain projects, a drug whose phase is not applicable);
  the report gives no probability rather than inventing one.
- weak: PTRS below the weak threshold, or a base-case rNPV that is not positive.
- strong: PTRS at least the strong threshold, an rNPV positive across the Monte Carlo range
  (P10 > 0), and no plan or method flag. Challenge flags do not lower the band: they are points
  for reviewers, and the modality already enters the benchmark.
- moderate: everything else, including any case without declared peak sales (no rNPV).
"""

import math
from dataclasses import dataclass, field

import numpy as np

from service.analysis.benchmark import (
    DRAWS,
    INTERVAL_LEVEL,
    RULE,
    SEED,
    STAGES,
    Stage,
    benchmark_row,
    candidates,
    durations_subject,
    has_published_rates,
    remaining_stages,
    survival_draws,
)
from service.analysis.challenges import Terms, challenge_flags
from service.analysis.figures import FigureLog, cost_figures, success_rates
from service.analysis.report import (
    ApplicantSummary,
    Assumption,
    BandThresholds,
    BudgetCheck,
    DeviceCheck,
    Flag,
    FlagKind,
    MonteCarlo,
    ProspectBand,
    ProspectInput,
    ProspectReport,
    ReviewTime,
    StageCost,
    StageYears,
    SuccessProbability,
    Timeline,
    Valuation,
)
from service.analysis.valuation import (
    LAUNCH_SHIFT_YEARS,
    LOW_RATE,
    MARGIN_RANGE,
    OPERATING_MARGIN,
    PEAK_SALES_RANGE,
    RAMP_YEARS,
    TRIAL_COST_MULTIPLES,
    TRIALS_PER_STAGE,
    YEARS_ON_MARKET,
    Plan,
    cash_flows,
    rnpv,
    schedule,
    sensitivity,
)
from service.analysis.wording import Wording, say
from service.proposals.vocabulary import SCO_MEMBER_STATES, Modality, Phase, TherapeuticArea

BAND_THRESHOLDS = BandThresholds(
    version="bands-2021.2",
    weak_ptrs_below=0.05,
    strong_ptrs_from=0.25,
    launch_share_floor=0.70,
    rationale="Weak below 5%: under the oncology likelihood of approval from Phase I (5.3%), "
    "one of the lowest published areas. Strong from 25%: above every published likelihood of "
    "approval from Phase I (the highest, non-malignant hematology, is 23.9%), so reached only "
    "by later-stage programmes. Launch floor 70%: a declared time to launch under 70% of the "
    "benchmark time is rarely achieved. Method choices, not published figures.",
)
MILLION = 1_000_000

US_BENCHMARK_CAVEAT = say("us_benchmark")

_NO_RATES = {
    Modality.medical_device: say("what_devices"),
    Modality.diagnostic: say("what_diagnostics"),
    Modality.manufacturing: say("what_manufacturing"),
}
_PMA_TERMS = Terms("pma", "premarket approval", "class iii", "class 3", "implant*")
_DE_NOVO_TERMS = Terms("de novo")


@dataclass
class _Draft:
    """What every branch of the analysis accumulates before the report is assembled."""

    markets: list[str]
    sco: list[str]
    caveats: list[Wording]
    flags: list[Flag] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    log: FigureLog = field(default_factory=FigureLog)

    def report(
        self,
        *,
        band: ProspectBand,
        band_reason: Wording,
        success_probability: SuccessProbability | None = None,
        timeline: Timeline | None = None,
        budget: BudgetCheck | None = None,
        valuation: Valuation | None = None,
        device: DeviceCheck | None = None,
    ) -> ProspectReport:
        figures = self.log.figures()
        found = [*self.caveats, *(say("reference", text=f.caveat) for f in figures if f.caveat)]
        # Once each, by what the reader reads.
        caveats = list({c.english(): c for c in found}.values())
        return ProspectReport(
            band=band,
            band_reason=band_reason.english(),
            band_reason_wording=band_reason,
            band_thresholds=BAND_THRESHOLDS,
            flags=self.flags,
            success_probability=success_probability,
            timeline=timeline,
            budget=budget,
            valuation=valuation,
            device=device,
            figures=figures,
            assumptions=[*self.assumptions, *_threshold_assumptions()],
            caveats=[c.english() for c in caveats],
            caveat_wordings=caveats,
            target_markets=self.markets,
            sco_target_markets=self.sco,
        )


def analyse(inp: ProspectInput) -> ProspectReport:
    """Build the method-2 prospect report for one proposal's declared data.

    Pure and reproducible: reads only the packaged reference figures and a fixed seed;
    `inp.current_year` is t = 0.
    """
    markets = sorted({m.strip().upper() for m in inp.target_markets})
    sco = [m for m in markets if m in SCO_MEMBER_STATES]
    draft = _Draft(markets, sco, [US_BENCHMARK_CAVEAT])
    if sco:
        draft.caveats.append(say("sco_markets", markets=", ".join(sco)))

    if inp.modality is Modality.medical_device:
        return _device_report(inp, draft)

    if not has_published_rates(inp.modality, inp.phase):
        _add_challenges(inp, draft, None)
        what = _NO_RATES.get(inp.modality) or say("what_phase", phase=inp.phase.value)
        draft.caveats.append(say("no_rates", what=[what]))
        return draft.report(
            band=ProspectBand.expert_judgement_required,
            band_reason=say("band_no_rates", what=[what]),
        )

    ptrs, indication = _success_probability(inp, draft)
    _add_challenges(inp, draft, ptrs)
    stages = remaining_stages(inp.phase)
    if inp.phase in (Phase.discovery, Phase.preclinical):
        draft.flags.append(_preclinical_flag(inp.phase))
    if not stages:
        draft.caveats.append(say("marketed"))
    timeline = _timeline(inp, stages, indication, draft) if stages else None
    budget = _budget_check(inp, stages, draft)
    valuation = _valuation(inp, ptrs, stages, timeline, draft)
    if valuation is None:
        draft.caveats.append(say("no_peak_sales"))
    band, reason = _band(ptrs.ptrs, valuation, draft.flags)
    return draft.report(
        band=band,
        band_reason=reason,
        success_probability=ptrs,
        timeline=timeline,
        budget=budget,
        valuation=valuation,
    )


def applicant_summary(report: ProspectReport) -> ApplicantSummary:
    """The part of a report an applicant may see: band, the range in words, flags, caveats.

    No internal figure (PTRS, rNPV, cash flows) is carried over.
    """
    range_in_words = _range_in_words(report)
    return ApplicantSummary(
        method_version=report.method_version,
        band=report.band,
        range_in_words=" ".join(w.english() for w in range_in_words),
        flags=[f.message for f in report.flags],
        caveats=report.caveats,
        range_wordings=range_in_words,
        flag_wordings=[f.message_wording for f in report.flags if f.message_wording],
        caveat_wordings=report.caveat_wordings,
    )


def _range_in_words(report: ProspectReport) -> list[Wording]:
    valuation = report.valuation
    if report.success_probability is None:
        return [say("range_no_rates")]
    if valuation is None:
        return [say("range_no_peak_sales")]
    mc = valuation.monte_carlo
    if mc.p10 > 0:
        words = [say("range_positive")]
    elif mc.p90 <= 0:
        words = [say("range_negative")]
    elif mc.p50 > 0:
        words = [say("range_central_positive")]
    else:
        words = [say("range_central_negative")]
    smallest = report.success_probability.chosen.smallest_n
    if smallest is not None and smallest < _FEW_PROGRAMMES:
        words.append(say("range_few_programmes"))
    return words


_FEW_PROGRAMMES = 20  # below this many transitions in a cell, the summary says the range is wide


def _success_probability(inp: ProspectInput, draft: _Draft) -> tuple[SuccessProbability, str]:
    """The chosen row and its context, and the indication's own row (for the durations)."""
    found = candidates(
        area=inp.therapeutic_area,
        modality=inp.modality,
        detail=inp.indication_detail,
        rare_disease=inp.rare_disease,
        biomarker=inp.biomarker,
    )
    draft.caveats.extend(found.notes)
    chosen = benchmark_row(found.chosen, inp.phase, found.chosen_role, draft.log)
    context = [benchmark_row(s, inp.phase, role, draft.log) for s, role in found.context]
    draft.assumptions += [
        Assumption(
            key="benchmark_rule",
            label="Choice of the benchmark row",
            value=f"{chosen.label} ({found.chosen_role})",
            unit="BIO 2021 row",
            rationale=RULE,
        ),
        Assumption(
            key="credible_interval",
            label="Credible interval on each transition and on the PTRS",
            value=f"{INTERVAL_LEVEL:.0%} (P10 to P90), Beta posterior, Jeffreys prior",
            unit="probability",
            rationale="Each published rate is k successes out of n transitions; the Beta(k + "
            "1/2, n - k + 1/2) posterior is the standard non-informative choice and barely "
            "moves large cells. The PTRS interval treats the transitions as independent.",
        ),
    ]
    if inp.phase in (Phase.discovery, Phase.preclinical):
        draft.caveats.append(say("preclinical_from_phase_1"))
    return SuccessProbability(
        from_stage=chosen.transitions[0].stage if chosen.transitions else "marketed",
        chosen=chosen,
        context=context,
        ptrs=chosen.ptrs,
        interval=chosen.interval,
    ), found.indication


def _add_challenges(inp: ProspectInput, draft: _Draft, ptrs: SuccessProbability | None) -> None:
    flags, not_assessed = challenge_flags(
        inp, draft.markets, ptrs.chosen if ptrs is not None else None
    )
    draft.flags += flags
    draft.caveats += not_assessed


def _preclinical_flag(phase: Phase) -> Flag:
    return Flag.of(
        "preclinical_attrition_not_included",
        FlagKind.method,
        message=say("preclinical_message"),
        detail=say("preclinical_detail"),
        triggered_by=[f"phase: {phase.value}"],
    )


def _timeline(
    inp: ProspectInput, stages: tuple[Stage, ...], indication: str, draft: _Draft
) -> Timeline:
    rates = success_rates()
    area = inp.therapeutic_area
    subject = durations_subject(indication)
    years = [
        StageYears(
            stage=s.name,
            years=draft.log.use(rates[(subject, s.years_measure)]),
            figure=rates[(subject, s.years_measure)].key,
        )
        for s in stages
    ]
    benchmark = sum(s.years for s in years)
    area_total = None
    if subject == "all_indications" and area is not TherapeuticArea.other:
        total = rates.get((area.value, "years_phase_1_to_approval"))
        area_total = draft.log.use(total) if total else None
        draft.caveats.append(say("durations_all_indications", area=area.value))
    draft.assumptions.append(
        Assumption(
            key="phase_durations",
            label="Phase durations",
            value=subject,
            unit="BIO 2021 row",
            rationale="BIO 2021 publishes durations by disease area, not by modality: the "
            "indication's area row is used where its per-phase durations are in the reference.",
        )
    )
    declared = share = None
    floor = BAND_THRESHOLDS.launch_share_floor
    if inp.target_launch_year is not None:
        declared = inp.target_launch_year - inp.current_year
        share = declared / benchmark
        if share < floor:
            draft.flags.append(
                Flag.of(
                    "launch_year_ambitious",
                    FlagKind.plan,
                    message=say("launch_ambitious_message"),
                    detail=say(
                        "launch_ambitious_detail",
                        years=declared,
                        benchmark_years=benchmark,
                        subject=subject,
                        share=share,
                        version=BAND_THRESHOLDS.version,
                    ),
                    triggered_by=[
                        f"target launch year: {inp.target_launch_year}",
                        f"current year: {inp.current_year}",
                    ],
                )
            )
    return Timeline(
        durations_subject=subject,
        stages=years,
        benchmark_years_to_approval=benchmark,
        declared_years_to_launch=declared,
        share_of_benchmark=share,
        launch_share_floor=floor,
        area_years_phase_1_to_approval=area_total,
    )


def _budget_check(
    inp: ProspectInput, stages: tuple[Stage, ...], draft: _Draft
) -> BudgetCheck | None:
    costs = cost_figures()
    lines = []
    for stage in stages:
        if stage.trial_cost_key:
            per_trial = draft.log.use(costs[stage.trial_cost_key]) * MILLION
            trials = TRIALS_PER_STAGE[stage.name]
            lines.append(
                StageCost(
                    stage=stage.name,
                    trials=trials,
                    cost_per_trial=per_trial,
                    total=per_trial * trials,
                )
            )
    if not lines:
        return None
    total = sum(line.total for line in lines)
    per_drug = draft.log.use(costs["rd_cost_per_new_drug_median"]) * MILLION
    draft.assumptions.append(
        Assumption(
            key="trials_per_stage",
            label="Trials per remaining phase",
            value=", ".join(f"{line.stage}: {line.trials}" for line in lines),
            unit="trials",
            rationale="One trial each for Phase I and II; two for Phase III, the FDA's "
            "customary two adequate and well-controlled trials. Each at the published median "
            "cost per trial (Martin et al. 2017); filing and preclinical costs have no "
            "published figure in the reference and are left out. The published cost per "
            "approved drug, failures and capital included, is shown beside it as context.",
        )
    )
    below = None if inp.budget_requested is None else inp.budget_requested < total
    if below:
        ahead = [say("trials_at_stage", trials=line.trials, stage=line.stage) for line in lines]
        draft.flags.append(
            Flag.of(
                "budget_below_trial_costs",
                FlagKind.plan,
                message=say("budget_trials_message"),
                detail=say(
                    "budget_trials_detail",
                    budget=inp.budget_requested or 0.0,
                    total=total,
                    trials_ahead=ahead,
                ),
                triggered_by=[
                    f"budget requested: {inp.budget_requested:,.0f} USD",
                    f"remaining phases: {', '.join(line.stage for line in lines)}",
                ],
            )
        )
    return BudgetCheck(
        stages=lines,
        remaining_trial_costs=total,
        budget_requested=inp.budget_requested,
        below_trial_costs=below,
        cost_per_approved_drug=per_drug,
    )


def _valuation(
    inp: ProspectInput,
    ptrs: SuccessProbability,
    stages: tuple[Stage, ...],
    timeline: Timeline | None,
    draft: _Draft,
) -> Valuation | None:
    if inp.expected_peak_sales is None:
        return None
    costs = cost_figures()
    base_rate = draft.log.use(costs["discount_rate_base"]) / 100
    high_rate = draft.log.use(costs["discount_rate_high"]) / 100
    stage_costs = tuple(
        TRIALS_PER_STAGE[s.name] * costs[s.trial_cost_key].value * MILLION
        if s.trial_cost_key
        else 0.0
        for s in stages
    )
    benchmark_years = tuple(s.years for s in timeline.stages) if timeline else ()
    benchmark_plan = Plan(
        stages=tuple(s.name for s in stages),
        stage_costs=stage_costs,
        stage_years=benchmark_years,
        launch_t=math.ceil(round(sum(benchmark_years), 6)),
        peak_sales=inp.expected_peak_sales,
        margin=OPERATING_MARGIN,
        rate=base_rate,
        current_year=inp.current_year,
    )
    declared_t = (
        None if inp.target_launch_year is None else inp.target_launch_year - inp.current_year
    )
    plan, other = benchmark_plan, None
    if declared_t is not None and (declared_t >= 1 or not stages):
        # The declared launch year times the sales; the remaining stages are stretched or
        # squeezed in proportion so that development ends when sales begin.
        scale = declared_t / sum(benchmark_years) if stages else 1.0
        plan = Plan(
            stages=benchmark_plan.stages,
            stage_costs=stage_costs,
            stage_years=tuple(y * scale for y in benchmark_years),
            launch_t=declared_t,
            peak_sales=inp.expected_peak_sales,
            margin=OPERATING_MARGIN,
            rate=base_rate,
            current_year=inp.current_year,
        )
        # A marketed product has no benchmark timeline to compare with.
        other = benchmark_plan if stages else None
    elif declared_t is not None:
        draft.caveats.append(say("launch_not_in_future"))
    reach = [1.0]
    for transition in ptrs.chosen.transitions:
        reach.append(reach[-1] * transition.rate)
    point = np.array(reach, dtype=np.float64)
    draws = survival_draws(ptrs.chosen.subject, len(STAGES) - len(stages))
    sched = schedule(plan)
    simulated = rnpv(sched, base_rate, draws)
    p10, p50, p90 = (float(v) for v in np.quantile(simulated, [0.1, 0.5, 0.9]))
    interval = ptrs.interval
    _valuation_assumptions(draft, plan is not benchmark_plan)
    return Valuation(
        timing="benchmark timeline" if plan is benchmark_plan else "declared launch year",
        launch_year=inp.current_year + plan.launch_t,
        base_rate=base_rate,
        operating_margin=OPERATING_MARGIN,
        base_rnpv=float(rnpv(sched, base_rate, point)),
        benchmark_timeline_rnpv=None
        if other is None
        else float(rnpv(schedule(other), base_rate, point)),
        monte_carlo=MonteCarlo(
            draws=DRAWS,
            seed=SEED,
            varies="the remaining transition rates of the chosen row, drawn from their Beta "
            "posteriors; peak sales, timing, costs and margin stay at their base values "
            "(the sensitivity table moves those)",
            p10=p10,
            p50=p50,
            p90=p90,
        ),
        sensitivity=sensitivity(
            plan, sched, point, (interval.low, interval.high) if interval else None, high_rate
        ),
        cash_flows=cash_flows(plan, sched, point),
    )


def _valuation_assumptions(draft: _Draft, declared_timing: bool) -> None:
    draft.assumptions += [
        Assumption(
            key="launch_timing",
            label="Timing of sales",
            value="declared launch year" if declared_timing else "benchmark timeline",
            unit="year",
            rationale="Sales start in the declared launch year and the remaining stages are "
            "scaled to end then; the benchmark timeline (sales from the first whole year after "
            "benchmark approval) is shown beside it."
            if declared_timing
            else "No usable declared launch year: sales start in the first whole year after "
            "benchmark approval.",
        ),
        Assumption(
            key="operating_margin",
            label="Operating margin on sales",
            value=OPERATING_MARGIN * 100,
            unit="percent",
            rationale="A method choice, not a published figure in the reference: the share of "
            "sales left after cost of goods, selling and general costs, roughly that of "
            "established biopharma; the sensitivity table shows "
            f"{MARGIN_RANGE[0]:.0%} and {MARGIN_RANGE[1]:.0%}.",
        ),
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
            key="monte_carlo",
            label="Monte Carlo on the rNPV",
            value=f"{DRAWS} draws, seed {SEED}",
            unit="draws",
            rationale="A fixed seed makes every report reproducible; the draws vary only what "
            "the published n says is uncertain (the transition rates).",
        ),
        Assumption(
            key="sensitivity_ranges",
            label="Sensitivity table ranges",
            value=f"peak sales x{PEAK_SALES_RANGE[0]:g} / x{PEAK_SALES_RANGE[1]:g}; launch "
            f"-/+{LAUNCH_SHIFT_YEARS} years; discount {LOW_RATE:.0%} / 15%; margin "
            f"{MARGIN_RANGE[0]:.0%} / {MARGIN_RANGE[1]:.0%}; trial costs "
            f"x{TRIAL_COST_MULTIPLES[0]:g} / x{TRIAL_COST_MULTIPLES[1]:g}",
            unit="ranges",
            rationale="Method choices spanning plausible error in the declared plan; 15% is "
            "the published ASPE default real rate, 8% a lower bound chosen by the method.",
        ),
    ]


def _band(
    ptrs: float, valuation: Valuation | None, flags: list[Flag]
) -> tuple[ProspectBand, Wording]:
    t = BAND_THRESHOLDS
    if ptrs < t.weak_ptrs_below:
        return ProspectBand.weak, say("band_weak_ptrs", ptrs=ptrs, version=t.version)
    if valuation is not None and valuation.base_rnpv <= 0:
        return ProspectBand.weak, say("band_weak_rnpv")
    holding_back = [f.code for f in flags if f.kind is not FlagKind.challenge]
    robust = valuation is not None and valuation.monte_carlo.p10 > 0
    if ptrs >= t.strong_ptrs_from and robust and not holding_back:
        return ProspectBand.strong, say("band_strong", ptrs=ptrs, version=t.version)
    reasons = []
    if ptrs < t.strong_ptrs_from:
        reasons.append(say("reason_below_strong", ptrs=ptrs, version=t.version))
    if valuation is None:
        reasons.append(say("reason_no_rnpv"))
    elif not robust:
        reasons.append(say("reason_p10"))
    if holding_back:
        reasons.append(say("reason_flags", flags=", ".join(holding_back)))
    return ProspectBand.moderate, say("band_not_strong", reasons=reasons)


def _threshold_assumptions() -> list[Assumption]:
    t = BAND_THRESHOLDS
    # The reason is stated once, in the report's band_thresholds.
    why = f"A band threshold of {t.version}; band_thresholds gives the reason."
    return [
        Assumption(
            key=f"{t.version}.weak_ptrs_below",
            label="Band threshold: weak below this PTRS",
            value=t.weak_ptrs_below * 100,
            unit="percent",
            rationale=why,
        ),
        Assumption(
            key=f"{t.version}.strong_ptrs_from",
            label="Band threshold: strong from this PTRS",
            value=t.strong_ptrs_from * 100,
            unit="percent",
            rationale=why,
        ),
        Assumption(
            key=f"{t.version}.launch_share_floor",
            label="Launch floor: declared time to launch as a share of the benchmark",
            value=t.launch_share_floor * 100,
            unit="percent",
            rationale=why,
        ),
    ]


def _device_report(inp: ProspectInput, draft: _Draft) -> ProspectReport:
    _add_challenges(inp, draft, None)
    costs = cost_figures()
    log = draft.log
    keys: tuple[str, ...]
    pma = _PMA_TERMS.hits(inp.keywords)
    de_novo = _DE_NOVO_TERMS.hits(inp.keywords)
    if pma:
        path, triggered = "PMA", pma
        keys = (
            "device_pma_goal_days_mdufa2_tier1",
            "device_pma_goal_days_mdufa2_tier2",
            "device_pma_average_days_fy2003",
            "device_pma_average_days_fy2008",
        )
        cost_key: str | None = "device_pma_cost"
    elif de_novo:
        path, triggered = "De Novo", de_novo
        keys, cost_key = ("device_de_novo_review_days",), None
    else:
        path, triggered = "510(k)", ["no PMA, class III, implant or De Novo keyword declared"]
        keys, cost_key = ("device_510k_review_days",), "device_510k_cost"
    review = [
        ReviewTime(label=costs[k].label, days=log.use(costs[k]), figure=costs[k].key) for k in keys
    ]
    cost = log.use(costs[cost_key]) * MILLION if cost_key else None
    below = None
    if cost is not None and inp.budget_requested is not None:
        below = inp.budget_requested < cost
    if below:
        draft.flags.append(
            Flag.of(
                "budget_below_device_cost",
                FlagKind.plan,
                message=say("budget_device_message"),
                detail=say(
                    "budget_device_detail",
                    budget=inp.budget_requested or 0.0,
                    path=path,
                    cost=cost or 0.0,
                ),
                triggered_by=[f"budget requested: {inp.budget_requested:,.0f} USD"],
            )
        )
    years = None if inp.target_launch_year is None else inp.target_launch_year - inp.current_year
    shortest = min(r.days for r in review)
    early = None if years is None else years * 365 < shortest
    if early:
        draft.flags.append(
            Flag.of(
                "launch_before_device_review",
                FlagKind.plan,
                message=say("launch_device_message"),
                detail=say("launch_device_detail", years=years or 0, days=shortest, path=path),
                triggered_by=[f"target launch year: {inp.target_launch_year}"],
            )
        )
    if years is None:
        draft.caveats.append(say("device_no_launch_year"))
    if cost is None:
        draft.caveats.append(say("device_no_cost", path=path))
    draft.caveats.append(say("device_path_assumed", path=path))
    return draft.report(
        band=ProspectBand.expert_judgement_required,
        band_reason=say("band_device"),
        device=DeviceCheck(
            path=path,
            assumed=True,
            triggered_by=triggered,
            review_times=review,
            concept_to_market_cost=cost,
            budget_requested=inp.budget_requested,
            budget_below_cost=below,
            declared_years_to_launch=years,
            launch_before_review=early,
        ),
    )
