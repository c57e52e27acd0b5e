"""Proposal endpoints: drafts, attachments, submit and withdraw, reading and history."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Header, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from service.auth.models import Role
from service.config import get_settings
from service.deps import CurrentUser, SessionDep
from service.errors import InvalidInput
from service.proposals import attachments, idempotency, service
from service.proposals.models import (
    AttachmentPublic,
    Proposal,
    ProposalCreate,
    ProposalPage,
    ProposalPublic,
    ProposalUpdate,
    TransitionPublic,
)
from service.proposals.workflow import Actor, State

router = APIRouter(prefix="/proposals", tags=["proposals"])


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
def create_proposal(session: SessionDep, user: CurrentUser, data: ProposalCreate) -> ProposalPublic:
    """Create a draft for the caller's organisation."""
    proposal = service.create(session=session, user=user, data=data)
    session.commit()
    return _public(proposal)


@router.get("", response_model=ProposalPage)
def list_proposals(
    session: SessionDep,
    user: CurrentUser,
    state: State | None = None,
    committee: UUID | None = None,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> ProposalPage:
    """The proposals the caller may read, newest first; follow `next_cursor` for more."""
    settings = get_settings()
    page_size = min(limit or settings.page_size_default, settings.page_size_max)
    rows, next_cursor = service.list_visible(
        session=session,
        user=user,
        state=state,
        committee_id=committee,
        cursor=cursor,
        limit=page_size,
    )
    return ProposalPage(items=[_public(p) for p in rows], next_cursor=next_cursor)


@router.get("/{proposal_id}", response_model=ProposalPublic)
def read_proposal(session: SessionDep, user: CurrentUser, proposal_id: UUID) -> ProposalPublic:
    return _public(service.get_visible(session=session, user=user, proposal_id=proposal_id))


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


async def _fingerprint(request: Request) -> str:
    return idempotency.fingerprint(request.method, request.url.path, await request.body())


@router.post("/{proposal_id}/submit", response_model=ProposalPublic)
def submit_proposal(
    request_hash: Annotated[str, Depends(_fingerprint)],
    session: SessionDep,
    user: CurrentUser,
    proposal_id: UUID,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Freeze a new version and send it to screening. Honours an Idempotency-Key header."""
    if idempotency_key is not None:
        earlier = idempotency.recall(
            session=session, user_id=user.id, key=idempotency_key, request_hash=request_hash
        )
        if earlier is not None:
            return JSONResponse(earlier.response_body, earlier.status_code)
    proposal = service.submit(session=session, user=user, proposal_id=proposal_id)
    body = _public(proposal).model_dump(mode="json")
    if idempotency_key is not None:
        idempotency.remember(
            session=session,
            user_id=user.id,
            key=idempotency_key,
            request_hash=request_hash,
            status_code=200,
            body=body,
        )
    try:
        session.commit()
    except IntegrityError:
        # The same key arrived twice at once and the other request won: replay its answer.
        session.rollback()
        earlier = idempotency.recall(
            session=session, user_id=user.id, key=idempotency_key or "", request_hash=request_hash
        )
        if earlier is None:
            raise
        return JSONResponse(earlier.response_body, earlier.status_code)
    return JSONResponse(body, 200)


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
    """Every state change, oldest first. Applicants don't see committee members' identities."""
    rows = service.history(session=session, user=user, proposal_id=proposal_id)
    public = [TransitionPublic.model_validate(t) for t in rows]
    if user.role == Role.applicant:
        for row in public:
            if row.actor_role != Actor.applicant:
                row.actor_id = None
    return public


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
