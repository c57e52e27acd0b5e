"""The prospect-analysis report of a proposal, and its re-analysis by an admin."""

import logging
from uuid import UUID

from fastapi import APIRouter

from service.analysis.service import (
    ApplicantAnalysis,
    CommitteeAnalysis,
    Reanalysis,
    read_analysis,
    reanalyse,
)
from service.deps import AdminUser, CurrentUser, SessionDep

log = logging.getLogger(__name__)

router = APIRouter(tags=["analysis"])


@router.get(
    "/proposals/{proposal_id}/analysis",
    response_model=CommitteeAnalysis | ApplicantAnalysis,
)
def proposal_analysis(
    session: SessionDep, user: CurrentUser, proposal_id: UUID
) -> CommitteeAnalysis | ApplicantAnalysis:
    """The full report for the committee and admins; the band, range and flags for the applicant."""
    return read_analysis(session=session, user=user, proposal_id=proposal_id)


@router.post("/admin/proposals/{proposal_id}/reanalyse", response_model=Reanalysis, tags=["admin"])
def reanalyse_proposal(proposal_id: UUID, session: SessionDep, admin: AdminUser) -> Reanalysis:
    """Run the current analysis method on the latest submitted version (kept in its history)."""
    result = reanalyse(session=session, admin=admin, proposal_id=proposal_id)
    session.commit()
    log.warning(
        "admin %s re-analysed proposal %s version %d under %s: %s",
        admin.email,
        result.proposal_id,
        result.proposal_version,
        result.method_version,
        result.band,
    )
    return result
