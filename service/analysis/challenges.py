"""Flags for the seed's named challenges, raised only from the proposal's declared data."""

import re

from service.analysis.report import BenchmarkRow, Flag, FlagKind, ProspectInput
from service.analysis.wording import Wording, say
from service.proposals.vocabulary import SCO_MEMBER_STATES, Modality

_TOKEN = re.compile(r"[a-z]+|[0-9]+")


def _tokens(text: str) -> tuple[str, ...]:
    """Lower-case words, split at hyphens, spaces and letter/digit boundaries.

    "CAR-T", "CAR T" and "car t" all give ("car", "t"); "siRNA" gives ("sirna",).
    """
    return tuple(_TOKEN.findall(text.lower()))


class Terms:
    """Phrases matched word by word, whatever separates the words ("CAR-T", "CAR T", "car t").

    A phrase's last word ending in "*" matches any word it starts ("lyophili*" matches
    "lyophilised" and "lyophilized").
    """

    def __init__(self, *phrases: str) -> None:
        # Words joined by single spaces and framed by spaces, so that a substring test
        # matches whole words only; a prefix phrase leaves its end open.
        self._needles = [
            f" {' '.join(_tokens(p))}" + ("" if p.endswith("*") else " ") for p in phrases
        ]

    def hits(self, keywords: tuple[str, ...]) -> list[str]:
        """The keywords that contain one of the phrases, as `triggered_by` entries."""
        found = []
        for keyword in keywords:
            words = f" {' '.join(_tokens(keyword))} "
            if any(needle in words for needle in self._needles):
                found.append(f"keyword: {keyword}")
        return found


_NOVEL_MODALITIES = frozenset(
    {
        Modality.bispecific_antibody,
        Modality.adc,
        Modality.cell_therapy,
        Modality.gene_therapy,
        Modality.rna,
    }
)
_NOVEL_TERMS = Terms(
    "crispr",
    "gene editing",
    "base editing",
    "mrna",
    "car t",
    "cart",
    "chimeric antigen receptor",
    "bispecific",
    "bi specific",
    "sirna",
    "rnai",
    "aav",
    "lentivir*",
)

# Products whose potency depends on a living or complex process: stability is at stake by
# modality. Antibodies, proteins and peptides are well-trodden: only a manufacturing claim flags.
_UNSTABLE_MODALITIES = frozenset(
    {
        Modality.bispecific_antibody,  # chain mispairing and aggregation
        Modality.adc,  # drug-to-antibody ratio and conjugate stability
        Modality.cell_therapy,  # living product, patient-specific batches
        Modality.gene_therapy,  # vector potency and empty/full capsid ratio
        Modality.vaccine,  # potency and cold-chain stability
    }
)
_MANUFACTURING_CLAIMS = Terms(
    "stability",
    "shelf life",
    "lyophili*",
    "lyophiliz*",
    "formulation",
    "high concentration",
    "biosimilar",
    "new cell line",
    "continuous manufacturing",
    "scale up",
    "tech transfer",
    "technology transfer",
    "cdmo",
    "gmp",
)

_SUPPLY_MODALITIES = frozenset({Modality.cell_therapy, Modality.manufacturing, Modality.vaccine})
_SUPPLY_TERMS = Terms("cold chain", "supply chain", "autologous", "scale up", "vein to vein")


def challenge_flags(
    inp: ProspectInput, markets: list[str], benchmark: BenchmarkRow | None
) -> tuple[list[Flag], list[Wording]]:
    """The challenge flags the declared data triggers, and the challenges not assessed.

    `markets` are the normalised (upper-case, deduplicated) target markets; `benchmark` is the
    chosen published row, named in the innovative-technology flag.
    """
    flags = []
    not_assessed = []
    modality = f"modality: {inp.modality.value}"

    novel = [modality] if inp.modality in _NOVEL_MODALITIES else []
    novel += _NOVEL_TERMS.hits(inp.keywords)
    if novel:
        if benchmark is not None and benchmark.smallest_n is not None:
            basis = say("basis_smallest_n", row=benchmark.label, smallest_n=benchmark.smallest_n)
        elif benchmark is not None:
            basis = say("basis_row", row=benchmark.label)
        else:
            basis = say("basis_none")
        flags.append(
            Flag.of(
                "innovative_technology",
                FlagKind.challenge,
                message=say("innovative_message", basis=[basis]),
                detail=say("innovative_detail", basis=[basis]),
                triggered_by=novel,
            )
        )

    unstable = [modality] if inp.modality in _UNSTABLE_MODALITIES else []
    unstable += _MANUFACTURING_CLAIMS.hits(inp.keywords)
    if unstable:
        flags.append(
            Flag.of(
                "batch_stability",
                FlagKind.challenge,
                message=say("batch_stability_message"),
                detail=say("batch_stability_detail"),
                triggered_by=unstable,
            )
        )

    foreign = [m for m in markets if m != "US"]
    if foreign:
        sco = [m for m in markets if m in SCO_MEMBER_STATES]
        triggers = [f"target markets: {', '.join(markets)}"]
        if sco:
            triggers.append(f"SCO member-state markets: {', '.join(sco)}")
        flags.append(
            Flag.of(
                "regulatory_documentation",
                FlagKind.challenge,
                message=say("regulatory_message"),
                detail=say("regulatory_detail"),
                triggered_by=triggers,
            )
        )

    supply = [modality] if inp.modality in _SUPPLY_MODALITIES else []
    supply += _SUPPLY_TERMS.hits(inp.keywords)
    if supply:
        flags.append(
            Flag.of(
                "supply_chain",
                FlagKind.challenge,
                message=say("supply_chain_message"),
                detail=say("supply_chain_detail"),
                triggered_by=supply,
            )
        )

    if foreign and not inp.team.declared:
        not_assessed.append(say("talent_not_assessed"))
    elif foreign:
        talent = _international_talent(inp, markets, foreign)
        if talent is not None:
            flags.append(talent)
    return flags, not_assessed


def _international_talent(
    inp: ProspectInput, markets: list[str], foreign: list[str]
) -> Flag | None:
    """The flag when the declared team shows no one to carry the markets outside the US."""
    team = inp.team
    gaps = []
    if not team.staff_international_experience:
        gaps.append(say("gap_staff"))
    if not team.overseas_sites:
        gaps.append(say("gap_sites"))
    if not gaps:
        return None
    return Flag.of(
        "international_talent",
        FlagKind.challenge,
        message=say("talent_message"),
        detail=say("talent_detail", markets=", ".join(foreign), gaps=gaps),
        triggered_by=[
            f"target markets: {', '.join(markets)}",
            f"team size: {team.team_size}",
            f"staff with international experience: {team.staff_international_experience}",
            f"overseas sites: {team.overseas_sites}",
        ],
    )
