"""Webhook calls: signed with the organisation's secret, retried on 5xx, given up on 4xx."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from service.notifications.delivery import TransientDeliveryError, deliver, verify_signature
from service.notifications.models import DeliveryStatus
from tests.notifications.conftest import Receiver, free_port, only, stored


def test_webhook_call_carries_the_event_and_a_signature_made_with_the_secret(
    session: Session, receiver: Receiver, webhook: dict[str, Any], announce: Any, draft: dict
) -> None:
    notification = only(announce(), "webhook")

    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.sent
    session.commit()

    (call,) = receiver.requests
    assert call.path == "/hooks/committee"
    assert call.json() == {
        "id": str(notification.id),
        "event": "proposal.returned",
        "proposal_id": draft["id"],
        "state": "draft",
        "version": draft["version"],
        "reasons": ["budget missing"],
    }
    assert call.headers["X-Committee-Event"] == "proposal.returned"
    assert call.headers["X-Committee-Delivery"] == str(notification.id)
    timestamp, signature = (
        call.headers["X-Committee-Timestamp"],
        call.headers["X-Committee-Signature"],
    )
    assert signature.startswith("sha256=")
    assert verify_signature(webhook["secret"], timestamp, call.body, signature)
    assert not verify_signature("whsec_someone-else", timestamp, call.body, signature)
    tampered = json.dumps({**call.json(), "state": "approved"}).encode()
    assert not verify_signature(webhook["secret"], timestamp, tampered, signature)
    assert not verify_signature(webhook["secret"], str(int(timestamp) - 3600), call.body, signature)


def test_server_error_is_retried_then_delivered(
    session: Session, receiver: Receiver, webhook: dict[str, Any], announce: Any
) -> None:
    receiver.statuses.append(500)
    notification = only(announce(), "webhook")

    with pytest.raises(TransientDeliveryError, match="HTTP 500"):
        deliver(session=session, notification_id=notification.id)
    session.commit()

    row = stored(notification.id)
    assert (row.status, row.attempts) == (DeliveryStatus.pending, 1)
    assert "HTTP 500" in (row.last_error or "")

    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.sent
    session.commit()
    row = stored(notification.id)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.sent, 2, None)
    first, second = receiver.requests
    # The same delivery id on the retry lets the receiver recognise it.
    assert first.headers["X-Committee-Delivery"] == second.headers["X-Committee-Delivery"]


def test_rate_limiting_is_retried(
    session: Session, receiver: Receiver, webhook: dict[str, Any], announce: Any
) -> None:
    receiver.statuses.append(429)
    notification = only(announce(), "webhook")

    with pytest.raises(TransientDeliveryError, match="HTTP 429"):
        deliver(session=session, notification_id=notification.id)


def test_not_found_fails_the_notification_without_retrying(
    session: Session, receiver: Receiver, webhook: dict[str, Any], announce: Any
) -> None:
    receiver.statuses.append(404)
    notification = only(announce(), "webhook")

    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.failed
    session.commit()
    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.failed

    row = stored(notification.id)
    assert (row.status, row.attempts) == (DeliveryStatus.failed, 1)
    assert "HTTP 404" in (row.last_error or "")
    assert len(receiver.requests) == 1


def test_notification_fails_when_attempts_run_out(
    session: Session,
    configure: Callable[..., None],
    receiver: Receiver,
    webhook: dict[str, Any],
    announce: Any,
) -> None:
    configure(NOTIFICATION_MAX_ATTEMPTS="2")
    receiver.statuses.extend([503, 503, 503])
    notification = only(announce(), "webhook")

    with pytest.raises(TransientDeliveryError):
        deliver(session=session, notification_id=notification.id)
    session.commit()
    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.failed
    session.commit()
    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.failed

    row = stored(notification.id)
    assert (row.status, row.attempts) == (DeliveryStatus.failed, 2)
    assert "HTTP 503" in (row.last_error or "")
    assert len(receiver.requests) == 2


def test_unreachable_endpoint_is_transient(
    session: Session, api: Any, committee: dict[str, Any], announce: Any
) -> None:
    url = f"http://127.0.0.1:{free_port()}/gone"
    response = api.as_(committee["applicant"])("POST", "/webhooks", json={"url": url})
    assert response.status_code == 201, response.text
    notification = only(announce(), "webhook")

    with pytest.raises(TransientDeliveryError, match="ConnectError"):
        deliver(session=session, notification_id=notification.id)
    session.commit()

    row = stored(notification.id)
    assert (row.status, row.attempts) == (DeliveryStatus.pending, 1)


def test_removed_webhook_is_not_called(
    session: Session,
    api: Any,
    committee: dict[str, Any],
    receiver: Receiver,
    webhook: dict[str, Any],
    announce: Any,
) -> None:
    notification = only(announce(), "webhook")
    response = api.as_(committee["applicant"])("DELETE", f"/webhooks/{webhook['id']}")
    assert response.status_code == 204

    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.failed
    assert receiver.requests == []
