"""Development-prospect analysis: an explainable report built only from published figures."""

from service.analysis.prospect import analyse, applicant_summary
from service.analysis.report import (
    METHOD_VERSION,
    ApplicantSummary,
    ProspectBand,
    ProspectInput,
    ProspectReport,
    TeamData,
)

__all__ = [
    "METHOD_VERSION",
    "ApplicantSummary",
    "ProspectBand",
    "ProspectInput",
    "ProspectReport",
    "TeamData",
    "analyse",
    "applicant_summary",
]
