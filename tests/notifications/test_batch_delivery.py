"""A batch of notifications in one task: one transaction, one SMTP connection, each told once."""

import email
import email.policy
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from service.config import get_settings
from service.notifications.models import DeliveryStatus, Notification
from tests.notifications.conftest import Inbox, stored
from tests.pipeline.conftest import wait_for
from workers import notification_tasks
from workers.notification_tasks import deliver_notifications


def _jobs(rows: list[Notification]) -> list[dict[str, Any]]:
    return [{"notification_id": str(row.id), "outbox_id": str(uuid4())} for row in rows]


@pytest.fixture
def emails(announce: Any, committee: dict[str, Any]) -> list[Notification]:
    """E-mails to the applicant and the three reviewers, in that order."""
    addresses = [committee["applicant"], *committee["reviewers"]]
    rows = {row.address: row for row in announce(recipients=addresses)}
    return [rows[address] for address in addresses]


@pytest.fixture
def hanging_up(configure: Callable[..., None]) -> Iterator[list[object]]:
    """SMTP pointed at a socket that closes each connection at once; yields the peers it saw."""
    accepted: list[object] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, peer = listener.accept()
            except OSError:  # the listener was shut down
                return
            accepted.append(peer)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    configure(SMTP_HOST="127.0.0.1", SMTP_PORT=str(listener.getsockname()[1]))
    yield accepted
    # A close alone leaves accept() blocked; a shutdown wakes it.
    listener.shutdown(socket.SHUT_RDWR)
    listener.close()
    thread.join(timeout=5)


@pytest.fixture
def retried(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The arguments of each retry message the task sends, kept here instead of the broker."""
    messages: list[dict[str, Any]] = []

    def apply_async(task: Any, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        messages.append(kwargs)

    monkeypatch.setattr(deliver_notifications.__class__, "apply_async", apply_async)
    return messages


def test_a_batch_of_emails_goes_over_one_smtp_connection(
    inbox: Inbox, emails: list[Notification]
) -> None:
    assert deliver_notifications.run(jobs=_jobs(emails)) == ["sent"] * 4

    assert [message["To"] for message in inbox.messages] == [row.address for row in emails]
    assert len(set(inbox.peers)) == 1
    for row in emails:
        committed = stored(row.id)
        assert (committed.status, committed.attempts, committed.last_error) == (
            DeliveryStatus.sent,
            1,
            None,
        )
        assert committed.sent_at is not None


def test_a_temporary_refusal_retries_that_email_alone(
    inbox: Inbox, emails: list[Notification], retried: list[dict[str, Any]]
) -> None:
    refused = emails[1]
    inbox.refuse[refused.address] = "451 4.3.0 Mailbox temporarily unavailable"
    jobs = _jobs(emails)

    statuses = deliver_notifications.run(jobs=jobs)

    assert statuses[0] == statuses[2] == statuses[3] == "sent"
    assert statuses[1].startswith("retrying: SMTP 451")
    assert retried == [{"jobs": [{**jobs[1], "attempt": 1}]}]
    # The refusal reset the transaction; the connection carried on with the next e-mails.
    assert len(set(inbox.peers)) == 1
    row = stored(refused.id)
    assert (row.status, row.attempts) == (DeliveryStatus.pending, 1)
    assert "451" in (row.last_error or "")

    del inbox.refuse[refused.address]
    assert deliver_notifications.run(**retried[0]) == ["sent"]

    assert sorted(message["To"] for message in inbox.messages) == sorted(r.address for r in emails)
    assert [stored(row.id).attempts for row in emails] == [1, 2, 1, 1]
    assert stored(refused.id).status == DeliveryStatus.sent


def test_a_broken_connection_fails_one_email_and_the_next_opens_another(
    inbox: Inbox, emails: list[Notification], retried: list[dict[str, Any]]
) -> None:
    # smtplib closes the connection on a 421 ("service not available, closing channel").
    inbox.refuse[emails[1].address] = "421 4.3.2 Service shutting down"
    jobs = _jobs(emails)

    statuses = deliver_notifications.run(jobs=jobs)

    assert statuses[1].startswith("retrying: SMTP 421")
    assert [statuses[0], *statuses[2:]] == ["sent"] * 3
    assert retried == [{"jobs": [{**jobs[1], "attempt": 1}]}]
    first, *after = inbox.peers
    assert len(after) == 2
    assert len(set(after)) == 1
    assert first not in after


def test_when_no_connection_opens_the_rest_of_the_batch_does_not_wait_for_one(
    hanging_up: list[object], emails: list[Notification], retried: list[dict[str, Any]]
) -> None:
    """A server that hangs up before its greeting is tried once, not once per e-mail."""
    statuses = deliver_notifications.run(jobs=_jobs(emails))

    assert all(status.startswith("retrying: SMTP: SMTPServerDisconnected") for status in statuses)
    assert len(retried) == 4
    assert len(hanging_up) == 1
    for row in emails:
        assert (stored(row.id).status, stored(row.id).attempts) == (DeliveryStatus.pending, 1)


def test_a_duplicated_batch_sends_each_email_once(inbox: Inbox, emails: list[Notification]) -> None:
    jobs = _jobs(emails)

    assert deliver_notifications.run(jobs=jobs) == ["sent"] * 4
    assert deliver_notifications.run(jobs=jobs) == ["sent"] * 4

    assert len(inbox.messages) == 4
    assert [stored(row.id).attempts for row in emails] == [1, 1, 1, 1]


def test_a_duplicated_batch_running_at_the_same_time_waits_and_sends_nothing(
    inbox: Inbox, emails: list[Notification]
) -> None:
    jobs = _jobs(emails)
    inbox.delay = 0.3

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(deliver_notifications.run, jobs=jobs)
        # The first batch holds its rows and is still sending when the duplicate starts.
        wait_for(lambda: len(inbox.messages) >= 1, seconds=10, what="the first e-mail")
        second = pool.submit(deliver_notifications.run, jobs=jobs)
        assert first.result(timeout=30) == second.result(timeout=30) == ["sent"] * 4

    assert len(inbox.messages) == 4
    assert len({message["Message-ID"] for message in inbox.messages}) == 4
    assert [stored(row.id).attempts for row in emails] == [1, 1, 1, 1]


def test_missing_notifications_are_skipped(inbox: Inbox, emails: list[Notification]) -> None:
    jobs = _jobs(emails[:1])
    gone = {"notification_id": str(uuid4())}

    assert deliver_notifications.run(jobs=[gone, *jobs, gone]) == ["missing", "sent", "missing"]
    assert len(inbox.messages) == 1


def test_without_a_mail_server_a_batch_is_written_to_files_and_marked_logged(
    configure: Callable[..., None],
    emails: list[Notification],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    configure(SMTP_HOST=None, MAIL_DIR=str(tmp_path / "mail"))

    with caplog.at_level(logging.INFO, logger="service.notifications"):
        assert deliver_notifications.run(jobs=_jobs(emails)) == ["logged"] * 4

    lines = [r.getMessage() for r in caplog.records if r.name == "service.notifications"]
    assert len(lines) == 4
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == sorted(
        f"{row.id}.eml" for row in emails
    )
    for line, row in zip(lines, emails, strict=True):
        path = tmp_path / "mail" / f"{row.id}.eml"
        assert f"to {row.address}," in line
        assert str(path) in line
        assert "Please revise: Bispecific antibody R&D centre" in line
        assert "budget missing" in line
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["To"] == row.address
        assert message["Message-ID"] == f"<notification-{row.id}@localhost>"
        assert "budget missing" in message.get_content()  # type: ignore[attr-defined]
        committed = stored(row.id)
        assert (committed.status, committed.attempts, committed.last_error) == (
            DeliveryStatus.logged,
            1,
            None,
        )
    # Delivering the batch again neither re-sends nor adds a file.
    assert deliver_notifications.run(jobs=_jobs(emails)) == ["logged"] * 4
    assert len(list((tmp_path / "mail").iterdir())) == 4


def test_a_database_outage_retries_the_whole_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[UUID]] = []

    def outage(*, notification_ids: list[UUID], **_: Any) -> None:
        calls.append(notification_ids)
        raise OperationalError("SELECT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(notification_tasks, "deliver_batch", outage)
    jobs = [{"notification_id": str(uuid4())}, {"notification_id": str(uuid4())}]

    # Run eagerly, each retry follows at once, until the attempts run out.
    result = deliver_notifications.apply(kwargs={"jobs": jobs})

    assert result.state == "FAILURE"
    assert isinstance(result.result, OperationalError)
    batch = [UUID(job["notification_id"]) for job in jobs]
    assert calls == [batch] * get_settings().stage_max_attempts


def test_other_database_errors_are_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def broken(**arguments: Any) -> None:
        calls.append(arguments)
        raise IntegrityError("UPDATE", {}, ValueError("constraint"))

    monkeypatch.setattr(notification_tasks, "deliver_batch", broken)

    result = deliver_notifications.apply(kwargs={"jobs": [{"notification_id": str(uuid4())}]})
    assert result.state == "FAILURE"
    assert isinstance(result.result, IntegrityError)
    assert len(calls) == 1


def test_a_title_with_a_line_break_is_one_subject_line(
    inbox: Inbox, emails: list[Notification]
) -> None:
    # Titles are free text: a line break must not break the header (or inject another one).
    _set_subject(emails[0].id, "Please revise: CAR-T\nBcc: someone@elsewhere.example")
    assert deliver_notifications.run(jobs=_jobs(emails)) == ["sent"] * 4
    subjects = [message["Subject"] for message in inbox.messages]
    assert subjects[0] == "Please revise: CAR-T Bcc: someone@elsewhere.example"
    assert all(message["Bcc"] is None for message in inbox.messages)


def test_a_notification_that_cannot_be_built_fails_alone(
    inbox: Inbox, emails: list[Notification]
) -> None:
    # Whatever breaks one notification (here an address no header can hold) must not roll
    # back the batch: the others are sent and recorded, the broken one fails for good.
    _set_address(emails[1].id, "reviewer@bad\r\n.example")
    statuses = deliver_notifications.run(jobs=_jobs(emails))
    assert statuses == ["sent", "failed", "sent", "sent"]
    broken = stored(emails[1].id)
    assert broken.status == DeliveryStatus.failed and broken.attempts == 1
    assert "ValueError" in (broken.last_error or "")
    assert len(inbox.messages) == 3
    assert all(stored(row.id).status == DeliveryStatus.sent for row in (emails[0], *emails[2:]))


def _set_subject(notification_id: UUID, subject: str) -> None:
    _update(notification_id, subject=subject)


def _set_address(notification_id: UUID, address: str) -> None:
    _update(notification_id, address=address)


def _update(notification_id: UUID, **values: Any) -> None:
    from sqlalchemy import update
    from sqlmodel import Session

    from service.db import get_engine

    with Session(get_engine()) as session:
        session.execute(
            update(Notification).where(Notification.id == notification_id).values(**values)
        )
        session.commit()
