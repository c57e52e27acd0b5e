"""The committee's statistics, for admins and chairs."""

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from service.deps import CurrentUser, SessionDep
from service.stats import service
from service.stats.models import Statistics

router = APIRouter(tags=["statistics"])


@router.get("/stats", response_model=Statistics)
def read_statistics(
    session: SessionDep,
    user: CurrentUser,
    period_from: Annotated[date | None, Query(alias="from", description="first day")] = None,
    period_to: Annotated[date | None, Query(alias="to", description="last day (inclusive)")] = None,
    committee: UUID | None = None,
) -> Statistics:
    """Acceptance rates, time per stage, reviewer load and the prospect bands against the
    decisions; admins for any committee, chairs for theirs."""
    return service.statistics(
        session=session,
        user=user,
        committee_id=committee,
        period_from=period_from,
        period_to=period_to,
    )
