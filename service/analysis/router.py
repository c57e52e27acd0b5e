"""The prospect-analysis report of a proposal."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from service.analysis.service import read_analysis
from service.deps import CurrentUser, SessionDep

router = APIRouter(tags=["analysis"])


@router.get("/proposals/{proposal_id}/analysis")
def proposal_analysis(session: SessionDep, user: CurrentUser, proposal_id: UUID) -> dict[str, Any]:
    """The full report for the committee and admins; the band and flags for the applicant."""
    return read_analysis(session=session, user=user, proposal_id=proposal_id)
