"""Flags for the seed's named challenges, raised only from the proposal's declared data."""

from service.analysis.method1.report import ProspectInput
from service.analysis.report import Flag, FlagKind
from service.proposals.vocabulary import SCO_MEMBER_STATES, Modality

_NOVEL_MODALITIES = frozenset(
    {
        Modality.bispecific_antibody,
        Modality.adc,
        Modality.cell_therapy,
        Modality.gene_therapy,
        Modality.rna,
    }
)
_NOVEL_KEYWORDS = ("crispr", "gene editing", "mrna", "car-t", "bispecific", "sirna")

# Biologics, living cells and vectors, and vaccines lose potency with process or storage drift.
_UNSTABLE_MODALITIES = frozenset(
    {
        Modality.monoclonal_antibody,
        Modality.bispecific_antibody,
        Modality.adc,
        Modality.protein,
        Modality.cell_therapy,
        Modality.gene_therapy,
        Modality.vaccine,
    }
)
_STABILITY_KEYWORDS = ("stability", "lyophil", "formulation", "biologic")

_SUPPLY_MODALITIES = frozenset({Modality.cell_therapy, Modality.manufacturing, Modality.vaccine})
_SUPPLY_KEYWORDS = ("cold chain", "supply chain", "autologous", "scale-up", "scale up")


def _keyword_hits(keywords: tuple[str, ...], terms: tuple[str, ...]) -> list[str]:
    return [f"keyword: {k}" for k in keywords if any(term in k.lower() for term in terms)]


def challenge_flags(inp: ProspectInput, markets: list[str]) -> list[Flag]:
    """The challenge flags a proposal's declared modality, keywords and markets trigger.

    `markets` are the normalised (upper-case, deduplicated) target markets.
    """
    flags = []
    modality = f"modality: {inp.modality.value}"

    novel = [modality] if inp.modality in _NOVEL_MODALITIES else []
    novel += _keyword_hits(inp.keywords, _NOVEL_KEYWORDS)
    if novel:
        flags.append(
            Flag(
                code="innovative_technology",
                kind=FlagKind.challenge,
                label="Innovative technology",
                message="The technology is novel: few comparable programmes exist to learn from, "
                "and the published benchmarks rest on fewer cases.",
                detail="Novel modalities have short regulatory track records; benchmark figures "
                "for them rest on small counts or on a neighbouring category.",
                triggered_by=novel,
            )
        )

    unstable = [modality] if inp.modality in _UNSTABLE_MODALITIES else []
    unstable += _keyword_hits(inp.keywords, _STABILITY_KEYWORDS)
    if unstable:
        flags.append(
            Flag(
                code="batch_stability",
                kind=FlagKind.challenge,
                label="Batch stability",
                message="Batch-to-batch consistency and stability of the product need to be "
                "demonstrated and documented.",
                detail="Biologics, cell and gene therapies and vaccines need comparability and "
                "stability data across batches and sites.",
                triggered_by=unstable,
            )
        )

    foreign = [m for m in markets if m != "US"]
    if foreign or len(markets) > 1:
        sco = [m for m in markets if m in SCO_MEMBER_STATES]
        triggers = [f"target markets: {', '.join(markets)}"]
        if sco:
            triggers.append(f"SCO member-state markets: {', '.join(sco)}")
        flags.append(
            Flag(
                code="regulatory_documentation",
                kind=FlagKind.challenge,
                label="Regulatory compliance documentation",
                message="Each target market needs its own regulatory dossier; the benchmarks used "
                "here are from the US regulator and only indicate what to expect elsewhere.",
                detail="Markets outside the US (or several markets at once) need documentation "
                "for each regulator; the FDA-based figures are a benchmark only there.",
                triggered_by=triggers,
            )
        )

    supply = [modality] if inp.modality in _SUPPLY_MODALITIES else []
    supply += _keyword_hits(inp.keywords, _SUPPLY_KEYWORDS)
    if supply:
        flags.append(
            Flag(
                code="supply_chain",
                kind=FlagKind.challenge,
                label="Supply chain",
                message="The supply chain (manufacturing capacity, cold chain or patient-specific "
                "logistics) needs a credible plan.",
                detail="Cell therapies, manufacturing projects and vaccines depend on specialised "
                "capacity, cold chain or vein-to-vein logistics.",
                triggered_by=supply,
            )
        )

    if len(markets) > 1:
        flags.append(
            Flag(
                code="international_talent",
                kind=FlagKind.challenge,
                label="International talent",
                message="Working across several countries calls for regulatory, clinical and "
                "commercial staff familiar with each of them.",
                detail="Several target countries: the team needs people who know each market's "
                "regulator, clinical sites and language.",
                triggered_by=[f"target markets: {', '.join(markets)}"],
            )
        )
    return flags
