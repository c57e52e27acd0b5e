"""Admin operations: the queue view, re-driving a proposal, and the Prometheus scrape."""

import hmac
import logging
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Response
from prometheus_client import CONTENT_TYPE_LATEST

from service.admin.metrics import exposition
from service.admin.models import QueueView, RedriveResult
from service.admin.service import queue_view, redrive_stage
from service.config import get_settings
from service.deps import AdminUser, SessionDep
from service.errors import Forbidden, NotAuthenticated

log = logging.getLogger(__name__)

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/queue", response_model=QueueView)
def get_queue(session: SessionDep, _: AdminUser) -> QueueView:
    """The pipeline at a glance: queues per state, broker, workers, outbox, stalls, late reviews."""
    return queue_view(session=session)


@router.post("/proposals/{proposal_id}/redrive", response_model=RedriveResult)
def redrive_proposal(proposal_id: UUID, session: SessionDep, admin: AdminUser) -> RedriveResult:
    """Queue a stalled or stuck automated stage again (409 for stages that wait for people)."""
    result = redrive_stage(session=session, admin=admin, proposal_id=proposal_id)
    session.commit()
    # Also in the proposal's history; the log tells operators watching the service.
    log.warning(
        "admin %s re-drove proposal %s: %s queued again for version %d (last error: %s)",
        admin.email,
        result.proposal_id,
        result.state,
        result.version,
        result.last_error,
    )
    return result


metrics_router = APIRouter(tags=["operations"])


@metrics_router.get("/metrics", include_in_schema=False)
def metrics(authorization: Annotated[str | None, Header()] = None) -> Response:
    """Prometheus scrape: API request metrics and the queue view's gauges.

    With METRICS_TOKEN set, only a scraper sending it as a bearer token may read them; in
    production without it, only if METRICS_PUBLIC is true.
    """
    settings = get_settings()
    token = settings.metrics_token
    if token is None and settings.environment == "production" and not settings.metrics_public:
        raise Forbidden(
            "/metrics is closed: set METRICS_TOKEN, or METRICS_PUBLIC=true to leave it open"
        )
    if token is not None:
        expected = f"Bearer {token.get_secret_value()}".encode()
        if not hmac.compare_digest((authorization or "").encode(), expected):
            raise NotAuthenticated("/metrics wants the METRICS_TOKEN as a bearer token")
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
