"""Webhooks may not reach our own networks (SSRF): checked at registration and at each call.

The package's conftest allows private addresses for its local receivers; these tests turn that
off with WEBHOOK_ALLOW_PRIVATE=false. Nothing here needs the internet: public addresses are IP
literals, which resolve without DNS and are never connected to.
"""

import re
import socket
from collections.abc import Callable
from ipaddress import ip_address
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from service.config import get_settings
from service.notifications.delivery import TransientDeliveryError, _post_pinned, deliver
from service.notifications.models import DeliveryStatus
from service.notifications.targets import (
    WebhookHostUnresolved,
    WebhookTarget,
    WebhookTargetRefused,
    check_webhook_target,
)
from tests.conftest import Api
from tests.notifications.conftest import Receiver, only, stored

_NOT_PUBLIC = "not a public address"


@pytest.fixture
def private_refused(configure: Callable[..., None]) -> None:
    configure(WEBHOOK_ALLOW_PRIVATE="false")


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Names answered from the returned dict (change it to rebind); other `.test` names fail."""
    answers: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[name], port or 0))]
        if isinstance(name, str) and name.endswith(".test"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("http://127.0.0.1/hooks", f"127.0.0.1, {_NOT_PUBLIC}"),
        ("http://localhost:8080/hooks", "host localhost resolves to "),
        ("http://10.1.2.3/", f"10.1.2.3, {_NOT_PUBLIC}"),
        ("http://169.254.169.254/latest/meta-data", f"169.254.169.254, {_NOT_PUBLIC}"),
        ("http://[::1]/", f"::1, {_NOT_PUBLIC}"),
        ("http://[::ffff:127.0.0.1]/", f"::ffff:7f00:1, {_NOT_PUBLIC}"),
        ("http://100.64.0.1/", f"100.64.0.1, {_NOT_PUBLIC}"),
        ("http://0.0.0.0/", f"0.0.0.0, {_NOT_PUBLIC}"),
        ("https://user:pass@hooks.acme.example/", "may not contain a user name or password"),
        ("ftp://files.acme.example/", "scheme should be 'http' or 'https'"),
        ("https://hooks.acme.invalid/committee", "host hooks.acme.invalid does not resolve"),
    ],
)
def test_registration_refuses_urls_that_are_not_public_endpoints(
    api: Api, committee: dict[str, Any], private_refused: None, url: str, named: str
) -> None:
    applicant = api.as_(committee["applicant"])

    response = applicant("POST", "/webhooks", json={"url": url})

    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("url: ")
    assert named in response.json()["detail"]
    assert applicant("GET", "/webhooks").json()["items"] == []


def test_the_setting_lets_a_local_receiver_be_registered(
    api: Api, committee: dict[str, Any], configure: Callable[..., None], receiver: Receiver
) -> None:
    applicant = api.as_(committee["applicant"])

    configure(WEBHOOK_ALLOW_PRIVATE="false")
    refused = applicant("POST", "/webhooks", json={"url": receiver.url})
    assert refused.status_code == 422
    assert refused.json()["fields"][0]["field"] == "url"

    configure(WEBHOOK_ALLOW_PRIVATE="true")
    accepted = applicant("POST", "/webhooks", json={"url": receiver.url})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["url"] == receiver.url


def test_a_public_address_is_registered(
    api: Api, committee: dict[str, Any], private_refused: None
) -> None:
    url = "https://93.184.216.34/hooks/committee"

    response = api.as_(committee["applicant"])("POST", "/webhooks", json={"url": url})

    assert response.status_code == 201, response.text
    assert response.json()["url"] == url


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.216.34/hooks",
        "http://93.184.216.34:8080/hooks",
        "https://[2606:2800:220:1::1]/hooks",
        "https://[::ffff:93.184.216.34]/hooks",
    ],
)
def test_public_addresses_pass_the_check(private_refused: None, url: str) -> None:
    target = check_webhook_target(url, get_settings())

    assert target.url == httpx.URL(url)
    assert len(target.addresses) == 1
    assert target.addresses[0].is_global


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:10.0.0.1]/",
        # Python 3.11's is_global calls this one global: the IPv4 address must be checked.
        "http://[::ffff:100.64.0.1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://224.0.0.1/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
    ],
)
def test_non_public_addresses_fail_the_check(private_refused: None, url: str) -> None:
    with pytest.raises(WebhookTargetRefused, match=_NOT_PUBLIC):
        check_webhook_target(url, get_settings())


def test_a_name_with_any_private_address_fails_the_check(
    private_refused: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def getaddrinfo(*args: Any, **kwargs: Any) -> Any:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    with pytest.raises(
        WebhookTargetRefused, match=re.escape(f"resolves to 10.0.0.7, {_NOT_PUBLIC}")
    ):
        check_webhook_target("https://hooks.acme.example/", get_settings())


def test_with_private_addresses_allowed_the_url_is_still_checked_but_not_resolved() -> None:
    settings = get_settings()
    assert settings.webhook_allow_private

    assert check_webhook_target("https://hooks.acme.invalid/", settings).addresses == ()
    with pytest.raises(WebhookTargetRefused, match="user name or password"):
        check_webhook_target("https://user:pass@hooks.acme.invalid/", settings)
    with pytest.raises(WebhookTargetRefused, match="scheme must be http or https, not ftp"):
        check_webhook_target("ftp://hooks.acme.invalid/", settings)


def test_unresolvable_host_fails_the_check(private_refused: None) -> None:
    with pytest.raises(
        WebhookHostUnresolved, match=re.escape("host hooks.acme.invalid does not resolve")
    ):
        check_webhook_target("https://hooks.acme.invalid/", get_settings())


# --- at delivery -----------------------------------------------------------------------------


def test_delivery_to_a_private_address_fails_without_calling_it(
    session: Session,
    configure: Callable[..., None],
    receiver: Receiver,
    webhook: dict[str, Any],
    announce: Any,
) -> None:
    notification = only(announce(), "webhook")
    configure(WEBHOOK_ALLOW_PRIVATE="false")

    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.failed
    session.commit()

    row = stored(notification.id)
    assert (row.status, row.attempts) == (DeliveryStatus.failed, 1)
    assert row.last_error.startswith("webhook URL refused: url: host 127.0.0.1 resolves to")
    assert _NOT_PUBLIC in row.last_error
    assert receiver.requests == []


def test_a_name_rebound_to_a_private_address_after_registration_is_not_called(
    session: Session,
    api: Api,
    committee: dict[str, Any],
    private_refused: None,
    dns: dict[str, str],
    receiver: Receiver,
    announce: Any,
) -> None:
    url = receiver.url.replace("127.0.0.1", "hooks.acme.test")
    dns["hooks.acme.test"] = "93.184.216.34"
    response = api.as_(committee["applicant"])("POST", "/webhooks", json={"url": url})
    assert response.status_code == 201, response.text
    notification = only(announce(), "webhook")

    # Rebound to the address where (as far as the name goes) the receiver listens.
    dns["hooks.acme.test"] = "127.0.0.1"
    assert deliver(session=session, notification_id=notification.id) == DeliveryStatus.failed
    session.commit()

    row = stored(notification.id)
    assert "host hooks.acme.test resolves to 127.0.0.1" in (row.last_error or "")
    assert receiver.requests == []


def test_a_host_that_stopped_resolving_is_retried(
    session: Session,
    api: Api,
    committee: dict[str, Any],
    configure: Callable[..., None],
    announce: Any,
) -> None:
    url = "https://hooks.acme.invalid/committee"
    response = api.as_(committee["applicant"])("POST", "/webhooks", json={"url": url})
    assert response.status_code == 201, response.text
    notification = only(announce(), "webhook")
    configure(WEBHOOK_ALLOW_PRIVATE="false")

    with pytest.raises(
        TransientDeliveryError, match=re.escape("hooks.acme.invalid does not resolve")
    ):
        deliver(session=session, notification_id=notification.id)
    session.commit()

    row = stored(notification.id)
    assert (row.status, row.attempts) == (DeliveryStatus.pending, 1)


def test_a_call_goes_to_the_checked_address_not_to_the_name_again(receiver: Receiver) -> None:
    # hooks.acme.test resolves nowhere, so only the pinned addresses can reach the receiver:
    # 127.0.0.2 refuses the connection (the receiver listens on 127.0.0.1 only), then the next.
    url = httpx.URL(receiver.url.replace("127.0.0.1", "hooks.acme.test"))
    target = WebhookTarget(url, (ip_address("127.0.0.2"), ip_address("127.0.0.1")))

    with httpx.Client() as http:
        response = _post_pinned(http, target, b"{}", {"Content-Type": "application/json"})

    assert response.status_code == 200
    (call,) = receiver.requests
    assert call.path == "/hooks/committee"
    assert call.headers["Host"] == f"hooks.acme.test:{url.port}"


def test_a_pinned_https_call_keeps_the_host_for_tls() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "2606:2800:220:1::1":
            raise httpx.ConnectError("network unreachable", request=request)
        return httpx.Response(204)

    target = WebhookTarget(
        httpx.URL("https://hooks.acme.example/committee?x=1"),
        (ip_address("2606:2800:220:1::1"), ip_address("93.184.216.34")),
    )
    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        assert _post_pinned(http, target, b"{}", {}).status_code == 204

    assert [str(r.url) for r in seen] == [
        "https://[2606:2800:220:1::1]/committee?x=1",
        "https://93.184.216.34/committee?x=1",
    ]
    for request in seen:
        assert request.headers["Host"] == "hooks.acme.example"
        assert request.extensions["sni_hostname"] == "hooks.acme.example"
