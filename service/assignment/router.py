"""The chair's reviewer tools: a dry-run preview, manual assignment, the assignment list."""

from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from service.assignment import service
from service.assignment.models import (
    AssignmentForChair,
    AssignmentPreview,
    AssignmentPublic,
    BiddableProposal,
    BidRequest,
)
from service.deps import CurrentUser, SessionDep
from service.pagination import Cursor, Limit, Page, page_size

router = APIRouter(tags=["assignment"])


class ManualAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reviewer_ids: list[UUID] = Field(min_length=1, max_length=20)


@router.post("/proposals/{proposal_id}/assignments/preview", response_model=AssignmentPreview)
def preview_assignment(
    session: SessionDep, user: CurrentUser, proposal_id: UUID
) -> AssignmentPreview:
    """What the solver would choose now, with affinities, and every excluded reviewer and why.

    Nothing is stored: apply it by posting the proposed reviewer ids to `/assignments`.
    """
    return service.preview(session=session, user=user, proposal_id=proposal_id)


@router.post("/proposals/{proposal_id}/assignments", status_code=201)
def assign_reviewers(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, data: ManualAssignment
) -> list[AssignmentPublic]:
    """Assign reviewers by hand; 409 names the conflict or the full reviewer."""
    created = service.assign_by_hand(
        session=session, user=user, proposal_id=proposal_id, reviewer_ids=data.reviewer_ids
    )
    session.commit()
    return [AssignmentPublic.model_validate(a) for a in created]


class Replacement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reviewer_id: UUID


@router.post("/assignments/{assignment_id}/replace", response_model=AssignmentPublic)
def replace_reviewer(
    session: SessionDep, user: CurrentUser, assignment_id: UUID, data: Replacement
) -> AssignmentPublic:
    """The chair gives an open assignment to another reviewer; 409 names a conflict or a full
    reviewer, and then nothing changes. Answers the new assignment."""
    created = service.replace_reviewer(
        session=session, user=user, assignment_id=assignment_id, reviewer_id=data.reviewer_id
    )
    session.commit()
    return AssignmentPublic.model_validate(created)


@router.get("/proposals/{proposal_id}/assignments", response_model=list[AssignmentForChair])
def proposal_assignments(
    session: SessionDep, user: CurrentUser, proposal_id: UUID
) -> list[AssignmentForChair]:
    """Every assignment of the proposal, all versions, with who each reviewer is (name,
    expertise, current load) and why it was chosen."""
    return service.list_for_chair(session=session, user=user, proposal_id=proposal_id)


@router.get("/bids", response_model=Page[BiddableProposal])
def open_for_bids(
    session: SessionDep, user: CurrentUser, cursor: Cursor = None, limit: Limit = None
) -> Page[BiddableProposal]:
    """The proposals waiting in my committees before their round, with my bids on them."""
    items, next_cursor = service.biddable(
        session=session, user=user, cursor=cursor, limit=page_size(limit)
    )
    return Page(items=items, next_cursor=next_cursor)


@router.put("/proposals/{proposal_id}/bid", response_model=BiddableProposal)
def place_bid(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, data: BidRequest
) -> BiddableProposal:
    """Bid eager / willing / not_willing / conflict on a proposal waiting in my committee.

    A conflict is never assigned; not_willing only when nobody else can take it.
    """
    placed = service.bid(
        session=session, user=user, proposal_id=proposal_id, preference=data.preference
    )
    session.commit()
    return placed
