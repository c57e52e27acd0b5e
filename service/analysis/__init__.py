"""Development-prospect analysis: an explainable report built only from published figures."""

from service.analysis.figures import METHOD_VERSION
from service.analysis.prospect import analyse, applicant_summary
from service.analysis.report import ApplicantSummary, ProspectBand, ProspectInput, ProspectReport

__all__ = [
    "METHOD_VERSION",
    "ApplicantSummary",
    "ProspectBand",
    "ProspectInput",
    "ProspectReport",
    "analyse",
    "applicant_summary",
]
