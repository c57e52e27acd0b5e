"""The report's sentences as a code and its values, so that each reader gets its own language.

A report stores, beside each English sentence the API has always given, the `Wording` it was
written from: the code names one template of SENTENCES, the params fill it. The English text
is made here from the template; the pages translate the same template through the catalogues
(service/web/report_text.py) and write the values the reader's way (numbers, areas, phases).
The templates are extracted into the catalogues from this module (service/web/babel.cfg).
"""

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from service.i18n import N_

Param = str | int | float | list["Wording"]
Value = str | int | float
# A template in, the template in the reader's language out (a catalogue's gettext).
Translate = Callable[[str], str]
# A named value as the reader writes it.
ValueWriter = Callable[[str, Value, Translate], str]


# How each named value is written; a value whose name is not here is written as it is.
Kind = Literal[
    "percent1", "percent0", "years1", "usd", "count", "area", "phase", "flags", "message"
]
KINDS: dict[str, Kind] = {
    "ptrs": "percent1",
    "share": "percent0",
    "benchmark_years": "years1",
    "budget": "usd",
    "total": "usd",
    "cost": "usd",
    "years": "count",
    "days": "count",
    "trials": "count",
    "smallest_n": "count",
    "area": "area",
    "phase": "phase",
    "stage": "phase",
    "flags": "flags",  # flag codes, comma-separated
    "text": "message",  # a sentence of its own that is a catalogue message
    "row": "message",  # a BIO 2021 row's label (ROW_LABELS)
}

# How a list of sentences inside a sentence is joined (others: "; ").
JOINS: dict[str, str] = {"trials_ahead": ", "}

SENTENCES: dict[str, str] = {
    # Caveats
    "us_benchmark": N_(
        "The reference figures are US/FDA based; they are used as the best published "
        "benchmark for all target markets."
    ),
    "sco_markets": N_(
        "Target markets in SCO member states ({markets}) have no published success rates of "
        "their own in the reference: the FDA-based figures stand in for them."
    ),
    "no_rates": N_("No published success rate covers {what}."),
    "what_devices": N_("medical devices"),
    "what_diagnostics": N_("diagnostics"),
    "what_manufacturing": N_("manufacturing or supply-chain projects"),
    "what_phase": N_("phase '{phase}'"),
    "marketed": N_("The product is marketed: no development risk is left."),
    "no_peak_sales": N_("No expected peak sales declared: the risk-adjusted NPV is not computed."),
    "preclinical_from_phase_1": N_(
        "BIO 2021 publishes no preclinical success rate: the PTRS runs from Phase I."
    ),
    "durations_all_indications": N_(
        "BIO 2021 per-phase durations are in the reference for all indications, oncology and "
        "hematology only: {area} uses the all-indications durations."
    ),
    "launch_not_in_future": N_(
        "The declared launch year is not in the future although development stages remain: "
        "the valuation follows the benchmark timeline."
    ),
    "device_no_launch_year": N_("No launch year declared: the review-time check is not made."),
    "device_no_cost": N_("No published concept-to-market cost for the {path} path."),
    "device_path_assumed": N_(
        "The regulatory path ({path}) is assumed from the declared keywords. No published "
        "phase-success rates exist for medical devices: no probability and no rNPV are given."
    ),
    "talent_not_assessed": N_(
        "International talent: not assessed, because the proposal declares no team data (team "
        "size, staff with international regulatory or GMP experience, overseas sites)."
    ),
    "cancer_area_undetailed": N_(
        "The proposal does not say whether this {area} programme is a solid tumour, a "
        "hematologic cancer or non-malignant: the area row ({area}) is used. BIO counts blood "
        "cancers under oncology (hematologic cancers, LOA from Phase I 7.5%); its hematology "
        "row (23.9%) is non-malignant blood disease."
    ),
    "detail_not_used": N_(
        "The indication detail ({detail}) applies to oncology and hematology only and is not "
        "used for {area}."
    ),
    "solid_tumour_under_hematology": N_(
        "A solid tumour declared under hematology: the hematology row is used; check the "
        "therapeutic area."
    ),
    "non_malignant_under_oncology": N_(
        "A non-malignant indication declared under oncology: the oncology row is used; check "
        "the therapeutic area."
    ),
    "bispecific_on_antibody_row": N_(
        "BIO 2021 has no bispecific category: bispecific antibodies are benchmarked on the "
        "monoclonal-antibody row, an approximation."
    ),
    "cell_therapy_on_car_t_row": N_(
        "Cell therapy is benchmarked on the CAR-T row, the only cell-therapy category in BIO "
        "2021; other cell therapies may differ."
    ),
    "rna_on_sirna_row": N_(
        "RNA therapeutics are benchmarked on the siRNA/RNAi row; mRNA and other RNA modalities "
        "may differ."
    ),
    # A reference figure's own caveat, from the reference CSV: its text is the template.
    "reference": "{text}",
    # Band reasons
    "band_no_rates": N_(
        "No published success rate covers {what}: expert judgement is required instead of an "
        "invented probability."
    ),
    "band_weak_ptrs": N_("PTRS {ptrs} is below the weak threshold ({version})."),
    "band_weak_rnpv": N_("The base-case risk-adjusted NPV is not positive."),
    "band_strong": N_(
        "PTRS {ptrs} is at least the strong threshold ({version}), the rNPV is positive across "
        "its Monte Carlo range and no plan or method flag is raised."
    ),
    "band_not_strong": N_("Not strong: {reasons}."),
    "reason_below_strong": N_("PTRS {ptrs} is below the strong threshold ({version})"),
    "reason_no_rnpv": N_("no rNPV (no declared peak sales)"),
    "reason_p10": N_("the rNPV's P10 is not positive"),
    "reason_flags": N_("flags raised: {flags}"),
    "band_device": N_(
        "Medical devices have regulatory-path times and costs but no published success rates: "
        "expert judgement is required instead of a probability."
    ),
    # The applicant's range in words
    "range_no_rates": N_(
        "No range: no published success rate covers this project, so the committee's experts "
        "judge its prospect."
    ),
    "range_no_peak_sales": N_("No value range: the proposal declares no expected peak sales."),
    "range_positive": N_(
        "The risk-adjusted value of the project stays positive across the plausible range of "
        "the published benchmark."
    ),
    "range_negative": N_(
        "The risk-adjusted value of the project stays negative across the plausible range of "
        "the published benchmark."
    ),
    "range_central_positive": N_(
        "The risk-adjusted value of the project is positive in the central case but could turn "
        "negative within the plausible range."
    ),
    "range_central_negative": N_(
        "The risk-adjusted value of the project is negative in the central case but could turn "
        "positive within the plausible range."
    ),
    "range_few_programmes": N_(
        "The benchmark rests on few comparable programmes, so the range is wide."
    ),
    # Flags: what the applicant reads (message) and what the committee reads (detail)
    "innovative_message": N_(
        "The technology is novel: few comparable programmes exist to learn from. {basis}"
    ),
    "innovative_detail": N_(
        "Novel modalities have short regulatory track records; their benchmark rows rest on "
        "small counts or on a neighbouring category. {basis}"
    ),
    "basis_smallest_n": N_(
        "The published benchmark used here (BIO 2021, {row}) rests on as few as {smallest_n} "
        "phase transitions for one of the remaining stages."
    ),
    "basis_row": N_("The published benchmark used here is BIO 2021, {row}."),
    "basis_none": N_("No published success rate covers this technology."),
    "batch_stability_message": N_(
        "Batch-to-batch consistency and stability of the product need to be demonstrated and "
        "documented."
    ),
    "batch_stability_detail": N_(
        "Raised by the modality (living cells, vectors, conjugates, bispecific formats, "
        "vaccines) or by a declared manufacturing claim (formulation, stability, scale-up, "
        "transfer): comparability and stability data across batches and sites are needed."
    ),
    "regulatory_message": N_(
        "Each target market needs its own regulatory dossier; the benchmarks used here are "
        "from the US regulator and only indicate what to expect elsewhere."
    ),
    "regulatory_detail": N_(
        "Markets outside the US need documentation for each regulator; the FDA-based figures "
        "are a benchmark only there."
    ),
    "supply_chain_message": N_(
        "The supply chain (manufacturing capacity, cold chain or patient-specific logistics) "
        "needs a credible plan."
    ),
    "supply_chain_detail": N_(
        "Cell therapies, manufacturing projects and vaccines depend on specialised capacity, "
        "cold chain or vein-to-vein logistics."
    ),
    "talent_message": N_(
        "Markets outside the US call for staff who know each regulator and its GMP "
        "expectations, or a presence there; the declared team leaves gaps there."
    ),
    "talent_detail": N_("Target markets outside the US ({markets}): {gaps}."),
    "gap_staff": N_("no staff with international regulatory or GMP experience declared"),
    "gap_sites": N_("no overseas site declared"),
    "preclinical_message": N_(
        "The project has not yet reached clinical trials: the published benchmarks start at "
        "the first clinical phase, so the risk of failing before then is not counted."
    ),
    "preclinical_detail": N_(
        "BIO 2021 publishes no preclinical success rate: PTRS, timeline, costs and rNPV run "
        "from Phase I onward and overstate the prospect."
    ),
    "launch_ambitious_message": N_(
        "The declared launch year leaves much less time than comparable programmes have "
        "typically needed to reach approval."
    ),
    "launch_ambitious_detail": N_(
        "{years} years to the declared launch against a benchmark of {benchmark_years} years "
        "for the remaining stages ({subject}), {share} of it, below the launch floor "
        "({version})."
    ),
    "budget_trials_message": N_(
        "The requested budget is below the typical cost of the clinical trials still ahead."
    ),
    "budget_trials_detail": N_(
        "Budget {budget} against {total} for {trials_ahead} at the median cost per trial "
        "(Martin et al. 2017)."
    ),
    "trials_at_stage": N_("{trials} {stage} trial(s)"),
    "budget_device_message": N_(
        "The requested budget is below what comparable devices on this regulatory path have "
        "typically cost from concept to market."
    ),
    "budget_device_detail": N_(
        "Budget {budget} against the {path} average concept-to-market cost of {cost} (Makower "
        "2010, survey averages)."
    ),
    "launch_device_message": N_(
        "The declared launch year comes sooner than the regulator's published review time "
        "alone, before any development or submission time."
    ),
    "launch_device_detail": N_(
        "{years} years to launch against {days} days, the shortest published review time for "
        "the {path} path."
    ),
}

# The flags' names, by code: a page shows them translated (they are catalogue messages).
FLAG_LABELS: dict[str, str] = {
    "innovative_technology": N_("Innovative technology"),
    "batch_stability": N_("Batch stability"),
    "regulatory_documentation": N_("Regulatory compliance documentation"),
    "supply_chain": N_("Supply chain"),
    "international_talent": N_("International talent"),
    "preclinical_attrition_not_included": N_("Preclinical attrition not included"),
    "launch_year_ambitious": N_("Launch year ahead of benchmark"),
    "budget_below_trial_costs": N_("Budget below the cost of the trials ahead"),
    "budget_below_device_cost": N_("Budget below the published cost to market"),
    "launch_before_device_review": N_("Launch year before the review could end"),
}

# The reference CSVs' caveats, for the catalogues; a test holds this list to the CSVs.
REFERENCE_CAVEATS = (
    N_("CAR-T figures rest on very small counts (Phase III n=3)."),
    N_("Gene-therapy figures rest on small counts (filing n=2)."),
    N_("Urology figures rest on a small sample (n=88) and are less reliable than the other areas."),
    N_("siRNA/RNAi figures rest on small counts (Phase III n=6, filing n=3)."),
    N_("A yearly average (FY2003), not the end of a range."),
    N_("A yearly average (FY2008), not the end of a range."),
    N_(
        "Device concept-to-market costs are survey averages from company responses, not "
        "per-project estimates."
    ),
    N_("MDUFA II goal (FY2008-FY2012), not the current MDUFA V goal."),
)

# The BIO 2021 rows' labels named in sentences, for the catalogues; a test holds this list to
# the reference CSV.
ROW_LABELS = (
    N_("All indications"),
    N_("Allergy"),
    N_("Antibody-drug conjugate"),
    N_("Antisense"),
    N_("Autoimmune"),
    N_("CAR-T"),
    N_("Cardiovascular"),
    N_("Chronic high-prevalence disease"),
    N_("Endocrine"),
    N_("Gastroenterology"),
    N_("Gene therapy"),
    N_("Hematologic cancers"),
    N_("Hematology (non-malignant)"),
    N_("Immuno-oncology"),
    N_("Infectious disease"),
    N_("Metabolic"),
    N_("Monoclonal antibody"),
    N_("Neurology"),
    N_("No patient-preselection biomarker"),
    N_("Oncology"),
    N_("Ophthalmology"),
    N_("Others (BIO's residual group)"),
    N_("Patient-preselection biomarker"),
    N_("Peptide"),
    N_("Protein"),
    N_("Psychiatry"),
    N_("Rare disease (non-oncology)"),
    N_("Respiratory"),
    N_("Small molecule"),
    N_("Solid tumours"),
    N_("Urology"),
    N_("Vaccine"),
    N_("siRNA/RNAi"),
)

# The stages a benchmark row's transitions leave (benchmark.STAGES), for the catalogues.
STAGE_NAMES = (N_("Phase I"), N_("Phase II"), N_("Phase III"), N_("filing"))


class Wording(BaseModel):
    """One sentence of a report: the code of its template and the values that fill it."""

    model_config = ConfigDict(frozen=True)

    code: str
    params: dict[str, Param] = {}

    def english(self) -> str:
        """The sentence as the API gives it."""
        return self.render(lambda template: template, english_value)

    def render(self, translate: Translate, value: ValueWriter) -> str:
        """The sentence through `translate` (template -> template), values by `value`."""
        return fill(self.model_dump(), translate, value)


def fill(wording: Mapping[str, Any], translate: Translate, value: ValueWriter) -> str:
    """A wording as stored (`{"code", "params"}`, read back from JSON) made a sentence."""
    filled = {
        name: JOINS.get(name, "; ").join(fill(w, translate, value) for w in given)
        if isinstance(given, list)
        else value(name, given, translate)
        for name, given in wording.get("params", {}).items()
    }
    return translate(SENTENCES[wording["code"]]).format(**filled)


Wording.model_rebuild()


def say(code: str, **params: Param) -> Wording:
    """The sentence `code` with its values (a code without a template is a bug: KeyError)."""
    if code not in SENTENCES:
        raise KeyError(f"no sentence {code!r}")
    return Wording(code=code, params=params)


def english_value(name: str, value: Value, translate: Translate | None = None) -> str:
    """A value as the English sentences have always written it."""
    kind = KINDS.get(name)
    if kind == "percent1":
        return f"{float(value):.1%}"
    if kind == "percent0":
        return f"{float(value):.0%}"
    if kind == "years1":
        return f"{float(value):.1f}"
    if kind == "usd":
        return f"{float(value):,.0f} USD"
    if kind == "count" and isinstance(value, float):
        return f"{value:.0f}"
    return str(value)


# The sensitivity table's drivers (valuation.py writes the English keys), as a reader reads them.
DRIVERS = {
    "PTRS (sales weight) at its credible-interval ends": N_("PTRS at its credible-interval ends"),
    "peak sales": N_("Peak sales"),
    "launch year (sales only)": N_("Launch year (sales only)"),
    "discount rate": N_("Discount rate"),
    "operating margin": N_("Operating margin"),
    "trial costs": N_("Trial costs"),
}
_SHIFT = re.compile(r"(\d+) years (earlier|later)")
_SHIFTS = {"earlier": N_("%(n)s years earlier"), "later": N_("%(n)s years later")}


def sensitivity_driver(driver: str, translate: Translate) -> str:
    """A sensitivity row's driver ("peak sales") in the reader's words."""
    return translate(DRIVERS[driver]) if driver in DRIVERS else driver


def sensitivity_setting(text: str, translate: Translate) -> str:
    """A sensitivity setting ("x0.5", "8.0%", "2 years earlier") in the reader's words."""
    shift = _SHIFT.fullmatch(text)
    if shift is None:
        return text
    return translate(_SHIFTS[shift.group(2)]) % {"n": shift.group(1)}
