"""The committee dossier of a proposal as a PDF, in the reader's language."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from service.auth.models import Language
from service.db import utcnow
from service.deps import CurrentUser, SessionDep
from service.dossier import pdf
from service.dossier.service import dossier
from service.web import i18n

router = APIRouter(tags=["proposals"])


@router.get(
    "/proposals/{proposal_id}/dossier.pdf",
    response_class=Response,
    responses={
        200: {
            "content": {pdf.MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The dossier as the caller may read it: the committee's copy names "
            "the reviewers and holds their confidential comments, the discussion and the "
            "rationale; the applicant's copy has only what the applicant may see",
        }
    },
)
def proposal_dossier(
    session: SessionDep,
    user: CurrentUser,
    proposal_id: UUID,
    language: Annotated[
        Language | None,
        Query(description="en, zh_Hans or ru; unset: the caller's language, else Accept-Language"),
    ] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The proposal, its analysis with charts, the round's reviews, discussion and decision."""
    written = dossier(session=session, user=user, proposal_id=proposal_id)
    chosen = (
        language
        or user.language
        or i18n.from_accept_language(accept_language or "")
        or i18n.DEFAULT
    )
    return pdf.download(written, str(chosen), utcnow())
