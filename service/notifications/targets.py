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
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address
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


# IPv6 forms that carry an IPv4 address and reach it through a translator or tunnel: the
# address is as public as the IPv4 inside, whatever is_global says of the IPv6 one.
_NAT64 = IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = IPv6Network("::/96")
_SIX_TO_FOUR = IPv6Network("2002::/16")
_TEREDO = IPv6Network("2001::/32")
# RFC 8215's local-use NAT64 prefix places the IPv4 address per network: refused outright.
_LOCAL_NAT64 = IPv6Network("64:ff9b:1::/48")


def _embedded_ipv4(address: IPv6Address) -> tuple[IPv4Address, ...] | None:
    """The IPv4 addresses an IPv6 address leads to, or None if it embeds none."""
    low32 = IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return (low32,)
    if address in _SIX_TO_FOUR:
        assert address.sixtofour is not None
        return (address.sixtofour,)
    if address in _TEREDO:
        assert address.teredo is not None
        return address.teredo  # the relay server's address and the client's
    return None


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        # ::ffff:100.64.0.1 reaches 100.64.0.1, yet Python 3.11 calls it global: is_global does
        # not always judge an IPv6 address by the IPv4 address it carries.
        inner = _embedded_ipv4(address)
        if inner is not None:
            return all(_is_public(v4) for v4 in inner)
    # Multicast counts as global, but no receiver listens there.
    return address.is_global and not address.is_multicast
