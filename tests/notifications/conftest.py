"""Real servers for delivery tests: an SMTP server (aiosmtpd) and an HTTP webhook receiver.

Both run in this process on 127.0.0.1 and free ports; the code under test reaches them over
real sockets, exactly as it reaches a mail relay or an organisation's endpoint.
"""

import asyncio
import email
import email.policy
import json
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession
from sqlmodel import Session, col, select

from service.config import get_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def configure() -> Iterator[Callable[..., None]]:
    """Set (or, with None, unset) environment settings for this test only."""
    patch = pytest.MonkeyPatch()

    def apply(**values: str | None) -> None:
        for name, value in values.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    patch.undo()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def allow_private_webhooks(configure: Callable[..., None]) -> None:
    """The receivers here listen on 127.0.0.1, which webhooks may call only with this setting.

    Tests of the refusal turn it off again with `configure(WEBHOOK_ALLOW_PRIVATE="false")`.
    """
    configure(WEBHOOK_ALLOW_PRIVATE="true")


# --- SMTP ------------------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping every accepted message; `refuse` maps addresses to replies.

    `peers` has the client's (host, port) for each accepted message, telling connections apart;
    `delay` holds each message that long before accepting it.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.peers: list[object] = []
        self.delay = 0.0

    async def handle_RCPT(
        self,
        server: SMTP,
        session: SMTPSession,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        await asyncio.sleep(self.delay)
        self.messages.append(message)
        self.peers.append(session.peer)
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox(configure: Callable[..., None]) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1; the settings point SMTP_HOST and SMTP_PORT at it."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    configure(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_FROM="committee@committee.example")
    yield handler
    controller.stop()


# --- webhooks ------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An organisation's endpoint: records each POST, answers the queued statuses, then 200."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = state.statuses.popleft() if state.statuses else 200
            reply = b'{"ok": true}' if status < 300 else b'{"error": "nope"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/committee"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook(api: Any, committee: dict[str, Any], receiver: Receiver) -> dict[str, Any]:
    """The applicant organisation's webhook to the receiver, as the creation response shows it."""
    response = api.as_(committee["applicant"])("POST", "/webhooks", json={"url": receiver.url})
    assert response.status_code == 201, response.text
    return dict(response.json())


# --- notifications ---------------------------------------------------------------------------


@pytest.fixture
def announce(session: Session, committee: dict[str, Any], draft: dict[str, Any]) -> Any:
    """Store notifications about the draft for the applicant, as the workflow would."""
    from service.auth.models import User
    from service.notifications.models import Notification
    from service.notifications.service import notify
    from service.proposals.models import Proposal

    def store(
        event: str = "proposal.returned", occurrence: str = "1", recipients: list[str] | None = None
    ) -> list[Notification]:
        proposal = session.get(Proposal, UUID(draft["id"]))
        assert proposal is not None
        emails = recipients or [committee["applicant"]]
        users = session.exec(select(User).where(col(User.email).in_(emails))).all()
        notify(
            session=session,
            event=event,
            proposal=proposal,
            recipients=users,
            subject=f"Please revise: {proposal.title}",
            body="Screening found problems to fix before review:\n- budget missing",
            occurrence=occurrence,
            payload={"reasons": ["budget missing"]},
        )
        session.commit()
        return list(session.exec(select(Notification).where(Notification.event == event)))

    return store


def stored(notification_id: UUID) -> Any:
    """The notification as committed, read in a session of its own."""
    from service.db import get_engine
    from service.notifications.models import Notification

    with Session(get_engine()) as fresh:
        row = fresh.get(Notification, notification_id)
        assert row is not None
        fresh.expunge(row)
        return row


def only(rows: list[Any], channel: str) -> Any:
    """The one notification of `channel` among `rows`."""
    (row,) = [r for r in rows if r.channel == channel]
    return row
