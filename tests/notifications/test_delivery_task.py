"""The `notifications.deliver` task: its retries keep their attempt count, and a real worker
delivers what the outbox sends it."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from service.notifications.models import DeliveryStatus
from tests.notifications.conftest import Inbox, Receiver, only, stored
from tests.pipeline.conftest import wait_for
from workers.celery_app import celery_app
from workers.notification_tasks import deliver_notifications


def _delivered(notification_id: UUID) -> Any:
    return wait_for(
        lambda: stored(notification_id).status == DeliveryStatus.sent,
        seconds=20,
        what=f"notification {notification_id} to be sent",
        describe=lambda: stored(notification_id).last_error,
    )


def test_a_failed_attempt_is_committed_before_the_retry(
    receiver: Receiver, webhook: dict[str, Any], announce: Any
) -> None:
    receiver.statuses.append(502)
    notification = only(announce(), "webhook")

    # Called directly: the failed attempt is committed and a retry message goes to the broker.
    [status] = deliver_notifications.run(jobs=[{"notification_id": str(notification.id)}])
    assert status.startswith("retrying")
    assert "HTTP 502" in status

    row = stored(notification.id)
    assert (row.status, row.attempts) == (DeliveryStatus.pending, 1)
    assert "HTTP 502" in (row.last_error or "")
    assert deliver_notifications.run(jobs=[{"notification_id": str(notification.id)}]) == ["sent"]
    assert stored(notification.id).attempts == 2


def test_a_worker_delivers_what_the_outbox_sends(
    configure: Callable[..., None],
    inbox: Inbox,
    receiver: Receiver,
    webhook: dict[str, Any],
    announce: Any,
) -> None:
    from celery.contrib.testing.worker import start_worker

    receiver.statuses.append(500)
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
        # notify() commits its rows and the outbox relays their jobs to Redis for this worker.
        rows = announce()
        email, call = only(rows, "email"), only(rows, "webhook")

        _delivered(email.id)
        assert stored(email.id).attempts == 1
        _delivered(call.id)
        assert stored(call.id).attempts == 2

    assert len(inbox.messages) == 1
    assert len(receiver.requests) == 2
