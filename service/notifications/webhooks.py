"""Organisations' webhooks: applicants register endpoints for their own proposals' events.

The server generates each webhook's signing secret and shows it once, in the creation
response. Removing a webhook deactivates it (its past deliveries still refer to it); pending
deliveries to it then fail instead of being sent. A webhook's host must resolve to public
addresses only (see `service.notifications.targets`), unless WEBHOOK_ALLOW_PRIVATE is set.
"""

import re
import secrets
from datetime import datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func
from sqlmodel import Session, col, select

from service import policy
from service.auth.models import User
from service.config import get_settings
from service.deps import CurrentUser, SessionDep
from service.errors import Conflict, InvalidInput, NotFound
from service.notifications.models import Webhook
from service.notifications.targets import WebhookTargetRefused, check_webhook_target
from service.pagination import Cursor, Limit, Page, keyset, page_size, split_page

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

# Event names as notify() writes them, e.g. "proposal.returned".
_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


class WebhookCreate(BaseModel):
    """A webhook to register: where to POST, and which events (none listed means all)."""

    model_config = ConfigDict(extra="forbid")
    url: AnyHttpUrl = Field(
        description="http or https URL that receives the signed POSTs; its host must resolve "
        "to public addresses only, and it may not contain a user name or password"
    )
    events: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("url")
    @classmethod
    def _url_fits(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        # The column holds 2000 characters.
        if len(str(value)) > 2000:
            raise ValueError("at most 2000 characters")
        return value

    @field_validator("events")
    @classmethod
    def _event_names(cls, value: list[str]) -> list[str]:
        names = [name.strip() for name in value]
        bad = [name for name in names if len(name) > 64 or not _EVENT_NAME.match(name)]
        if bad:
            raise ValueError(f"not event names like 'proposal.returned': {bad}")
        return sorted(set(names))


class WebhookPublic(BaseModel):
    """A registered webhook as its organisation (or an administrator) sees it: no secret."""

    model_config = ConfigDict(from_attributes=True)
    id: UUID
    organisation_id: UUID
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookPublic):
    """The creation response: the only time the signing secret is shown."""

    secret: str


def register_webhook(*, session: Session, user: User, data: WebhookCreate) -> Webhook:
    """Register a webhook for the applicant's own organisation, with a new signing secret."""
    organisation_id = policy.applicant_organisation(user, "register webhooks")
    limit = get_settings().webhooks_per_organisation_max
    registered = session.exec(
        select(func.count())
        .select_from(Webhook)
        .where(Webhook.organisation_id == organisation_id, col(Webhook.active))
    ).one()
    if registered >= limit:
        raise Conflict(
            f"the organisation has its limit of {limit} webhooks; delete one first", limit=limit
        )
    url = str(data.url)
    try:
        check_webhook_target(url, get_settings())
    except WebhookTargetRefused as refused:
        raise InvalidInput(str(refused), field="url") from refused
    webhook = Webhook(
        organisation_id=organisation_id,
        url=url,
        events=data.events,
        secret="whsec_" + secrets.token_urlsafe(32),
    )
    session.add(webhook)
    session.flush()
    return webhook


def list_webhooks(
    *, session: Session, user: User, cursor: str | None = None, limit: int
) -> tuple[list[Webhook], str | None]:
    """A page of active webhooks, oldest first: the applicant's organisation's, or every
    organisation's for an admin; and the cursor of the next page."""
    scope = policy.webhook_scope(user)
    query = select(Webhook).where(col(Webhook.active).is_(True))
    if scope is not None:
        query = query.where(Webhook.organisation_id == scope)
    key = [(col(Webhook.created_at), True), (col(Webhook.id), True)]
    rows = session.exec(keyset(query, key, cursor, [datetime, UUID], limit)).all()
    return split_page(rows, limit, lambda w: (w.created_at, w.id))


def remove_webhook(*, session: Session, user: User, webhook_id: UUID) -> None:
    """Deactivate a webhook of the applicant's organisation (an admin may remove any).

    Another organisation's webhook answers 404, as if it did not exist.
    """
    scope = policy.webhook_scope(user)
    webhook = session.get(Webhook, webhook_id)
    if (
        webhook is None
        or not webhook.active
        or (scope is not None and webhook.organisation_id != scope)
    ):
        raise NotFound(f"webhook {webhook_id} not found")
    webhook.active = False
    session.add(webhook)
    session.flush()


@router.post("", response_model=WebhookCreated, status_code=201)
def create_webhook(session: SessionDep, user: CurrentUser, data: WebhookCreate) -> WebhookCreated:
    """Register a webhook for the caller's organisation; keep the returned secret."""
    webhook = register_webhook(session=session, user=user, data=data)
    session.commit()
    return WebhookCreated.model_validate(webhook)


@router.get("", response_model=Page[WebhookPublic])
def get_webhooks(
    session: SessionDep, user: CurrentUser, cursor: Cursor = None, limit: Limit = None
) -> Page[WebhookPublic]:
    """The webhooks the caller manages, without their secrets; follow `next_cursor` for more."""
    rows, next_cursor = list_webhooks(
        session=session, user=user, cursor=cursor, limit=page_size(limit)
    )
    return Page(items=[WebhookPublic.model_validate(w) for w in rows], next_cursor=next_cursor)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(session: SessionDep, user: CurrentUser, webhook_id: UUID) -> None:
    """Stop sending events to a webhook."""
    remove_webhook(session=session, user=user, webhook_id=webhook_id)
    session.commit()
