"""The audit log: every admin action on accounts and committees, with before and after."""

from typing import Any
from uuid import UUID

from sqlalchemy import or_
from sqlmodel import Session, col, select

from service.auth.models import AuditEntry, User
from service.auth.pages import page
from service.search import contains


def record(
    *,
    session: Session,
    actor: User,
    action: str,
    target_type: str,
    target_id: UUID | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Write one entry in the caller's transaction: it exists exactly if the action does."""
    session.add(
        AuditEntry(
            actor_id=actor.id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            before=before,
            after=after,
        )
    )


def entries(
    *, session: Session, cursor: str | None, limit: int, search: str | None = None
) -> tuple[list[AuditEntry], str | None]:
    """A page of the log, newest first, and the cursor of the next page; with `search`, the
    entries whose action (`user.deactivate`...) or actor's e-mail or name holds it."""
    query = select(AuditEntry)
    if search:
        actors = select(User.id).where(contains(search, User.email, User.full_name))
        query = query.where(
            or_(contains(search, AuditEntry.action), col(AuditEntry.actor_id).in_(actors))
        )
    return page(session=session, query=query, model=AuditEntry, cursor=cursor, limit=limit)
