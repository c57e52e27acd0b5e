"""The published benchmark of a proposal: one BIO 2021 row chosen by a stated rule.

Never the product of an area effect and a modality effect (that double-counts: CAR-T is almost
all hematologic oncology, and the product lands above every published figure). The chosen row's
remaining transitions give the PTRS; the other rows that could apply are shown beside it.
Each published transition carries its n, and a Beta posterior on it gives a credible interval.
"""

import math
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from service.analysis.figures import FigureLog, ReferenceFigure, bio_subjects, success_rates
from service.analysis.report import BenchmarkRow, Interval, TransitionRate
from service.analysis.wording import Wording, say
from service.proposals.vocabulary import IndicationDetail, Modality, Phase, TherapeuticArea

# Method choices, each listed in the report's assumptions with its reason.
DRAWS = 2000  # Monte Carlo draws per transition
SEED = 20210217  # the BIO report's publication date: any fixed seed makes a report reproducible
INTERVAL_LEVEL = 0.80  # P10 to P90, the same range as the valuation's
JEFFREYS = 0.5  # Beta(1/2, 1/2) prior: the standard non-informative prior for a proportion

TRANSITIONS = ("p1_to_p2", "p2_to_p3", "p3_to_filing", "filing_to_approval")


@dataclass(frozen=True)
class Stage:
    """A development stage: the transition out of it, its duration and its trial cost."""

    name: str
    rate_measure: str
    years_measure: str
    trial_cost_key: str | None  # no published cost for filing and review


STAGES = (
    Stage("Phase I", "p1_to_p2", "years_phase_1", "trial_cost_phase_1"),
    Stage("Phase II", "p2_to_p3", "years_phase_2", "trial_cost_phase_2"),
    Stage("Phase III", "p3_to_filing", "years_phase_3", "trial_cost_phase_3"),
    Stage("filing", "filing_to_approval", "years_filing", None),
)

# Discovery and preclinical start at Phase I: BIO 2021 publishes no preclinical success rate.
_FIRST_STAGE = {
    Phase.discovery: 0,
    Phase.preclinical: 0,
    Phase.phase_1: 0,
    Phase.phase_2: 1,
    Phase.phase_3: 2,
    Phase.filed: 3,
    Phase.marketed: len(STAGES),
}

# The BIO 2021 modality row for each modality the committee's vocabulary names.
MODALITY_ROW = {
    Modality.small_molecule: "small_molecule",
    Modality.monoclonal_antibody: "monoclonal_antibody",
    Modality.bispecific_antibody: "monoclonal_antibody",
    Modality.adc: "adc",
    Modality.cell_therapy: "car_t",
    Modality.gene_therapy: "gene_therapy",
    Modality.vaccine: "vaccine",
    Modality.protein: "protein",
    Modality.peptide: "peptide",
    Modality.rna: "sirna_rnai",
    Modality.antisense: "antisense",
}

MAPPING_NOTES = {
    Modality.bispecific_antibody: say("bispecific_on_antibody_row"),
    Modality.cell_therapy: say("cell_therapy_on_car_t_row"),
    Modality.rna: say("rna_on_sirna_row"),
}

# Modalities whose own development path sets the risk: the modality row counts only them,
# while every area row mixes them with other modalities.
MODALITY_DEFINED = frozenset(
    {
        Modality.cell_therapy,
        Modality.gene_therapy,
        Modality.rna,
        Modality.antisense,
        Modality.adc,
        Modality.vaccine,
    }
)

RULE = (
    "One published row, the most specific that fits: (1) for CAR-T / cell therapy, gene "
    "therapy, siRNA/RNA, antisense, ADC and vaccines, the modality row, because their own "
    "development path sets the risk and the area rows mix them with other modalities; (2) "
    "otherwise, for a cancer with a declared subgroup, the oncology subgroup row (hematologic "
    "cancers or solid tumours); (3) otherwise the therapeutic-area row (BIO's hematology row is "
    "non-malignant blood disease); (4) for the area 'other', the modality row. The other rows "
    "that could apply are shown beside it and never multiplied with it."
)


def has_published_rates(modality: Modality, phase: Phase) -> bool:
    """Whether BIO 2021 covers this modality and phase (devices, diagnostics, etc. are not)."""
    return modality in MODALITY_ROW and phase in _FIRST_STAGE


def remaining_stages(phase: Phase) -> tuple[Stage, ...]:
    """The stages still ahead of a project in `phase`, up to approval."""
    return STAGES[_FIRST_STAGE[phase] :]


def indication_subject(
    area: TherapeuticArea, detail: IndicationDetail | None
) -> tuple[str, list[Wording]]:
    """The area or oncology-subgroup row for the declared indication, and the caveats."""
    cancer_area = area in (TherapeuticArea.oncology, TherapeuticArea.hematology)
    if area is TherapeuticArea.other:
        return "all_indications", []
    if detail is None:
        if cancer_area:
            return area.value, [say("cancer_area_undetailed", area=area.value)]
        return area.value, []
    if not cancer_area:
        return area.value, [say("detail_not_used", detail=detail.value, area=area.value)]
    if detail is IndicationDetail.hematologic_cancer:
        return "hematologic_cancer", []
    if detail is IndicationDetail.solid_tumour:
        if area is TherapeuticArea.hematology:
            return area.value, [say("solid_tumour_under_hematology")]
        return "solid_tumour", []
    if area is TherapeuticArea.oncology:
        return area.value, [say("non_malignant_under_oncology")]
    return area.value, []


def durations_subject(indication: str) -> str:
    """The row whose per-phase durations apply: BIO publishes them by area, not by modality."""
    if indication in ("hematologic_cancer", "solid_tumour"):
        return "oncology"
    rates = success_rates()
    return indication if (indication, "years_phase_1") in rates else "all_indications"


@dataclass(frozen=True)
class Candidates:
    """The rows a proposal could use, the chosen one first-class, with why each is there."""

    indication: str  # the area or oncology-subgroup row of the declared indication
    chosen: str
    chosen_role: str
    context: list[tuple[str, str]]
    notes: list[Wording]


def candidates(
    *,
    area: TherapeuticArea,
    modality: Modality,
    detail: IndicationDetail | None,
    rare_disease: bool | None,
    biomarker: bool | None,
) -> Candidates:
    """Apply the stated rule (RULE) to choose one row; list the others as context."""
    indication, notes = indication_subject(area, detail)
    modality_row = MODALITY_ROW[modality]
    if modality in MAPPING_NOTES:
        notes.append(MAPPING_NOTES[modality])
    if modality in MODALITY_DEFINED:
        chosen, role = modality_row, "chosen: rule 1, the modality sets the development path"
    elif area is TherapeuticArea.other:
        chosen, role = modality_row, "chosen: rule 4, no published area row for 'other'"
    elif indication in ("hematologic_cancer", "solid_tumour"):
        chosen, role = indication, "chosen: rule 2, the declared oncology subgroup"
    else:
        chosen, role = indication, "chosen: rule 3, the therapeutic-area row"
    context: list[tuple[str, str]] = []
    for subject, why in (
        (indication, "context: the indication's row"),
        (indication_subject(area, None)[0], "context: the area row"),
        (modality_row, "context: the modality row"),
        ("all_indications", "context: all indications"),
    ):
        if subject != chosen and subject not in (s for s, _ in context):
            context.append((subject, why))
    if rare_disease and area is not TherapeuticArea.oncology:
        context.append(("rare_disease", "context: declared rare disease (non-oncology)"))
    if biomarker:
        context.append(("with_biomarker", "context: declared patient-preselection biomarker"))
    return Candidates(indication, chosen, role, context, notes)


def _rate_draws_uncached(subject: str, measure: str) -> npt.NDArray[np.float64]:
    figure = success_rates()[(subject, measure)]
    if figure.n is None:  # every BIO transition row carries its n: a test holds the CSV to it
        raise ValueError(f"reference figure {figure.key} has no n")
    successes = figure.value / 100 * figure.n
    # One generator per cell, seeded by the cell's name: a report's draws never depend on which
    # other rows the same process happened to sample first.
    rng = np.random.default_rng([SEED, zlib.crc32(f"{subject}.{measure}".encode())])
    return rng.beta(successes + JEFFREYS, figure.n - successes + JEFFREYS, DRAWS)


@cache
def rate_draws(subject: str, measure: str) -> npt.NDArray[np.float64]:
    """Posterior draws of one published transition rate."""
    draws = _rate_draws_uncached(subject, measure)
    draws.setflags(write=False)  # cached and shared between reports
    return draws


@cache
def survival_draws(subject: str, first_stage: int) -> npt.NDArray[np.float64]:
    """Draws x (stages + 1): the probability of reaching each remaining stage, then approval.

    Column 0 is 1 (the current stage is reached); the last column is the PTRS.
    """
    columns = [rate_draws(subject, s.rate_measure) for s in STAGES[first_stage:]]
    draws = np.ones((DRAWS, len(columns) + 1))
    if columns:
        draws[:, 1:] = np.cumprod(np.column_stack(columns), axis=1)
    draws.setflags(write=False)
    return draws


def interval(values: npt.NDArray[np.float64]) -> Interval:
    """The central INTERVAL_LEVEL of the draws."""
    tail = (1 - INTERVAL_LEVEL) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return Interval(level=INTERVAL_LEVEL, low=float(low), high=float(high))


@cache
def transition_interval(subject: str, measure: str) -> Interval:
    """The credible interval of one published transition rate (computed once per process)."""
    return interval(rate_draws(subject, measure))


@cache
def ptrs_interval(subject: str, first_stage: int) -> Interval | None:
    """The credible interval of a row's PTRS from a stage (None when nothing is left)."""
    if first_stage == len(STAGES):
        return None
    return interval(survival_draws(subject, first_stage)[:, -1])


def benchmark_row(subject: str, phase: Phase, role: str, log: FigureLog) -> BenchmarkRow:
    """One row's PTRS from `phase`, with its transitions, their n and credible intervals."""
    row, figures = _benchmark_row(subject, _FIRST_STAGE[phase], role)
    for figure in figures:
        log.use(figure)
    return row


@cache
def _benchmark_row(
    subject: str, first: int, role: str
) -> tuple[BenchmarkRow, tuple[ReferenceFigure, ...]]:
    # Pure in its arguments and the packaged reference: built once per process (reports share
    # the frozen row), which keeps the analysis stage within its time budget.
    rates = success_rates()
    figures = tuple(rates[(subject, stage.rate_measure)] for stage in STAGES[first:])
    transitions = [
        TransitionRate(
            stage=stage.name,
            rate=figure.value / 100,
            n=figure.n,
            interval=transition_interval(subject, stage.rate_measure),
            figure=figure.key,
        )
        for stage, figure in zip(STAGES[first:], figures, strict=True)
    ]
    table, label = bio_subjects()[subject]
    ns = [t.n for t in transitions if t.n is not None]
    row = BenchmarkRow(
        subject=subject,
        label=label,
        table=table,
        ptrs=math.prod(t.rate for t in transitions),
        interval=ptrs_interval(subject, first),
        smallest_n=min(ns) if ns else None,
        transitions=transitions,
        role=role,
    )
    return row, figures
