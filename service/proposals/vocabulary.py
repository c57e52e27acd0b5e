"""The committee's controlled vocabularies: therapeutic areas, modalities, phases, states."""

from enum import StrEnum


class TherapeuticArea(StrEnum):
    hematology = "hematology"
    metabolic = "metabolic"
    infectious_disease = "infectious_disease"
    ophthalmology = "ophthalmology"
    autoimmune = "autoimmune"
    respiratory = "respiratory"
    psychiatry = "psychiatry"
    endocrine = "endocrine"
    neurology = "neurology"
    oncology = "oncology"
    cardiovascular = "cardiovascular"
    urology = "urology"
    other = "other"


class Modality(StrEnum):
    small_molecule = "small_molecule"
    monoclonal_antibody = "monoclonal_antibody"
    bispecific_antibody = "bispecific_antibody"
    adc = "adc"
    cell_therapy = "cell_therapy"
    gene_therapy = "gene_therapy"
    vaccine = "vaccine"
    protein = "protein"
    peptide = "peptide"
    rna = "rna"
    antisense = "antisense"
    medical_device = "medical_device"
    diagnostic = "diagnostic"
    manufacturing = "manufacturing"


class IndicationDetail(StrEnum):
    """Which BIO 2021 row an oncology or hematology programme belongs to.

    BIO's "hematology" row is non-malignant blood disease; blood cancers are counted under
    oncology (hematologic cancers), beside solid tumours.
    """

    solid_tumour = "solid_tumour"
    hematologic_cancer = "hematologic_cancer"
    non_malignant = "non_malignant"


class Phase(StrEnum):
    discovery = "discovery"
    preclinical = "preclinical"
    phase_1 = "phase_1"
    phase_2 = "phase_2"
    phase_3 = "phase_3"
    filed = "filed"
    marketed = "marketed"
    not_applicable = "not_applicable"


# SCO member states (ISO 3166-1 alpha-2), for target-market reporting.
SCO_MEMBER_STATES = frozenset({"CN", "IN", "IR", "KZ", "KG", "PK", "RU", "TJ", "UZ", "BY"})
