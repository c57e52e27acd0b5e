"""Telling people what happened: stored notification rows, delivered by a worker.

A notification is written in the same transaction as the change it reports, with a key that
makes it unique per event and recipient, so a retried task never tells anyone twice.
"""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from service.auth.models import User
from service.notifications.models import Channel, Notification, Webhook
from service.outbox.service import enqueue
from service.proposals.models import Proposal

DELIVER_TASK = "notifications.deliver"


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[UUID]:
    """Insert the rows whose dedupe_key is new, in one statement; the ids of those inserted."""
    table = Notification.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        # rowcount is -1 for this statement on psycopg 3: ask for the inserted ids instead.
        .returning(table.c.id)
    )
    return list(session.execute(statement).scalars())


def notify(
    *,
    session: Session,
    event: str,
    proposal: Proposal,
    recipients: Iterable[User],
    subject: str,
    body: str,
    occurrence: str = "",
    payload: dict[str, Any] | None = None,
) -> int:
    """Store an e-mail per recipient and a webhook call per subscribed organisation webhook.

    `occurrence` tells apart repeated events of one kind on one proposal (e.g. the version);
    the same (event, proposal, occurrence, recipient) is stored once. Returns how many rows
    were new; each new row gets a delivery job through the outbox.
    """
    data = {
        "event": event,
        "proposal_id": str(proposal.id),
        "state": str(proposal.state),
        "version": proposal.version,
        **(payload or {}),
    }
    rows: list[dict[str, Any]] = [
        {
            "dedupe_key": f"{event}:{proposal.id}:{occurrence}:user:{user.id}",
            "channel": Channel.email,
            "recipient_id": user.id,
            "address": user.email,
        }
        for user in recipients
    ]
    hooks = session.exec(
        select(Webhook).where(
            Webhook.organisation_id == proposal.organisation_id,
            Webhook.active == True,  # noqa: E712
        )
    )
    rows += [
        {
            "dedupe_key": f"{event}:{proposal.id}:{occurrence}:webhook:{hook.id}",
            "channel": Channel.webhook,
            "webhook_id": hook.id,
            "address": hook.url,
        }
        for hook in hooks
        if not hook.events or event in hook.events
    ]
    if not rows:
        return 0
    values = [
        Notification(
            event=event, proposal_id=proposal.id, subject=subject, body=body, payload=data, **row
        ).model_dump()
        for row in rows
    ]
    created = _insert_new(session, values)
    for notification_id in created:
        enqueue(
            session=session, task=DELIVER_TASK, batched=True, notification_id=str(notification_id)
        )
    return len(created)
