"""Keep the crawler off the user's own network.

A link on a web page must not make the crawler probe the machine it runs
on or the network around it (router admin pages, cloud metadata at
169.254.169.254, intranet hosts). URLs whose host is, or resolves to, a
loopback, private, link-local, multicast, reserved or unspecified address
are refused before any connection is made:

- host names are normalised first (case, trailing dot, IDNA), so
  ``127.0.0.5.`` or ``LOCALHOST.`` reached by a redirect is the address it
  names;
- IP literals and the reserved name ``localhost`` (RFC 6761) are refused by
  AddressGuardMiddleware before the download, without a lookup;
- other host names are resolved by the same middleware before anything is
  sent for them (robots.txt included) and refused on the answer, which
  Scrapy's caching resolver then connects to (no second lookup to rebind);
  GuardedResolver checks the address again at connection time.

Hosts listed in ``network.allow_hosts`` (sources.toml) or the
SEEDCRAWL_ALLOW_HOSTS setting are let through: the demo and the tests list
their loopback addresses there.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, cast

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector


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


def normalise_host(host: str) -> str:
    """A host name as the guard compares it: lower case, no brackets, no
    trailing dot (``example.org.`` is ``example.org``), IDNA for non-ASCII."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass  # not a valid IDNA name: the lookup will fail and say so
    return host


def name_refusal(host: str) -> str | None:
    """Why a normalised host is off limits without a lookup, or None: an IP
    literal's own class, or loopback for ``localhost`` and ``*.localhost``."""
    if is_ip_literal(host):
        return refusal(host)
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    return None


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class AddressRefused(IgnoreRequest):
    """The URL's host is a private or local address; no connection was made."""

    def __init__(self, host: str, reason: str, detail: str | None = None) -> None:
        self.detail = detail or f"refused {host}: {reason.replace('_', '-')} address (see network.allow_hosts)"
        super().__init__(self.detail)
        self.reason = reason


class ResolvedToPrivate(DNSLookupError):
    """A host name that resolves to a private or local address.

    A DNSLookupError so Twisted treats it as "no usable address" (no
    connection, no traceback); the request then fails with a plain
    DNSLookupError, which the spider tells apart through the installed
    resolver's ``refusals``.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = message  # str() adds Twisted's "DNS lookup failed: "


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing private and local answers, and
    remembering names that do not resolve.

    Scrapy builds the resolver from the process settings, before any spider
    exists: the allow-list comes from SEEDCRAWL_ALLOW_HOSTS there (the crawl
    command writes sources.toml's network.allow_hosts into it). The hosts it
    refused are kept in ``refusals`` for the spider's records.

    Scrapy caches answers, not failures ("TODO: cache misses" in
    scrapy/resolver.py): a dead host (an old seed's links are full of them)
    was looked up by the guard and again to connect, for its robots.txt and
    its page, and for each retry, each lookup waiting up to DNS_TIMEOUT. A
    name that failed fails again at once for SEEDCRAWL_DNS_FAILURE_TTL
    seconds (RFC 2308's negative caching); ``lookups_spared`` counts them
    (stats: seedcrawl/dns/lookups_spared). Its default is settings.py's
    alone: a resolver built without the project's settings caches no failure.
    """

    def __init__(
        self, reactor: Any, cache_size: int, timeout: float, allowed: frozenset[str] = frozenset(),
        failure_ttl: float = 0.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        super().__init__(reactor, cache_size, timeout)
        self.allowed = allowed
        self.refusals: dict[str, ResolvedToPrivate] = {}  # host name -> why
        self.failure_ttl = failure_ttl
        self.clock = clock
        self.failures: dict[str, tuple[float, DNSLookupError]] = {}  # host name -> (when, the error)
        self.failures_limit = max(cache_size, 1000)
        self.lookups_spared = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), allowed_hosts(settings),
            settings.getfloat("SEEDCRAWL_DNS_FAILURE_TTL"),
        )  # fmt: skip

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 - Twisted's name
        host = normalise_host(name)
        failed = self.failures.get(host)
        if failed is not None and self.clock() - failed[0] < self.failure_ttl:
            self.lookups_spared += 1
            return defer.fail(failed[1])
        deferred = super().getHostByName(name, timeout)
        if self.failure_ttl > 0:
            deferred.addErrback(self._remember_failure, host)
        if host in self.allowed:
            return deferred
        return deferred.addCallback(self._check, name)  # after the errback: a refusal is not a failure to resolve

    def _remember_failure(self, failure: Failure, host: str) -> Failure:
        if failure.check(DNSLookupError):
            self.failures.pop(host, None)
            if len(self.failures) >= self.failures_limit:
                del self.failures[next(iter(self.failures))]  # the oldest
            self.failures[host] = (self.clock(), failure.value)
        return failure

    def _check(self, address: str, name: str) -> str:
        error = check_address(address, name)
        if error:
            self.refusals[normalise_host(name)] = error
            raise error
        return address


def check_address(address: str, name: str) -> ResolvedToPrivate | None:
    """The refusal for a name that resolved to ``address``, or None."""
    reason = refusal(address)
    if reason:
        return ResolvedToPrivate(f"refused {name}: resolves to {address}, a {reason.replace('_', '-')} address", reason)
    return None


def allowed_hosts(settings: BaseSettings) -> frozenset[str]:
    """SEEDCRAWL_ALLOW_HOSTS, normalised the way hosts are compared."""
    return frozenset(normalise_host(h) for h in settings.getlist("SEEDCRAWL_ALLOW_HOSTS"))


def installed_resolver() -> GuardedResolver | None:
    """The reactor's resolver if it is the guarded one (TWISTED_DNS_RESOLVER),
    else None: a crawl must know its host names are checked."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "resolver", None)
    return resolver if isinstance(resolver, GuardedResolver) else None


class AddressGuardMiddleware:
    """Refuse requests to private or local addresses before anything is sent.

    It runs first among the downloader middlewares, so a refused host's
    robots.txt is never asked for either.
    """

    def __init__(
        self, allowed: frozenset[str], stats: StatsCollector, resolve: Callable[[str], Any] | None = None
    ) -> None:
        self.allowed = allowed
        self.stats = stats
        self.resolve = resolve  # host -> Deferred of its address; the reactor's resolver by default

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(allowed_hosts(crawler.settings), crawler.stats)

    def process_request(self, request: Request, spider: Spider | None = None) -> Coroutine[Any, Any, None] | None:
        """None when the request may go; AddressRefused when its host is
        refused by name; a coroutine (awaited by Scrapy) when a host name
        must be looked up first."""
        host = normalise_host(urlparse_cached(request).hostname or "")
        if host in self.allowed:
            return None
        reason = name_refusal(host)
        if reason:
            self.refuse(host, reason)
        if is_ip_literal(host):
            return None
        return self._check_lookup(host)

    async def _check_lookup(self, host: str) -> None:
        if self.resolve is None:
            from twisted.internet import reactor

            self.resolve = cast(Callable[[str], Any], reactor.resolve)  # Twisted types it loosely
        try:
            await maybe_deferred_to_future(self.resolve(host))
        except ResolvedToPrivate as exc:
            self.refuse(host, exc.reason, exc.detail)
        except DNSLookupError:
            return None  # the download fails the same way and is recorded as such

    def refuse(self, host: str, reason: str, detail: str | None = None) -> None:
        self.stats.inc_value(f"seedcrawl/refused/{reason}")
        raise AddressRefused(host, reason, detail)
