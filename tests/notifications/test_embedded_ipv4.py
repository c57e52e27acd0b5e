"""IPv6 addresses that carry an IPv4 address are judged by it (issue 12, defect 10)."""

from collections.abc import Callable

import pytest

from service.config import Settings, get_settings
from service.notifications.targets import WebhookTargetRefused, check_webhook_target


@pytest.fixture
def private_refused(configure: Callable[..., None]) -> None:
    configure(WEBHOOK_ALLOW_PRIVATE="false")


@pytest.mark.parametrize(
    "host",
    [
        "64:ff9b::a00:1",  # NAT64 to 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 to 127.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64 prefix
        "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254, the metadata service
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo, client behind 192.0.2.45
        "::ffff:127.0.0.1",
    ],
)
def test_ipv6_forms_of_private_ipv4_addresses_are_refused(private_refused: None, host: str) -> None:
    with pytest.raises(WebhookTargetRefused, match="not a public address"):
        check_webhook_target(f"https://[{host}]/hooks", get_settings())


@pytest.mark.parametrize(
    "host",
    [
        "64:ff9b::5db8:d822",  # NAT64 to 93.184.216.34
        "2002:5db8:d822::1",  # 6to4 of 93.184.216.34
    ],
)
def test_ipv6_forms_of_public_ipv4_addresses_pass(private_refused: None, host: str) -> None:
    assert len(check_webhook_target(f"https://[{host}]/hooks", get_settings()).addresses) == 1


def test_production_refuses_private_webhooks() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_ALLOW_PRIVATE"):
        Settings(
            environment="production",
            secret_key="a-production-secret-key-of-enough-length-0123",
            webhook_allow_private=True,
        )
