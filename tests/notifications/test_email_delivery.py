"""E-mail notifications reach a real SMTP server once, or end in the right state when refused."""

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from service.notifications.delivery import TransientDeliveryError, deliver
from service.notifications.models import DeliveryStatus
from tests.notifications.conftest import Inbox, free_port, only, stored


def test_email_is_delivered_once_with_subject_and_body(
    session: Session, inbox: Inbox, announce: Any, committee: dict[str, Any]
) -> None:
    notification = only(announce(), "email")

    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.sent
    session.commit()

    (message,) = inbox.messages
    assert message["To"] == committee["applicant"]
    assert message["From"] == "committee@committee.example"
    assert message["Subject"] == "Please revise: Bispecific antibody R&D centre"
    assert "budget missing" in message.get_content()
    assert str(notification.id) in message["Message-ID"]
    row = stored(notification.id)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.sent, 1, None)
    assert row.sent_at is not None


def test_delivering_the_same_notification_twice_sends_one_message(
    session: Session, inbox: Inbox, announce: Any
) -> None:
    notification = only(announce(), "email")

    deliver(session=session, notification_id=notification.id)
    session.commit()
    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.sent
    session.commit()

    assert len(inbox.messages) == 1
    assert stored(notification.id).attempts == 1


def test_temporary_smtp_refusal_is_retried_later(
    session: Session, inbox: Inbox, announce: Any, committee: dict[str, Any]
) -> None:
    inbox.refuse[committee["applicant"]] = "451 4.3.0 Mailbox temporarily unavailable"
    notification = only(announce(), "email")

    with pytest.raises(TransientDeliveryError, match="SMTP 451"):
        deliver(session=session, notification_id=notification.id)
    session.commit()

    row = stored(notification.id)
    assert (row.status, row.attempts) == (DeliveryStatus.pending, 1)
    assert "451" in (row.last_error or "")
    del inbox.refuse[committee["applicant"]]
    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.sent
    assert len(inbox.messages) == 1


def test_permanent_smtp_refusal_fails_the_notification(
    session: Session, inbox: Inbox, announce: Any, committee: dict[str, Any]
) -> None:
    inbox.refuse[committee["applicant"]] = "550 5.1.1 No such user"
    notification = only(announce(), "email")

    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.failed
    session.commit()

    row = stored(notification.id)
    assert (row.status, row.attempts) == (DeliveryStatus.failed, 1)
    assert "550" in (row.last_error or "")
    assert inbox.messages == []


def test_unreachable_mail_server_is_transient(
    session: Session, configure: Callable[..., None], announce: Any
) -> None:
    configure(SMTP_HOST="127.0.0.1", SMTP_PORT=str(free_port()))
    notification = only(announce(), "email")

    with pytest.raises(TransientDeliveryError, match="SMTP"):
        deliver(session=session, notification_id=notification.id)
    session.commit()

    assert stored(notification.id).status == DeliveryStatus.pending


def test_without_a_mail_server_email_is_logged_and_marked_logged_not_sent(
    session: Session,
    configure: Callable[..., None],
    announce: Any,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    configure(SMTP_HOST=None, MAIL_DIR=str(tmp_path))
    notification = only(announce(), "email")

    with caplog.at_level(logging.INFO, logger="service.notifications"):
        status = deliver(session=session, notification_id=notification.id)
    assert status == DeliveryStatus.logged
    session.commit()

    assert "Please revise: Bispecific antibody R&D centre" in caplog.text
    assert "Please revise" in (tmp_path / f"{notification.id}.eml").read_text()
    row = stored(notification.id)
    assert (row.status, row.last_error) == (DeliveryStatus.logged, None)
