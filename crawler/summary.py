"""The words of a crawl's progress line and of its end-of-run summary.

Pure functions of a crawl's stats and its run row, shared by the crawl
(crawler/progress.py, crawler/crawlrun.py) and by `seedcrawl demo`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

# The error a request gets when its host name does not resolve (Scrapy's name for it).
UNRESOLVED = {"CannotResolveHostError"}
# Where PageBudgetMiddleware keeps the pages it let through and the sites whose budget is spent.
PAGES_SPENT = "seedcrawl/budget/pages"
SITES_FULL = "seedcrawl/budget/sites_full"


def run_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """The counts a run row and a progress line show, from a crawl's stats."""
    return {
        "pages": stats.get("seedcrawl/pages", 0),
        "new": stats.get("seedcrawl/queued", 0),
        "duplicates": stats.get("seedcrawl/dropped/duplicate", 0),
        "offtopic": stats.get("seedcrawl/dropped/offtopic", 0),
        "errors": sum(v for k, v in stats.items() if k.startswith(("seedcrawl/error/", "log_count/ERROR"))),
    }


def progress_line(stats: Mapping[str, Any], budget: int | None) -> str:
    """One line: the budget spent, what was found, the sites at their budget."""
    counts = run_counts(stats)
    spent = stats.get(PAGES_SPENT, 0)
    line = f"{spent} of {budget} pages fetched" if budget else f"{spent} pages fetched"
    borderline = stats.get("seedcrawl/queued/borderline", 0)
    line += f", {counts['new']} new candidate(s)" + (f" ({borderline} borderline)" if borderline else "")
    line += f", {counts['offtopic']} off topic, {counts['duplicates']} duplicates, {counts['errors']} errors"
    full = stats.get(SITES_FULL) or []
    if full:
        shown = ", ".join(full[:5]) + (f" and {len(full) - 5} more" if len(full) > 5 else "")
        line += f"; site budget spent: {shown}"
    return line


def summary_lines(
    run: Mapping[str, Any], outcomes: Iterable[Mapping[str, Any]], failed: Iterable[str] = ()
) -> list[str]:
    """The end-of-run summary: counts, pages by outcome, sources that failed."""
    lines = [
        f"Run {run['id']} {run['status']}: {run['pages'] or 0} pages, {run['new'] or 0} new candidates, "
        f"{run['duplicates'] or 0} duplicates, {run['offtopic'] or 0} off topic, {run['errors'] or 0} errors"
    ]
    by_outcome = ", ".join(f"{row['outcome']} {row['n']}" for row in outcomes)
    lines.append("Pages by outcome: " + (by_outcome or "none"))
    failed = list(failed)
    if failed:
        lines.append(f"Sources that failed ({len(failed)}): " + ", ".join(failed))
    return lines


def failed_sources(yields: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Sources of this run that had errors and gave nothing (no page, no entry)."""
    return sorted(
        source
        for source, tally in yields.items()
        if tally.get("errors") and not tally.get("fetched") and not tally.get("entries")
    )


def nothing_fetched(stats: Mapping[str, Any]) -> str | None:
    """Why a run that got no response from any server is a failure, or None
    when it fetched something."""
    if stats.get("downloader/response_count", 0):
        return None
    refused = sum(v for k, v in stats.items() if k.startswith("seedcrawl/refused/"))
    if refused:
        return (
            f"fetched nothing: every request was refused ({refused} to private or local addresses; "
            "network.allow_hosts in sources.toml lets a host through)"
        )
    prefix = "seedcrawl/error/"
    errors = Counter({k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)})
    if errors:
        kinds = ", ".join(f"{n} {kind}" for kind, n in errors.most_common())
        offline = set(errors) <= UNRESOLVED  # not one name resolved: the machine, not the sites
        hint = "; no host name could be resolved: is this machine offline, or its DNS server down?" if offline else ""
        return f"fetched nothing: every request failed ({kinds}; see the log){hint}"
    return "fetched nothing: no start URL, feed or search to fetch (all known already, or none in sources.toml)"
