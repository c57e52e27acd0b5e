"""Exports as CSV or XLSX, streamed: /exports/{proposals,reviews,decisions}.{csv,xlsx}."""

from collections.abc import Callable
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from service.deps import CurrentUser, SessionDep
from service.exports import service
from service.exports.tables import MEDIA_TYPES, Format, download
from service.workflow.table import State

router = APIRouter(tags=["exports"])


def _proposals(fmt: Format) -> Callable[..., StreamingResponse]:
    def export_proposals(
        user: CurrentUser, state: State | None = None, committee: UUID | None = None
    ) -> StreamingResponse:
        """The proposals the caller may read, with the proposals list's filters."""
        return download(
            service.proposals_export(user=user, state=state, committee_id=committee), fmt
        )

    return export_proposals


def _reviews(fmt: Format) -> Callable[..., StreamingResponse]:
    def export_reviews(
        session: SessionDep, user: CurrentUser, committee: UUID
    ) -> StreamingResponse:
        """The committee's submitted reviews, a column per rubric criterion (admins, chairs)."""
        return download(
            service.reviews_export(session=session, user=user, committee_id=committee), fmt
        )

    return export_reviews


def _decisions(fmt: Format) -> Callable[..., StreamingResponse]:
    def export_decisions(
        session: SessionDep, user: CurrentUser, committee: UUID | None = None
    ) -> StreamingResponse:
        """The decisions of the committees the caller chairs (admins: all, or `committee`)."""
        return download(
            service.decisions_export(session=session, user=user, committee_id=committee), fmt
        )

    return export_decisions


_ROUTES = {"proposals": _proposals, "reviews": _reviews, "decisions": _decisions}
for _fmt in Format:
    for _name, _route in _ROUTES.items():
        router.add_api_route(
            f"/exports/{_name}.{_fmt}",
            _route(_fmt),
            methods=["GET"],
            name=f"export_{_name}_{_fmt}",
            response_class=StreamingResponse,
            responses={200: {"content": {MEDIA_TYPES[_fmt]: {}}}},
        )
