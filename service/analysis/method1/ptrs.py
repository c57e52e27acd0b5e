"""Probability of technical and regulatory success (PTRS) from BIO 2021 phase transitions."""

import math
from dataclasses import dataclass

from service.analysis.figures import FigureLog
from service.analysis.method1.figures import success_rates
from service.analysis.method1.report import MethodOneSuccessProbability, MethodOneTransitionStep
from service.proposals.vocabulary import Modality, Phase, TherapeuticArea

# Caps keep one extreme modality cell (often a small count) from dominating an area's rate.
RATIO_FLOOR = 0.5
RATIO_CEILING = 2.0
MAX_RATE = 0.99


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


@dataclass(frozen=True)
class ModalityReference:
    """The BIO 2021 modality row that benchmarks one of the committee's modalities."""

    subject: str
    label: str
    mapping_note: str = ""


MODALITY_REFERENCE = {
    Modality.small_molecule: ModalityReference("small_molecule", "small molecules"),
    Modality.monoclonal_antibody: ModalityReference("monoclonal_antibody", "monoclonal antibodies"),
    Modality.bispecific_antibody: ModalityReference(
        "monoclonal_antibody",
        "monoclonal antibodies",
        "BIO 2021 has no bispecific category: bispecific antibodies are benchmarked on the "
        "monoclonal-antibody figures, an approximation.",
    ),
    Modality.adc: ModalityReference("adc", "antibody-drug conjugates"),
    Modality.cell_therapy: ModalityReference(
        "car_t",
        "CAR-T therapies",
        "Cell therapy is benchmarked on the CAR-T figures, the only cell-therapy category in "
        "BIO 2021; other cell therapies may differ.",
    ),
    Modality.gene_therapy: ModalityReference("gene_therapy", "gene therapies"),
    Modality.vaccine: ModalityReference("vaccine", "vaccines"),
    Modality.protein: ModalityReference("protein", "proteins"),
    Modality.peptide: ModalityReference("peptide", "peptides"),
    Modality.rna: ModalityReference(
        "sirna_rnai",
        "siRNA/RNAi therapies",
        "RNA therapeutics are benchmarked on the siRNA/RNAi figures; mRNA and other RNA "
        "modalities may differ.",
    ),
    Modality.antisense: ModalityReference("antisense", "antisense oligonucleotides"),
}


def has_published_rates(modality: Modality, phase: Phase) -> bool:
    """Whether BIO 2021 covers this modality and phase (devices, diagnostics, etc. are not)."""
    return modality in MODALITY_REFERENCE and phase in _FIRST_STAGE


def remaining_stages(phase: Phase) -> tuple[Stage, ...]:
    """The stages still ahead of a project in `phase`, up to approval."""
    return STAGES[_FIRST_STAGE[phase] :]


def area_subject(area: TherapeuticArea) -> str:
    """The BIO 2021 area row for a therapeutic area; `other` uses all indications."""
    return "all_indications" if area is TherapeuticArea.other else area.value


def success_probability(
    area: TherapeuticArea, modality: Modality, phase: Phase, log: FigureLog
) -> tuple[MethodOneSuccessProbability, list[str]]:
    """PTRS to approval: area transitions adjusted phase by phase by the modality ratio.

    The ratio is the modality's transition rate over the all-indications rate, capped to
    [RATIO_FLOOR, RATIO_CEILING], and the adjusted rate is capped at MAX_RATE. Where BIO 2021
    publishes only the modality's LOA from Phase I, a uniform per-phase ratio
    (modality LOA / all-indications LOA)^(1/4) stands in. Returns the PTRS and the
    approximation notes the report must show as caveats.
    """
    rates = success_rates()
    reference = MODALITY_REFERENCE[modality]
    subject = area_subject(area)
    stages = remaining_stages(phase)
    notes = [reference.mapping_note] if reference.mapping_note else []
    if area is TherapeuticArea.other:
        notes.append("Therapeutic area 'other' is benchmarked on the all-indications figures.")
    if not stages:
        notes.append("The product is marketed: no development risk is left.")

    uniform_ratio: float | None = None
    if stages and (reference.subject, "p1_to_p2") not in rates:
        modality_loa = log.use(rates[(reference.subject, "loa_from_phase_1")])
        all_loa = log.use(rates[("all_indications", "loa_from_phase_1")])
        uniform_ratio = (modality_loa / all_loa) ** 0.25
        notes.append(
            f"BIO 2021 publishes only a likelihood of approval from Phase I for "
            f"{reference.label}: the modality adjustment is one uniform per-phase ratio, "
            f"(modality LOA / all-indications LOA)^(1/4), an approximation."
        )

    steps = []
    for stage in stages:
        area_rate = log.use(rates[(subject, stage.rate_measure)]) / 100
        all_rate = log.use(rates[("all_indications", stage.rate_measure)]) / 100
        if uniform_ratio is None:
            modality_rate = log.use(rates[(reference.subject, stage.rate_measure)]) / 100
            raw_ratio = modality_rate / all_rate
        else:
            raw_ratio = uniform_ratio
            modality_rate = min(all_rate * raw_ratio, MAX_RATE)
        ratio = min(max(raw_ratio, RATIO_FLOOR), RATIO_CEILING)
        steps.append(
            MethodOneTransitionStep(
                stage=stage.name,
                area_rate=area_rate,
                all_indications_rate=all_rate,
                modality_rate=modality_rate,
                modality_rate_derived=uniform_ratio is not None,
                modality_ratio=ratio,
                ratio_capped=ratio != raw_ratio,
                adjusted_rate=min(area_rate * ratio, MAX_RATE),
                rate_capped=area_rate * ratio > MAX_RATE,
            )
        )

    return MethodOneSuccessProbability(
        from_stage=stages[0].name if stages else "marketed",
        area_subject=subject,
        modality_subject=reference.subject,
        steps=steps,
        area_only=math.prod(s.area_rate for s in steps),
        modality_only=math.prod(s.modality_rate for s in steps),
        adjusted=math.prod(s.adjusted_rate for s in steps),
    ), notes
