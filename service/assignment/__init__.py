"""Reviewer assignment: conflicts of interest, affinity, and the global min-cost-flow plan.

Pure: no database access. The service layer builds the profiles, calls `plan_assignments` (or
`plan_replacement`, `check_pair`, `explain_conflicts`) and stores what the chair confirms.
"""

from service.assignment.affinity import AffinityModel, TfidfAffinity
from service.assignment.conflicts import (
    Conflict,
    ConflictMatrix,
    ConflictReason,
    check_pair,
    conflict_matrix,
    explain_conflicts,
)
from service.assignment.profiles import (
    Bid,
    Preference,
    ProposalProfile,
    RecordedConflict,
    ReviewerProfile,
)
from service.assignment.solver import (
    AssignmentPlan,
    AssignmentSettings,
    ProposedAssignment,
    Timings,
    Unstaffed,
    plan_assignments,
    plan_replacement,
)

__all__ = [
    "AffinityModel",
    "AssignmentPlan",
    "AssignmentSettings",
    "Bid",
    "Conflict",
    "ConflictMatrix",
    "ConflictReason",
    "Preference",
    "ProposalProfile",
    "ProposedAssignment",
    "RecordedConflict",
    "ReviewerProfile",
    "TfidfAffinity",
    "Timings",
    "Unstaffed",
    "check_pair",
    "conflict_matrix",
    "explain_conflicts",
    "plan_assignments",
    "plan_replacement",
]
