"""Where webhook calls may go: public addresses only, never our own networks (SSRF).

Applicants choose webhook URLs and the worker calls them from inside our network, so an
unchecked URL could reach the database, the broker, an admin port on 127.0.0.1 or the cloud
metadata service at 169.254.169.254. `check_webhook_target()` is applied when a webhook is
registered and again before every call, because a name's DNS answer can change after
registration (DNS rebinding); the call then connects to the addresses checked, not to whatever
the name resolves to a moment later.

Plain http stays allowed next to https: many receivers sit behind a proxy that terminates TLS,
and every call is signed, so a receiver can still tell a genuine call from a forged one.
`WEBHOOK_ALLOW_PRIVATE` turns the address check off, for tests and local development, whose
receivers listen on 127.0.0.1.
"""

import socket
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import NamedTuple

import httpx

from service.config import Settings

IPAddress = IPv4Address | IPv6Address


class WebhookTargetRefused(Exception):
    """The URL may not receive webhook calls; the message, prefixed `url: `, says why."""


class WebhookHostUnresolved(WebhookTargetRefused):
    """The URL's host has no address: a typo at registration, perhaps a DNS outage later."""


class WebhookTarget(NamedTuple):
    """A checked webhook URL and the public addresses its host had when checked.

    No addresses when private ones are allowed: the host was not resolved, the call resolves it.
    """

    url: httpx.URL
    addresses: tuple[IPAddress, ...]


def check_webhook_target(url: str, settings: Settings) -> WebhookTarget:
    """`url` with its host's addresses, or `WebhookTargetRefused` if it may not be called.

    Refused: schemes other than http and https, no host, a user name or password in the URL,
    and (unless `settings.webhook_allow_private`) a host that does not resolve or that has any
    address which is not globally routable.
    """
    parsed = _parse(url)
    if settings.webhook_allow_private:
        return WebhookTarget(parsed, ())
    host = parsed.raw_host.decode("ascii")
    addresses = _resolve(parsed.raw_host)
    refused = [str(address) for address in addresses if not _is_public(address)]
    if refused:
        raise WebhookTargetRefused(
            f"url: host {host} resolves to {', '.join(refused)}, not a public address; "
            "webhooks may only call public addresses"
        )
    return WebhookTarget(parsed, addresses)


def _parse(url: str) -> httpx.URL:
    # The parser that sends the calls, so that the host checked is the host called: URL parsers
    # disagree on odd input such as `http://a.example\@127.0.0.1/`.
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise WebhookTargetRefused(f"url: not a valid URL ({exc})") from exc
    if parsed.scheme not in ("http", "https"):
        raise WebhookTargetRefused(
            f"url: the scheme must be http or https, not {parsed.scheme or 'none'}"
        )
    if not parsed.raw_host:
        raise WebhookTargetRefused("url: a host is required")
    # Credentials in the URL would be listed back to every reader of the webhook and stored in
    # each notification; the signature is how a receiver authenticates the calls.
    if parsed.userinfo:
        raise WebhookTargetRefused("url: may not contain a user name or password (user:pass@)")
    return parsed


def _resolve(host: bytes) -> tuple[IPAddress, ...]:
    # Bytes, already IDNA-encoded: a str would be encoded again, and the codec raises
    # UnicodeError for labels the resolver simply does not find.
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise WebhookHostUnresolved(
            f"url: host {host.decode('ascii')} does not resolve ({exc.strerror})"
        ) from exc
    # In the resolver's order, the order to try connecting in, without repeats.
    return tuple(dict.fromkeys(ip_address(info[4][0]) for info in found))


def _is_public(address: IPAddress) -> bool:
    # ::ffff:100.64.0.1 reaches 100.64.0.1, yet Python 3.11 calls it global: is_global does not
    # always judge an IPv4-mapped address by the IPv4 one.
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # Multicast counts as global, but no receiver listens there.
    return address.is_global and not address.is_multicast
