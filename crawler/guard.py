"""Keep the crawler off the user's own network.

A link on a web page must not make the crawler probe the machine it runs
on or the network around it (router admin pages, cloud metadata at
169.254.169.254, intranet hosts). URLs whose host is, or resolves to, a
loopback, private, link-local, multicast, reserved or unspecified address
are refused before any connection is made:

- IP literals are checked by AddressGuardMiddleware before the download;
- host names are checked by GuardedResolver on the resolved address, the
  same answer Twisted then connects to (no second lookup to rebind).

Hosts listed in ``network.allow_hosts`` (sources.toml) or the
SEEDCRAWL_ALLOW_HOSTS setting are let through: the demo and the tests list
their loopback addresses there.
"""

from __future__ import annotations

import ipaddress
from typing import Any, ClassVar

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError


def refusal(address: str) -> str | None:
    """Why an address is off limits ("loopback", "private", ...), or None."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for reason in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{reason}"):
            return reason
    if not ip.is_global:
        return "private"  # shared address space, benchmarking ranges and the like
    return None


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class AddressRefused(IgnoreRequest):
    """The URL's host is a private or local address; no connection was made."""

    def __init__(self, host: str, reason: str) -> None:
        self.detail = f"refused {host}: {reason.replace('_', '-')} address (see network.allow_hosts)"
        super().__init__(self.detail)
        self.reason = reason


class ResolvedToPrivate(DNSLookupError):
    """A host name that resolves to a private or local address.

    A DNSLookupError so Twisted treats it as "no usable address" (no
    connection, no traceback); the request then fails with a plain
    DNSLookupError, which the spider tells apart through
    GuardedResolver.refusals.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = message  # str() adds Twisted's "DNS lookup failed: "


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing private and local answers.

    Scrapy builds the resolver from the process settings, before any spider
    exists, so the allow-list reaches it through the class attribute that
    AddressGuardMiddleware sets (one crawl per process).
    """

    allowed: ClassVar[frozenset[str]] = frozenset()
    refusals: ClassVar[dict[str, ResolvedToPrivate]] = {}  # host name -> why, for the spider's records

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 - Twisted's name
        deferred = super().getHostByName(name, timeout)
        if name.lower() in self.allowed:
            return deferred
        return deferred.addCallback(self._check, name)

    @staticmethod
    def _check(address: str, name: str) -> str:
        reason = refusal(address)
        if reason:
            error = ResolvedToPrivate(
                f"refused {name}: resolves to {address}, a {reason.replace('_', '-')} address", reason
            )
            GuardedResolver.refusals[name.lower()] = error
            raise error
        return address


class AddressGuardMiddleware:
    """Refuse requests to private or local IP literals before they are sent."""

    def __init__(self, allowed: frozenset[str], stats: Any) -> None:
        self.allowed = allowed
        self.stats = stats
        GuardedResolver.allowed = allowed

    @classmethod
    def from_crawler(cls, crawler: Any) -> AddressGuardMiddleware:
        allowed = set(crawler.settings.getlist("SEEDCRAWL_ALLOW_HOSTS"))
        sources = getattr(crawler.spider, "sources", None)
        allowed |= set(getattr(sources, "allow_hosts", ()))
        return cls(frozenset(h.lower().strip("[]") for h in allowed), crawler.stats)

    def process_request(self, request: Any, spider: Any = None) -> None:
        host = (urlparse_cached(request).hostname or "").lower()
        if host in self.allowed or not is_ip_literal(host):
            return None  # names are checked when resolved (GuardedResolver)
        reason = refusal(host)
        if reason:
            self.stats.inc_value(f"seedcrawl/refused/{reason}")
            raise AddressRefused(host, reason)
        return None
