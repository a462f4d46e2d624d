"""What the crawls made of a page, in words a person reads.

`seedcrawl show URL` prints it and the browser's page view shows it ("why is
this article not in my queue?"): found from the address as pasted (the
crawl's canonical form: tracking parameters and fragment dropped, aggregator
wrappers unwrapped), its fetch and outcome with the stored reason, a link to
it still waiting, an aggregator's lead, a feed's last reading, and the
document it gave, if any.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .dedup import UrlError, canonical_url
from .review import ReviewError

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class PageRecord:
    url: str  # canonical
    lines: list[tuple[str, str]]  # (label, what it says), in reading order
    document: str | None  # the hash of the stored document it leads to
    leads_to: str  # how: "the document it gave", "the stored story it repeats", ...


def page_record(store: Store, given: str) -> PageRecord:
    """The record of the page at ``given``; ReviewError (one line) for an
    address that is not http(s), or one nothing has met, saying how pages
    are found."""
    try:
        url = canonical_url(given)
    except UrlError as exc:
        raise ReviewError(str(exc)) from None
    known = store.url_history(url, given)
    if not known:
        raise ReviewError(
            f"no crawl has met {given}: pages are found through links from the seed pages and on-topic pages, "
            "feeds, news search and sitemaps (`seedcrawl add` a saved copy to make it a seed)"
        )
    lines = [("page", url)]
    fetched, waiting, lead, feed = (known.get(key) for key in ("fetched", "waiting", "lead", "feed"))
    if fetched:
        detail = (fetched["detail"] or "").removeprefix(f"{fetched['outcome']}: ")  # too_short: too_short: 232 ...
        lines.append(("outcome", fetched["outcome"] + (f": {detail}" if detail else "")))
        when = f"run {fetched['run_id']}, {fetched['last_seen']}"
        if fetched["first_seen"] and fetched["first_seen"] != fetched["last_seen"]:
            when += f" (first {fetched['first_seen']})"
        lines.append(("fetched", when + (f", HTTP {fetched['http_status']}" if fetched["http_status"] else "")))
        if fetched["requested_url"] and fetched["requested_url"] != url:
            lines.append(("asked as", fetched["requested_url"]))
        if fetched["found_via"]:
            lines.append(("found", f"{fetched['found_via']} {fetched['found_on'] or ''}".strip()))
    if waiting:
        found_on = waiting["found_on"] or "a seed"
        lines.append(
            ("waiting", f"found by {waiting['via']} on {found_on} ({waiting['added']}); the next crawl fetches it")
        )
    if lead:
        lines.append(("lead", f"“{lead['title']}” ({lead['publisher'] or lead['site'] or ''}) in {lead['feed']}: "
                              "an aggregator's entry without the publisher's address, never fetched"))  # fmt: skip
    if feed:
        state = f"HTTP {feed['last_status']}" if feed["last_status"] else "no answer"
        parsed = f", {feed['entries']} entries" if feed["entries"] is not None else ""
        trouble = f", {feed['bozo']}" if feed["bozo"] else ""
        lines.append(("feed", f"last read {feed['last_fetched']}: {state}{parsed}{trouble}"))
    copy, seed = known.get("copy"), known.get("seed")
    outcome = fetched["outcome"] if fetched else None
    if copy and outcome in ("duplicate", "seed"):  # (an exact copy's hash is its original's: ask the outcome)
        held = "the seed it holds" if outcome == "seed" else "the stored story it repeats"
        return PageRecord(url, lines, copy["hash"], held)
    if fetched and fetched["hash"] and (owner := store.text_owner(fetched["hash"])) is not None:
        return PageRecord(
            url, lines, owner, "the stored story it repeats" if outcome == "duplicate" else "the document it gave"
        )
    if seed is not None:
        return PageRecord(
            url, lines, seed["hash"], "a seed added from a copy saved from this address (`seedcrawl add`)"
        )
    return PageRecord(url, lines, None, "")
