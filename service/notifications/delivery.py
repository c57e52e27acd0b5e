"""Delivering stored notifications: e-mail over SMTP, webhook calls as signed HTTP POSTs.

`deliver()` is called by the `notifications.deliver` task with a notification id. It re-reads
the row and does nothing once the row is `sent` or `failed`, so a duplicated task tells nobody
twice. Delivery is still at least once (a crash between sending and committing repeats the
send), so every delivery carries the notification id for the receiver to recognise a repeat:
the e-mail's `Message-ID` and the webhook's `X-Committee-Delivery` header.

Failures that may pass (connection errors, timeouts, HTTP 408/429/5xx, SMTP 4xx) count an
attempt, keep the error and raise `TransientDeliveryError` for the task to retry with backoff;
failures that will not pass (other HTTP 3xx/4xx, SMTP 5xx) and the last allowed attempt mark the
row `failed`.

Webhook signatures, for receivers. Each call is a POST of a JSON object (the notification's
payload plus `id` and `event`) with these headers:

- `X-Committee-Event`: the event name, e.g. `proposal.returned`;
- `X-Committee-Delivery`: the notification id, the same on every retry;
- `X-Committee-Timestamp`: Unix seconds when this attempt was signed;
- `X-Committee-Signature`: `sha256=` and the hex HMAC-SHA256, keyed with the webhook's secret,
  of the timestamp, a `.` and the raw request body (`f"{timestamp}.{body}"`).

A receiver recomputes the HMAC over the raw body it received (not a re-serialised one), compares
in constant time and refuses stale timestamps; `verify_signature()` does all three.
"""

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import format_datetime
from uuid import UUID

import httpx
from sqlmodel import Session

from service.config import Settings, get_settings
from service.db import utcnow
from service.errors import NotFound
from service.notifications.models import Channel, DeliveryStatus, Notification, Webhook

log = logging.getLogger("service.notifications")

SIGNATURE_PREFIX = "sha256="
# Replays older (or further in the future) than this are refused by verify_signature().
SIGNATURE_MAX_AGE_SECONDS = 300.0
# There is no SMTP timeout setting; without one a silent server would hold the worker until the
# task's hard time limit.
_SMTP_TIMEOUT_SECONDS = 30.0
_ERROR_MAX_CHARS = 2000
# 408 and 429 say "not now" rather than "never".
_RETRYABLE_HTTP_STATUSES = {408, 429}


class TransientDeliveryError(Exception):
    """A delivery attempt failed in a way that may pass; the task retries it with backoff."""


class _PermanentDeliveryError(Exception):
    """A delivery attempt failed in a way that retrying cannot fix."""


def _sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes | str,
    signature: str,
    *,
    max_age_seconds: float | None = SIGNATURE_MAX_AGE_SECONDS,
) -> bool:
    """True if `signature` is this webhook's signature of `body` at a recent `timestamp`.

    For receivers and tests: pass the raw body and the `X-Committee-Timestamp` and
    `X-Committee-Signature` headers. The comparison is constant-time. A timestamp more than
    `max_age_seconds` away from now is refused, so a captured request cannot be replayed later;
    `None` skips that check.
    """
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if max_age_seconds is not None and abs(time.time() - sent_at) > max_age_seconds:
        return False
    raw = body.encode() if isinstance(body, str) else body
    # Bytes, because compare_digest refuses non-ASCII str and a header may carry anything.
    return hmac.compare_digest(_sign(secret, timestamp, raw).encode(), signature.encode())


def deliver(*, session: Session, notification_id: UUID) -> DeliveryStatus:
    """Send one stored notification by its channel and record the outcome on the row.

    For the delivery task, which owns the transaction. Returns the row's status afterwards; a
    row already `sent` or `failed` is left alone. Raises `TransientDeliveryError` after
    recording the attempt (the caller must commit before retrying) and `NotFound` for an
    unknown id.

    With no `SMTP_HOST` configured, e-mail is written to the `service.notifications` log and
    marked sent: the zero-setup demo has no mail server, and the message is still in the row.
    """
    # The row lock makes a duplicated task wait here and then find the row already sent.
    notification = session.get(
        Notification, notification_id, with_for_update=True, populate_existing=True
    )
    if notification is None:
        raise NotFound(f"notification {notification_id} not found")
    if notification.status != DeliveryStatus.pending:
        return DeliveryStatus(notification.status)
    settings = get_settings()
    notification.attempts += 1
    try:
        if notification.channel == Channel.email:
            _send_email(notification, settings)
        else:
            _call_webhook(session, notification, settings)
    except _PermanentDeliveryError as exc:
        _record_failure(session, notification, str(exc), final=True)
    except TransientDeliveryError as exc:
        last = notification.attempts >= settings.notification_max_attempts
        _record_failure(session, notification, str(exc), final=last)
        if not last:
            raise
    else:
        notification.status = DeliveryStatus.sent
        notification.sent_at = utcnow()
        notification.last_error = None
        session.add(notification)
        session.flush()
    return DeliveryStatus(notification.status)


def _record_failure(session: Session, notification: Notification, error: str, final: bool) -> None:
    notification.last_error = error[:_ERROR_MAX_CHARS]
    if final:
        notification.status = DeliveryStatus.failed
        log.warning(
            "notification %s (%s to %s) failed after %d attempt(s): %s",
            notification.id,
            notification.channel,
            notification.address,
            notification.attempts,
            notification.last_error,
        )
    session.add(notification)
    session.flush()


# --- e-mail --------------------------------------------------------------------------------


def _message_id(notification: Notification, settings: Settings) -> str:
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    return f"<notification-{notification.id}@{domain}>"


def _email_message(notification: Notification, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = notification.address
    message["Subject"] = notification.subject
    message["Date"] = format_datetime(utcnow())
    # The same id on every attempt lets mail clients and tests recognise a repeated delivery.
    message["Message-ID"] = _message_id(notification, settings)
    message["X-Committee-Event"] = notification.event
    message.set_content(notification.body)
    return message


def _send_email(notification: Notification, settings: Settings) -> None:
    message = _email_message(notification, settings)
    if settings.smtp_host is None:
        log.info(
            "e-mail (no SMTP_HOST, not sent) to %s, subject %r, Message-ID %s:\n%s",
            notification.address,
            notification.subject,
            message["Message-ID"],
            notification.body,
        )
        return
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=_SMTP_TIMEOUT_SECONDS
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        # One recipient per message, so its reply decides.
        code, reply = next(iter(exc.recipients.values()))
        raise _smtp_error(code, reply) from exc
    except smtplib.SMTPResponseException as exc:
        raise _smtp_error(exc.smtp_code, exc.smtp_error) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise _PermanentDeliveryError(f"SMTP: {exc}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        # Disconnections, refused connections, timeouts, DNS failures: the server may come back.
        raise TransientDeliveryError(f"SMTP: {type(exc).__name__}: {exc}") from exc


def _smtp_error(code: int, reply: bytes | str) -> Exception:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    error = f"SMTP {code}: {text}"
    # 4xx replies are temporary by RFC 5321; a negative code is smtplib's "no reply at all".
    return TransientDeliveryError(error) if code < 500 else _PermanentDeliveryError(error)


# --- webhooks ------------------------------------------------------------------------------


def _webhook_body(notification: Notification) -> bytes:
    document = {**notification.payload, "id": str(notification.id), "event": notification.event}
    return json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode()


def _call_webhook(session: Session, notification: Notification, settings: Settings) -> None:
    hook = session.get(Webhook, notification.webhook_id) if notification.webhook_id else None
    if hook is None or not hook.active:
        raise _PermanentDeliveryError("the webhook was removed before delivery")
    body = _webhook_body(notification)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "committee-review-webhooks/1",
        "X-Committee-Event": notification.event,
        "X-Committee-Delivery": str(notification.id),
        "X-Committee-Timestamp": timestamp,
        "X-Committee-Signature": _sign(hook.secret, timestamp, body),
    }
    try:
        # Redirects are not followed: the signed call goes only to the registered URL.
        response = httpx.post(
            notification.address,
            content=body,
            headers=headers,
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
        )
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise _PermanentDeliveryError(f"webhook URL: {exc}") from exc
    except httpx.HTTPError as exc:
        raise TransientDeliveryError(f"webhook: {type(exc).__name__}: {exc}") from exc
    if response.is_success:
        return
    error = f"webhook answered HTTP {response.status_code}: {response.text[:500]}"
    if response.status_code >= 500 or response.status_code in _RETRYABLE_HTTP_STATUSES:
        raise TransientDeliveryError(error)
    raise _PermanentDeliveryError(error)
