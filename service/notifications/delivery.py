"""Delivering stored notifications: e-mail over SMTP, webhook calls as signed HTTP POSTs.

`deliver_batch()` is called by the `notifications.deliver` task with a batch of notification
ids, in the task's transaction. One query loads and locks the batch's rows; rows already `sent`
or `failed` are left alone, so a duplicated task waits for the lock and then tells nobody twice.
The batch's e-mails share one SMTP connection and its webhook calls one HTTP client per host.
Delivery is still at least once (a crash or a failed commit after sending repeats the send), so
every delivery carries the notification id for the receiver to recognise a repeat: the e-mail's
`Message-ID` and the webhook's `X-Committee-Delivery` header. `deliver()` is a batch of one.

Failures that may pass (connection errors, timeouts, HTTP 408/429/5xx, SMTP 4xx) count an
attempt and keep the error, and the notification's outcome is a `TransientDeliveryError` for the
task to retry it with backoff; failures that will not pass (other HTTP 3xx/4xx, SMTP 5xx) and
the last allowed attempt mark the row `failed`.

Before each webhook call its URL is checked again (`check_webhook_target()`): the host's DNS
answer may have changed since registration to point into our own network. A host that now has
a non-public address fails the notification; one that does not resolve is a transient failure.
The call then connects to the addresses checked (see `_post_pinned()`).

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
from collections.abc import Sequence
from contextlib import closing, suppress
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from uuid import UUID

import httpx
from sqlmodel import Session, col, select

from service.config import Settings, get_settings
from service.db import utcnow
from service.errors import NotFound
from service.notifications.models import Channel, DeliveryStatus, Notification, Webhook
from service.notifications.targets import (
    IPAddress,
    WebhookHostUnresolved,
    WebhookTarget,
    WebhookTargetRefused,
    check_webhook_target,
)

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


# A row's status after its batch, or the error for which the task should send it again.
Outcome = DeliveryStatus | TransientDeliveryError


def deliver_batch(*, session: Session, notification_ids: Sequence[UUID]) -> dict[UUID, Outcome]:
    """Send the pending notifications among `notification_ids` and record the outcomes.

    For the delivery task, which owns the transaction and must commit before retrying anything.
    Rows already `sent` or `failed` are left alone; ids with no row are missing from the result.

    With no `SMTP_HOST` configured, each e-mail is written to MAIL_DIR as a file and to the
    `service.notifications` log and marked `logged`: the zero-setup demo has no mail server,
    and `logged` keeps these apart from mail that went out if SMTP is configured later.
    """
    settings = get_settings()
    # The row locks make a duplicated task wait here and then find the rows already sent. Taken
    # in id order, so that two batches sharing rows cannot deadlock.
    rows = session.exec(
        select(Notification)
        .where(col(Notification.id).in_(notification_ids))
        .order_by(col(Notification.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    found = {row.id: row for row in rows}
    outcomes: dict[UUID, Outcome] = {row.id: DeliveryStatus(row.status) for row in rows}
    pending = [
        found[notification_id]
        for notification_id in dict.fromkeys(notification_ids)
        if notification_id in found and found[notification_id].status == DeliveryStatus.pending
    ]
    with closing(_Senders(settings, _webhooks(session, pending))) as senders:
        for notification in pending:
            outcomes[notification.id] = _attempt(notification, senders, settings)
    return outcomes


def deliver(*, session: Session, notification_id: UUID) -> DeliveryStatus:
    """`deliver_batch()` for one notification; returns the row's status afterwards.

    Raises `TransientDeliveryError` after recording the attempt (the caller must commit before
    retrying) and `NotFound` for an unknown id.
    """
    outcome = deliver_batch(session=session, notification_ids=[notification_id]).get(
        notification_id
    )
    if outcome is None:
        raise NotFound(f"notification {notification_id} not found")
    if isinstance(outcome, TransientDeliveryError):
        raise outcome
    return outcome


def _attempt(notification: Notification, senders: "_Senders", settings: Settings) -> Outcome:
    notification.attempts += 1
    try:
        status = senders.send(notification)
    except _PermanentDeliveryError as exc:
        _record_failure(notification, str(exc), final=True)
    except TransientDeliveryError as exc:
        last = notification.attempts >= settings.notification_max_attempts
        _record_failure(notification, str(exc), final=last)
        if not last:
            return exc
    except Exception as exc:
        # Anything else is a defect of this one notification (say a header it cannot hold):
        # failing it alone keeps the batch's other outcomes, and retrying would not fix it.
        log.exception("notification %s could not be delivered", notification.id)
        _record_failure(notification, f"{type(exc).__name__}: {exc}", final=True)
    else:
        notification.status = status
        notification.sent_at = utcnow()
        notification.last_error = None
    return DeliveryStatus(notification.status)


def _record_failure(notification: Notification, error: str, final: bool) -> None:
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


def _webhooks(session: Session, notifications: Sequence[Notification]) -> dict[UUID, Webhook]:
    ids = {n.webhook_id for n in notifications if n.webhook_id is not None}
    if not ids:
        return {}
    return {hook.id: hook for hook in session.exec(select(Webhook).where(col(Webhook.id).in_(ids)))}


class _Senders:
    """A batch's ways out, each opened for the first notification that needs it."""

    def __init__(self, settings: Settings, hooks: dict[UUID, Webhook]) -> None:
        self._settings = settings
        self._hooks = hooks
        self._mailer = _Mailer(settings.smtp_host, settings) if settings.smtp_host else None
        self._http: dict[bytes, httpx.Client] = {}

    def send(self, notification: Notification) -> DeliveryStatus:
        """Deliver one notification; `logged` when e-mail could only be written locally."""
        if notification.channel == Channel.webhook:
            hook = self._hooks.get(notification.webhook_id) if notification.webhook_id else None
            if hook is None or not hook.active:
                raise _PermanentDeliveryError("the webhook was removed before delivery")
            target = _webhook_target(notification.address, self._settings)
            _call_webhook(self._http_client(target.url.raw_host), target, hook, notification)
            return DeliveryStatus.sent
        message = _email_message(notification, self._settings)
        if self._mailer is not None:
            self._mailer.send(message)
            return DeliveryStatus.sent
        path = _write_mail_file(notification, message, self._settings)
        log.info(
            "e-mail (no SMTP_HOST, not sent) to %s, subject %r, written to %s:\n%s",
            notification.address,
            message["Subject"],
            path,
            notification.body,
        )
        return DeliveryStatus.logged

    def close(self) -> None:
        if self._mailer is not None:
            self._mailer.close()
        for http in self._http.values():
            http.close()

    def _http_client(self, host: bytes) -> httpx.Client:
        # One client per host: calls go to addresses, and httpx pools connections by address,
        # so one client for all would give one host's TLS connection to another at that address.
        if host not in self._http:
            # Redirects are not followed: the signed call goes only to the registered URL.
            self._http[host] = httpx.Client(
                timeout=self._settings.webhook_timeout_seconds, follow_redirects=False
            )
        return self._http[host]


# --- e-mail --------------------------------------------------------------------------------


def _message_id(notification: Notification, settings: Settings) -> str:
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    return f"<notification-{notification.id}@{domain}>"


def _email_message(notification: Notification, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = notification.address
    # Subjects carry free text (proposal titles): a line break would break the header.
    message["Subject"] = " ".join(notification.subject.split())
    message["Date"] = format_datetime(utcnow())
    # The same id on every attempt lets mail clients and tests recognise a repeated delivery.
    message["Message-ID"] = _message_id(notification, settings)
    message["X-Committee-Event"] = notification.event
    message.set_content(notification.body)
    return message


def _write_mail_file(notification: Notification, message: EmailMessage, settings: Settings) -> Path:
    """The message as an .eml file named by the notification: a repeat overwrites, never adds.

    Written beside and renamed into place, so a reader never sees half a message.
    """
    folder = settings.mail_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notification.id}.eml"
    partial = folder / f".{notification.id}.eml.partial"
    partial.write_bytes(message.as_bytes())
    partial.replace(path)
    return path


class _Mailer:
    """A batch's e-mails over one SMTP connection, opened for the first one and then reused.

    After a refused message smtplib resets the transaction and the connection serves the next
    e-mail; when the connection breaks smtplib closes it, and the next e-mail opens another.
    Once opening one fails, the rest of the batch fails the same way instead of each e-mail
    waiting out its own timeout.
    """

    def __init__(self, host: str, settings: Settings) -> None:
        self._host = host
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._cannot_open: Exception | None = None

    def send(self, message: EmailMessage) -> None:
        smtp = self._smtp or self._open()
        try:
            smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise _smtp_failure(exc) from exc
        finally:
            if smtp.sock is None:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None

    def _open(self) -> smtplib.SMTP:
        if self._cannot_open is not None:
            raise self._cannot_open
        settings = self._settings
        try:
            self._smtp = smtplib.SMTP(self._host, settings.smtp_port, timeout=_SMTP_TIMEOUT_SECONDS)
            if settings.smtp_starttls:
                self._smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                self._smtp.login(settings.smtp_username, settings.smtp_password or "")
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            self._cannot_open = _smtp_failure(exc)
            raise self._cannot_open from exc
        return self._smtp


def _smtp_failure(exc: smtplib.SMTPException | OSError) -> Exception:
    """The delivery error an smtplib or socket error amounts to."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # One recipient per message, so its reply decides.
        code, reply = next(iter(exc.recipients.values()))
        return _smtp_error(code, reply)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _smtp_error(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _PermanentDeliveryError(f"SMTP: {exc}")
    # Disconnections, refused connections, timeouts, DNS failures: the server may come back.
    return TransientDeliveryError(f"SMTP: {type(exc).__name__}: {exc}")


def _smtp_error(code: int, reply: bytes | str) -> Exception:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    error = f"SMTP {code}: {text}"
    # 4xx replies are temporary by RFC 5321; a negative code is smtplib's "no reply at all".
    return TransientDeliveryError(error) if code < 500 else _PermanentDeliveryError(error)


# --- webhooks ------------------------------------------------------------------------------


def _webhook_body(notification: Notification) -> bytes:
    document = {**notification.payload, "id": str(notification.id), "event": notification.event}
    return json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode()


def _webhook_target(url: str, settings: Settings) -> WebhookTarget:
    try:
        return check_webhook_target(url, settings)
    except WebhookHostUnresolved as exc:
        raise TransientDeliveryError(f"webhook: {exc}") from exc
    except WebhookTargetRefused as exc:
        raise _PermanentDeliveryError(f"webhook URL refused: {exc}") from exc


def _call_webhook(
    http: httpx.Client, target: WebhookTarget, hook: Webhook, notification: Notification
) -> None:
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
        response = _post_pinned(http, target, body, headers)
    except httpx.HTTPError as exc:
        raise TransientDeliveryError(f"webhook: {type(exc).__name__}: {exc}") from exc
    if response.is_success:
        return
    error = f"webhook answered HTTP {response.status_code}: {response.text[:500]}"
    if response.status_code >= 500 or response.status_code in _RETRYABLE_HTTP_STATUSES:
        raise TransientDeliveryError(error)
    raise _PermanentDeliveryError(error)


def _post_pinned(
    http: httpx.Client, target: WebhookTarget, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    """POST to the target's checked addresses in turn, as a connection by name would try them.

    The URL's host is replaced by the address, so that httpx does not resolve the name again
    and get another, private, answer (DNS rebinding); the Host header and the TLS server name,
    against which the certificate is verified, stay the URL's host. With no addresses (private
    ones allowed, nothing was resolved) the call goes to the URL as it is.
    """
    if not target.addresses:
        return http.post(target.url, content=body, headers=headers)
    pinned_headers = {**headers, "Host": target.url.netloc.decode("ascii")}
    server_name = {"sni_hostname": target.url.raw_host.decode("ascii")}

    def post(address: IPAddress) -> httpx.Response:
        url = target.url.copy_with(host=str(address))
        return http.post(url, content=body, headers=pinned_headers, extensions=server_name)

    *others, last = target.addresses
    for address in others:
        # Nothing was sent when the connection could not be made: the next address may answer.
        with suppress(httpx.ConnectError):
            return post(address)
    return post(last)
