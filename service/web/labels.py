"""The domain's vocabularies in words a reader understands, each marked for translation.

The enum values are the API's; these are the words a page shows for them (translated where
they are shown). A test checks every member of every vocabulary has its words here.
"""

from enum import StrEnum

from service.analysis.report import ProspectBand
from service.assignment.models import AssignmentStatus
from service.assignment.profiles import Preference
from service.auth.models import Role
from service.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from service.proposals.vocabulary import IndicationDetail, Modality, Phase, TherapeuticArea
from service.reviews.models import Outcome, Recommendation
from service.web.i18n import N_
from service.workflow.table import State

LABELS: dict[type[StrEnum], dict[str, str]] = {
    State: {
        "draft": N_("Draft"),
        "screening": N_("Being screened"),
        "returned": N_("Returned for completion"),
        "analysis": N_("Prospect analysis"),
        "assignment": N_("Choosing reviewers"),
        "in_review": N_("In review"),
        "applicant_response": N_("Your answer to the reviews"),
        "deliberation": N_("Committee deliberation"),
        "revision_requested": N_("Revision requested"),
        "approved": N_("Approved"),
        "rejected": N_("Rejected"),
        "withdrawn": N_("Withdrawn"),
    },
    TherapeuticArea: {
        "hematology": N_("Hematology"),
        "metabolic": N_("Metabolic diseases"),
        "infectious_disease": N_("Infectious diseases"),
        "ophthalmology": N_("Ophthalmology"),
        "autoimmune": N_("Autoimmune diseases"),
        "respiratory": N_("Respiratory diseases"),
        "psychiatry": N_("Psychiatry"),
        "endocrine": N_("Endocrinology"),
        "neurology": N_("Neurology"),
        "oncology": N_("Oncology"),
        "cardiovascular": N_("Cardiovascular diseases"),
        "urology": N_("Urology"),
        "other": N_("Other"),
    },
    Modality: {
        "small_molecule": N_("Small molecule"),
        "monoclonal_antibody": N_("Monoclonal antibody"),
        "bispecific_antibody": N_("Bispecific antibody"),
        "adc": N_("Antibody-drug conjugate"),
        "cell_therapy": N_("Cell therapy"),
        "gene_therapy": N_("Gene therapy"),
        "vaccine": N_("Vaccine"),
        "protein": N_("Therapeutic protein"),
        "peptide": N_("Peptide"),
        "rna": N_("RNA therapeutic"),
        "antisense": N_("Antisense oligonucleotide"),
        "medical_device": N_("Medical device"),
        "diagnostic": N_("Diagnostic"),
        "manufacturing": N_("Manufacturing"),
    },
    Phase: {
        "discovery": N_("Discovery"),
        "preclinical": N_("Preclinical"),
        "phase_1": N_("Phase I"),
        "phase_2": N_("Phase II"),
        "phase_3": N_("Phase III"),
        "filed": N_("Filed for approval"),
        "marketed": N_("Marketed"),
        "not_applicable": N_("Not applicable"),
    },
    Recommendation: {
        "approve": N_("Approve"),
        "revise": N_("Revise and resubmit"),
        "reject": N_("Reject"),
    },
    Outcome: {
        "approved": N_("Approved"),
        "rejected": N_("Rejected"),
        "revision_requested": N_("Revision requested"),
    },
    AssignmentStatus: {
        "invited": N_("Invited"),
        "accepted": N_("Accepted"),
        "declined": N_("Declined"),
        "submitted": N_("Review submitted"),
        "replaced": N_("Replaced"),
        "cancelled": N_("No longer needed"),
    },
    Preference: {
        "eager": N_("Eager to review it"),
        "willing": N_("Willing to review it"),
        "not_willing": N_("Not willing to review it"),
        "conflict": N_("I have a conflict of interest"),
    },
    Role: {
        "applicant": N_("Applicant"),
        "reviewer": N_("Reviewer"),
        "chair": N_("Chair"),
        "admin": N_("Administrator"),
    },
    IndicationDetail: {
        "solid_tumour": N_("Solid tumour"),
        "hematologic_cancer": N_("Hematologic cancer"),
        "non_malignant": N_("Non-malignant blood disease"),
    },
    ProspectBand: {
        "strong": N_("Strong prospect"),
        "moderate": N_("Moderate prospect"),
        "weak": N_("Weak prospect"),
        "expert_judgement_required": N_("Expert judgement required"),
    },
}

# What an applicant reads in the timeline when its proposal enters each state.
TIMELINE: dict[str, str] = {
    "draft": N_("You started the draft."),
    "screening": N_("You submitted the proposal; the committee checks it is complete."),
    "returned": N_("The proposal was returned to you: please complete what is missing."),
    "analysis": N_("The proposal passed screening; its development prospects are analysed."),
    "assignment": N_("The analysis is done; reviewers are being chosen."),
    "in_review": N_("Expert reviewers are reading the proposal."),
    "applicant_response": N_("The reviews are in: you may answer them once before the decision."),
    "deliberation": N_("The reviews are in; the committee deliberates."),
    "revision_requested": N_("The committee asks you to revise the proposal."),
    "approved": N_("The committee approved the proposal."),
    "rejected": N_("The committee did not approve the proposal."),
    "withdrawn": N_("The proposal was withdrawn."),
}

# The rubric of the default committee; a criterion a committee adds itself shows its own label.
CRITERIA: dict[str, str] = {
    "innovative_technology": N_("Innovative technology"),
    "batch_stability": N_("Batch stability and quality control"),
    "regulatory_compliance": N_("Regulatory compliance documentation"),
    "supply_chain": N_("Supply chain readiness"),
    "international_talent": N_("International talent and team"),
    "market_prospect": N_("Market prospect"),
}

# Field names of a proposal, as the form labels them.
FIELDS: dict[str, str] = {
    "title": N_("Title"),
    "summary": N_("Summary"),
    "therapeutic_area": N_("Therapeutic area"),
    "modality": N_("Modality"),
    "phase": N_("Development phase"),
    "budget_requested": N_("Budget requested (US dollars)"),
    "expected_peak_sales": N_("Expected peak sales (US dollars per year)"),
    "target_launch_year": N_("Target launch year"),
    "target_markets": N_("Target markets"),
    "keywords": N_("Keywords"),
    "declared_conflicts": N_("Declared conflicts of interest"),
    "indication_detail": N_("Kind of indication (oncology and hematology)"),
    "rare_disease": N_("Rare disease"),
    "biomarker": N_("Patients selected by a biomarker"),
    "team_size": N_("Team size (people)"),
    "staff_international_experience": N_(
        "Staff with international regulatory or GMP experience (people)"
    ),
    "overseas_sites": N_("Sites abroad"),
    "attachments": N_("At least one attachment (the business plan)"),
}

# Country names come from the CLDR in the reader's language; these are the ones offered.
MARKETS_OTHER = ("US", "EU", "GB", "JP", "KR", "SG", "AE", "SA", "TR", "BR", "AU", "CA")

# Why an upload was refused, by the service's error: said beside the file input.
UPLOAD_ERRORS = {
    InvalidInput: N_("Choose a file that is not empty."),
    PayloadTooLarge: N_("The file is larger than the limit."),
    UnsupportedMediaType: N_(
        "This type of file is not accepted, or its content does not match its name."
    ),
}

# A refused action in general, by HTTP status: the service's own detail follows in English.
ERROR_EXPLANATIONS = {
    403: N_("Your role does not allow this action."),
    404: N_("This page does not exist, or it is not visible to you."),
    409: N_("This is not possible in the current state; reload the page to see what changed."),
    413: N_("The file is larger than the limit."),
    415: N_("This type of file is not accepted, or its content does not match its name."),
    422: N_("Some of what was sent is not valid."),
    429: N_("Too many attempts; please wait a little and try again."),
}

# The events an organisation's webhook may hear of (service.policy.APPLICANT_EVENTS), in words.
WEBHOOK_EVENTS: dict[str, str] = {
    "proposal.returned": N_("A proposal is returned for completion"),
    "proposal.response_open": N_("The reviews are in and wait for your answer"),
    "proposal.decided": N_("The committee decided on a proposal"),
}
