"""Proposal endpoints: drafts, attachments, submit and withdraw, reading and history."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Header, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import ConfigDict, Field

from service.config import get_settings
from service.deps import CurrentUser, SessionDep
from service.errors import InvalidInput
from service.idempotency import IdempotentDep
from service.proposals import attachments, service
from service.proposals.models import (
    AttachmentPublic,
    Proposal,
    ProposalCreate,
    ProposalPage,
    ProposalPublic,
    ProposalUpdate,
    TransitionPublic,
)
from service.proposals.vocabulary import TherapeuticArea
from service.storable import StorableInput
from service.workflow.table import State

router = APIRouter(prefix="/proposals", tags=["proposals"])


class WithdrawRequest(StorableInput):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    reason: str = Field(default="", max_length=2000)


def _public(proposal: Proposal) -> ProposalPublic:
    return ProposalPublic.model_validate(proposal)


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise InvalidInput(
            "If-Match: expected the proposal's row_version", field="If-Match"
        ) from None


@router.post("", response_model=ProposalPublic, status_code=201)
def create_proposal(
    session: SessionDep, user: CurrentUser, data: ProposalCreate, once: IdempotentDep
) -> JSONResponse:
    """Create a draft for the caller's organisation. Honours an Idempotency-Key header."""
    return once.respond(
        session, lambda: _public(service.create(session=session, user=user, data=data)), 201
    )


@router.get("", response_model=ProposalPage)
def list_proposals(
    session: SessionDep,
    user: CurrentUser,
    state: State | None = None,
    committee: UUID | None = None,
    area: TherapeuticArea | None = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> ProposalPage:
    """The proposals the caller may read, newest first; follow `next_cursor` for more.
    `area` keeps one therapeutic area, `search` the titles containing its text (any case)."""
    settings = get_settings()
    page_size = min(limit or settings.page_size_default, settings.page_size_max)
    rows, next_cursor = service.list_visible(
        session=session,
        user=user,
        state=state,
        committee_id=committee,
        area=area,
        search=search,
        cursor=cursor,
        limit=page_size,
    )
    return ProposalPage(items=rows, next_cursor=next_cursor)


@router.get("/{proposal_id}", response_model=ProposalPublic)
def read_proposal(session: SessionDep, user: CurrentUser, proposal_id: UUID) -> ProposalPublic:
    return service.read(session=session, user=user, proposal_id=proposal_id)


@router.patch("/{proposal_id}", response_model=ProposalPublic)
def edit_proposal(
    session: SessionDep,
    user: CurrentUser,
    proposal_id: UUID,
    data: ProposalUpdate,
    if_match: Annotated[str | None, Header()] = None,
) -> ProposalPublic:
    """Change a proposal while it waits for its applicant; send If-Match: <row_version>."""
    proposal = service.update(
        session=session,
        user=user,
        proposal_id=proposal_id,
        data=data,
        expected_row_version=_if_match(if_match),
    )
    session.commit()
    return _public(proposal)


@router.post("/{proposal_id}/submit", response_model=ProposalPublic)
def submit_proposal(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, once: IdempotentDep
) -> JSONResponse:
    """Freeze a new version and send it to screening. Honours an Idempotency-Key header."""
    return once.respond(
        session,
        lambda: _public(service.submit(session=session, user=user, proposal_id=proposal_id)),
    )


@router.post("/{proposal_id}/withdraw", response_model=ProposalPublic)
def withdraw_proposal(
    session: SessionDep,
    user: CurrentUser,
    proposal_id: UUID,
    data: Annotated[WithdrawRequest | None, Body()] = None,
) -> ProposalPublic:
    reason = data.reason if data else ""
    proposal = service.withdraw(session=session, user=user, proposal_id=proposal_id, reason=reason)
    session.commit()
    return _public(proposal)


@router.get("/{proposal_id}/history", response_model=list[TransitionPublic])
def proposal_history(
    session: SessionDep, user: CurrentUser, proposal_id: UUID
) -> list[TransitionPublic]:
    """Every state change, oldest first. Applicants read it in words meant for them: no
    committee member's or admin's identity, no internal error."""
    return service.history(session=session, user=user, proposal_id=proposal_id)


@router.post(
    "/{proposal_id}/attachments",
    response_model=AttachmentPublic,
    status_code=201,
    responses={413: {"description": "too large"}, 415: {"description": "type not accepted"}},
)
def upload_attachment(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, file: UploadFile
) -> AttachmentPublic:
    """Attach a PDF, Office document, image or CSV (size limit: ATTACHMENT_MAX_BYTES)."""
    attachment = attachments.add(
        session=session,
        user=user,
        proposal_id=proposal_id,
        filename=file.filename or "",
        stream=file.file,
    )
    session.commit()
    return AttachmentPublic.model_validate(attachment)


@router.get("/{proposal_id}/attachments", response_model=list[AttachmentPublic])
def list_attachments(
    session: SessionDep, user: CurrentUser, proposal_id: UUID
) -> list[AttachmentPublic]:
    rows = attachments.list_for(session=session, user=user, proposal_id=proposal_id)
    return [AttachmentPublic.model_validate(a) for a in rows]


@router.delete("/{proposal_id}/attachments/{attachment_id}", status_code=204)
def delete_attachment(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, attachment_id: UUID
) -> None:
    """Remove a file while the proposal waits for its applicant."""
    attachments.remove(
        session=session, user=user, proposal_id=proposal_id, attachment_id=attachment_id
    )
    session.commit()


@router.get("/{proposal_id}/attachments/{attachment_id}")
def download_attachment(
    session: SessionDep, user: CurrentUser, proposal_id: UUID, attachment_id: UUID
) -> FileResponse:
    attachment = attachments.get(
        session=session, user=user, proposal_id=proposal_id, attachment_id=attachment_id
    )
    return FileResponse(
        attachments.blob_path(attachment.sha256),
        media_type=attachment.content_type,
        filename=attachment.filename,
    )
