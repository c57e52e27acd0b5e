"""Telling people what happened: stored notification rows, delivered by a worker.

A notification is written in the same transaction as the change it reports, with a key that
makes it unique per event and recipient, so a retried task never tells anyone twice.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sqlmodel import Session, col, select

from service.auth.models import User
from service.db import insert_new_only, utcnow
from service.i18n import DEFAULT, Wording, reader_language, render
from service.jobs import Job
from service.notifications.models import Channel, DeliveryStatus, Notification, Webhook
from service.organisations.models import Organisation
from service.outbox.service import enqueue_all
from service.policy import APPLICANT_EVENTS
from service.proposals.models import Proposal

# Rows per INSERT statement, well under the databases' bound-parameter limits.
_ROWS_PER_INSERT = 500


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[UUID]:
    """Insert the rows whose dedupe_key is new; the ids of those inserted."""
    table = Notification.__table__  # type: ignore[attr-defined]
    statement = (
        insert_new_only(session, table, ["dedupe_key"])
        # rowcount is -1 for this statement on psycopg 3: ask for the inserted ids instead.
        .returning(table.c.id)
    )
    # Executed with many parameter sets, SQLAlchemy compiles once and batches the VALUES.
    return list(session.execute(statement, rows).scalars())


@dataclass(frozen=True)
class Notice:
    """One event to tell: its recipients get an e-mail, the organisation's webhooks a call.

    Each recipient reads the e-mail in their language; webhooks (read by programs) get English.
    """

    event: str
    proposal: Proposal
    recipients: Sequence[User]
    subject: Wording
    body: Wording
    # Tells apart repeated events of one kind on one proposal (e.g. the version).
    occurrence: str = ""
    payload: dict[str, Any] | None = None


def notify(
    *,
    session: Session,
    event: str,
    proposal: Proposal,
    recipients: Iterable[User],
    subject: Wording,
    body: Wording,
    occurrence: str = "",
    payload: dict[str, Any] | None = None,
) -> int:
    """Store an e-mail per recipient and a webhook call per subscribed organisation webhook.

    The same (event, proposal, occurrence, recipient) is stored once. Returns how many rows
    were new; each new row gets a delivery job through the outbox.
    """
    notice = Notice(event, proposal, list(recipients), subject, body, occurrence, payload)
    return notify_all(session=session, notices=[notice])


def notify_all(*, session: Session, notices: Sequence[Notice]) -> int:
    """`notify` for many events at once (a worker's batch): a few statements for them all."""
    if not notices:
        return 0
    organisations = list({n.proposal.organisation_id for n in notices})
    hooks: dict[UUID, list[Webhook]] = {}
    for hook in session.exec(
        select(Webhook).where(
            col(Webhook.organisation_id).in_(organisations),
            col(Webhook.active),
        )
    ):
        hooks.setdefault(hook.organisation_id, []).append(hook)
    language = _languages(session, [u for n in notices for u in n.recipients])
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for notice in notices:
        proposal = notice.proposal
        common = {
            "event": notice.event,
            "proposal_id": proposal.id,
            "payload": {
                "event": notice.event,
                "proposal_id": str(proposal.id),
                "state": str(proposal.state),
                "version": proposal.version,
                **(notice.payload or {}),
            },
            "status": DeliveryStatus.pending,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        key = f"{notice.event}:{proposal.id}:{notice.occurrence}"
        rows += [
            {
                **common,
                "id": uuid4(),
                "dedupe_key": f"{key}:user:{user.id}",
                "channel": Channel.email,
                "recipient_id": user.id,
                "webhook_id": None,
                "address": user.email,
                "subject": render(notice.subject, language[user.id]),
                "body": render(notice.body, language[user.id]),
            }
            for user in notice.recipients
        ]
        rows += [
            {
                **common,
                "id": uuid4(),
                "dedupe_key": f"{key}:webhook:{hook.id}",
                "channel": Channel.webhook,
                "recipient_id": None,
                "webhook_id": hook.id,
                "address": hook.url,
                "subject": render(notice.subject, DEFAULT),
                "body": render(notice.body, DEFAULT),
            }
            for hook in hooks.get(proposal.organisation_id, [])
            if notice.event in APPLICANT_EVENTS and (not hook.events or notice.event in hook.events)
        ]
    created: list[UUID] = []
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        created += _insert_new(session, rows[start : start + _ROWS_PER_INSERT])
    queue_deliveries(session=session, notification_ids=created)
    return len(created)


def _languages(session: Session, users: Sequence[User]) -> dict[UUID, str]:
    """Each user's reading language: their choice, else their organisation's country's."""
    undecided = {u.organisation_id for u in users if u.language is None and u.organisation_id}
    countries: dict[UUID, str] = {}
    if undecided:
        countries = dict(
            session.execute(
                select(Organisation.id, Organisation.country).where(
                    col(Organisation.id).in_(undecided)
                )
            ).all()
        )
    return {
        u.id: reader_language(u.language, countries.get(u.organisation_id or u.id)) for u in users
    }


def queue_deliveries(*, session: Session, notification_ids: Sequence[UUID]) -> None:
    """Queue the delivery of stored notifications (batched, up to 100 per message)."""
    enqueue_all(
        session=session,
        task=Job.deliver_notifications,
        payloads=[{"notification_id": str(i)} for i in notification_ids],
        batched=True,
    )


def send_account_email(
    *,
    session: Session,
    event: str,
    address: str,
    subject: Wording,
    body: Wording,
    key: str,
    language: str,
    recipient_id: UUID | None = None,
) -> None:
    """Store and queue an e-mail about an account (an invitation, a password reset), written
    in `language`.

    It concerns no proposal, so no webhook hears of it; `key` makes it unique per event.
    """
    now = utcnow()
    row = {
        "id": uuid4(),
        "dedupe_key": f"{event}:{key}",
        "channel": Channel.email,
        "event": event,
        "proposal_id": None,
        "recipient_id": recipient_id,
        "webhook_id": None,
        "address": address,
        "subject": render(subject, language),
        "body": render(body, language),
        "payload": {"event": event},
        "status": DeliveryStatus.pending,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    queue_deliveries(session=session, notification_ids=_insert_new(session, [row]))
