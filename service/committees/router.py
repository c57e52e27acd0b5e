"""Committees, created, edited and listed by administrators, read by their chairs too."""

import logging
from uuid import UUID

from fastapi import APIRouter
from sqlmodel import col, select

from service.committees import service
from service.committees.models import (
    Committee,
    CommitteeCreate,
    CommitteePublic,
    CommitteeUpdate,
)
from service.deps import AdminUser, CurrentUser, SessionDep
from service.pagination import Cursor, Limit, Page, keyset, page_size, split_page
from service.reviews.service import recheck_quorum

router = APIRouter(tags=["committees"])
log = logging.getLogger(__name__)


@router.post("/committees", response_model=CommitteePublic, status_code=201)
def create_committee(session: SessionDep, _: AdminUser, data: CommitteeCreate) -> CommitteePublic:
    committee = service.create_committee(session=session, data=data)
    session.commit()
    return service.to_public(session=session, committee=committee)


@router.get("/committees", response_model=Page[CommitteePublic])
def list_committees(
    session: SessionDep, _: AdminUser, cursor: Cursor = None, limit: Limit = None
) -> Page[CommitteePublic]:
    """Committees by name; follow `next_cursor` for more."""
    size = page_size(limit)
    key = [(col(Committee.name), True), (col(Committee.id), True)]
    query = keyset(select(Committee), key, cursor, [str, UUID], size)
    rows, next_cursor = split_page(session.exec(query).all(), size, lambda c: (c.name, c.id))
    return Page(
        items=[service.to_public(session=session, committee=c) for c in rows],
        next_cursor=next_cursor,
    )


@router.get("/committees/{committee_id}", response_model=CommitteePublic)
def get_committee(session: SessionDep, user: CurrentUser, committee_id: UUID) -> CommitteePublic:
    """One committee, for admins and its chairs (404 for anybody else)."""
    committee = service.get_committee(session=session, user=user, committee_id=committee_id)
    return service.to_public(session=session, committee=committee)


@router.patch("/committees/{committee_id}", response_model=CommitteePublic)
def edit_committee(
    session: SessionDep, admin: AdminUser, committee_id: UUID, data: CommitteeUpdate
) -> CommitteePublic:
    """Change the fields sent; `chair_ids` or `reviewer_ids` sent replace that whole list."""
    committee, changed = service.update_committee(
        session=session, committee_id=committee_id, data=data
    )
    if "quorum" in changed:
        recheck_quorum(session=session, committee_id=committee.id)
    session.commit()
    if changed:
        # There is no audit table: this line is the record of who changed what. A warning, as
        # for re-drives, so that it shows under the default logging configuration.
        log.warning(
            "admin %s (%s) edited committee %s: %s", admin.id, admin.email, committee.id, changed
        )
    return service.to_public(session=session, committee=committee)
