"""Storing notifications: one row per event, occurrence and recipient, however often told."""

from typing import Any

from sqlmodel import Session, col, func, select

from service.jobs import Job
from service.notifications.models import Channel, DeliveryStatus, Notification
from service.outbox.models import OutboxMessage


def _count(session: Session, model: Any, *where: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def test_the_same_event_told_twice_is_stored_once_per_recipient(
    session: Session, committee: dict[str, Any], webhook: dict[str, Any], announce: Any
) -> None:
    recipients = [committee["applicant"], committee["chair"]]

    first = announce(recipients=recipients)
    second = announce(recipients=recipients)

    assert sorted(n.id for n in first) == sorted(n.id for n in second)
    channels = sorted(str(n.channel) for n in second)
    assert channels == [Channel.email, Channel.email, Channel.webhook]
    assert {n.address for n in second if n.channel == Channel.email} == set(recipients)
    assert all(n.status == DeliveryStatus.pending for n in second)


# psycopg 3 reports rowcount -1 for INSERT .. ON CONFLICT DO NOTHING: notify() must not take
# that for "inserted" and queue a second delivery job.
def test_the_same_event_told_twice_queues_one_delivery_per_row(
    session: Session, committee: dict[str, Any], webhook: dict[str, Any], announce: Any
) -> None:
    recipients = [committee["applicant"], committee["chair"]]

    announce(recipients=recipients)
    announce(recipients=recipients)

    assert _count(session, OutboxMessage, OutboxMessage.task == Job.deliver_notifications) == 3


def test_a_new_occurrence_of_the_event_is_stored_again(
    session: Session, committee: dict[str, Any], announce: Any
) -> None:
    announce(occurrence="1")
    announce(occurrence="2")

    assert _count(session, Notification, col(Notification.event) == "proposal.returned") == 2


def test_webhook_subscribed_to_other_events_is_not_told(
    session: Session, api: Any, committee: dict[str, Any], receiver: Any, announce: Any
) -> None:
    response = api.as_(committee["applicant"])(
        "POST", "/webhooks", json={"url": receiver.url, "events": ["proposal.approved"]}
    )
    assert response.status_code == 201, response.text

    rows = announce()

    assert [str(n.channel) for n in rows] == [Channel.email]
