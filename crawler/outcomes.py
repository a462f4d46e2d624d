"""What came of a request that produced no page: a named outcome.

Scrapy reports a failed request as an exception (a Twisted Failure), and
says why in words for several of them. This module turns that into the name
stored in the ``urls`` table and counted in stats, with a detail for the
log. Pure: no store, no spider; the spider records what this returns.

An outcome other than ``error`` is final: the URL is not fetched again in a
later run (robots.txt said no, it is too large, it is refused). ``error``
is retried next run unless its HTTP status says the page is gone (4xx but
429), see ``Store.is_known_url``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scrapy.exceptions import CannotResolveHostError, DownloadCancelledError, IgnoreRequest, StopDownload
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import CancelledError
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from .guard import AddressRefused, ResolvedToPrivate, normalise_host
from .middlewares import BudgetExhausted, Superseded

# Words Scrapy uses for each reason it drops a request (IgnoreRequest and
# cancelled downloads carry no other mark).
_SAID = (
    ("robots.txt", "robots"),
    ("max redirections", "too_many_redirects"),
    ("decompressed", "too_large"),
    ("max allowed size", "too_large"),
    ("larger than download max size", "too_large"),
)


@dataclass(frozen=True)
class Outcome:
    """A request's end: ``name`` goes into ``urls.outcome``; ``stat`` is the
    key counted under ``seedcrawl/``."""

    name: str
    detail: str
    stat: str | None  # None: already counted where it happened (the address guard)
    http_status: int | None = None
    response: Any = None  # the cut-off response of a content_type outcome, if any

    @property
    def is_error(self) -> bool:
        return self.name == "error"


def said(message: str) -> str:
    """A name for why a request was dropped, from Scrapy's words ("ignored" if none fits)."""
    lowered = message.lower()
    return next((name for needle, name in _SAID if needle in lowered), "ignored")


def classify(failure: Failure, refusals: Mapping[str, ResolvedToPrivate] | None = None) -> Outcome | None:
    """The outcome of a failed request; None when it is not an outcome at all
    (the page budget was spent: the URL stays unknown, a later run may fetch it;
    or the page went already, through a request at a higher priority)."""
    if failure.check(BudgetExhausted, Superseded):
        return None
    if failure.check(StopDownload):
        response = getattr(failure.value, "response", None)  # set by Scrapy on the way up
        kind = (response.headers.get(b"Content-Type") or b"?").decode("latin-1") if response else "?"
        return Outcome("content_type", f"not HTML: {kind}", "dropped/content_type", response=response)
    if failure.check(AddressRefused):
        return Outcome("refused", failure.value.detail, None)
    if failure.check(DNSLookupError, CannotResolveHostError) and refusals:
        # Refused by the resolver when connecting (the guard's own lookup passed).
        host = normalise_host(urlparse_cached(failure.request).hostname or "")  # type: ignore[attr-defined]
        resolved = refusals.get(host)
        if resolved is not None:
            return Outcome("refused", resolved.detail, f"refused/{resolved.reason}")
    # HttpError subclasses IgnoreRequest, so it is told apart first.
    if failure.check(IgnoreRequest) and not failure.check(HttpError):
        name = said(str(failure.value))
        return Outcome(name, str(failure.value)[:500] or name, f"skipped/{name}")
    # A body over DOWNLOAD_MAXSIZE cancels the download: announced by its
    # Content-Length, Scrapy says so; counted as it arrives, the cancellation
    # comes without words (the size limit is the only thing that cancels a
    # body). Final: never downloaded again.
    if failure.check(CancelledError, DownloadCancelledError):
        detail = str(failure.value) or "body cut off at the size limit (limits.max_body_bytes)"
        return Outcome("too_large", detail[:500], "skipped/too_large")
    response = getattr(failure.value, "response", None)
    status = response.status if response is not None else None
    reason = f"http_{status}" if status is not None else type(failure.value).__name__
    return Outcome("error", reason, f"error/{reason}", http_status=status)
