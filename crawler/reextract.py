"""`seedcrawl reextract`: read the archive again with today's extractor and model.

A better extractor or a model that learned from the reviewer can be applied
to what was crawled without fetching it again (the page may have changed or
gone). Each archived response is extracted and judged again in the worker
pool (crawler/analysis.py), and what changed is shown: texts that changed,
verdicts that flipped. Applied (unless ``dry_run``), in one transaction per
document, as the crawl writes: a pending candidate whose text changed gets
its new text as a new document that keeps its queue number (the old row is
kept as ``replaced``); one that is now off topic leaves the queue (its text
stays); an archived off-topic page that is now on topic joins the queue.
Accepted, rejected and seed texts are never rewritten: their changes are
reported only. Copies of other stored texts are reported, not merged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from w3lib.encoding import html_to_unicode

from .analysis import Analysis, PageAnalyser
from .archive import read_record
from .boilerplate import SiteBoilerplate, line_key
from .dates import PublishedDate
from .dates import reread as reread_dates
from .store import Document, Store
from .store.documents import current_text

# How many pages are in the pool's hands at once.
IN_FLIGHT = 16
REPORTED_ONLY = ("accepted", "rejected", "seed")


@dataclass(frozen=True)
class Change:
    queue_seq: int | None
    title: str
    status: str
    what: str  # "text", "verdict", "text and verdict", "copy", "unreadable", "date"
    before: str
    after: str
    applied: bool


def verdict_status(analysis: Analysis, languages: tuple[str, ...]) -> str:
    """The status a crawl would give this page now (pending, offtopic, language)."""
    assert analysis.article is not None and analysis.verdict is not None
    if languages and analysis.article.language not in languages:
        return "language"
    return "pending" if analysis.verdict.relevant or analysis.verdict.borderline else "offtopic"


def reread(
    storage: Path,
    rows: list[dict[str, Any]],
    analyser: PageAnalyser,
    progress: Callable[[int], None],
    boilerplate: SiteBoilerplate,
) -> list[tuple[dict[str, Any], Analysis]]:
    """Every row's archived response, extracted and judged again (in the
    pool), without its site's boilerplate lines: those known before, and
    those learned here from the pages just read (the pages that hold a line
    learned here are read a second time without it)."""

    def jobs(chosen: list[dict[str, Any]]) -> Iterator[tuple[bytes, str, str, frozenset[str]]]:
        for row in chosen:
            record = read_record(storage, row["warc_file"], row["warc_offset"])
            content_type = dict((k.lower(), v) for k, v in record.headers).get("content-type", "")
            yield record.body, html_to_unicode(content_type, record.body)[0], row["url"], boilerplate.lines(row["url"])

    results = []
    for done, (row, analysis) in enumerate(zip(rows, analyser.each(jobs(rows), IN_FLIGHT), strict=True), 1):
        results.append((row, analysis))
        progress(done)
    distinct = {a.article.digest: (row["url"], a.article.text) for row, a in results if a.article is not None}
    for url, text in distinct.values():
        boilerplate.learn(url, text)
    again = [
        i
        for i, (row, a) in enumerate(results)
        if a.article is not None and holds(a.article.body, boilerplate.lines(row["url"]))
    ]
    chosen = [results[i][0] for i in again]
    for i, analysis in zip(again, analyser.each(jobs(chosen), IN_FLIGHT), strict=True):
        results[i] = (results[i][0], analysis)
    return results


def holds(body: str, lines: frozenset[str]) -> bool:
    """Whether a text still has one of these boilerplate lines."""
    return bool(lines) and any(line_key(p) in lines for p in body.split("\n\n"))


def apply(store: Store, results: list[tuple[dict[str, Any], Analysis]], languages: tuple[str, ...],
          dry_run: bool) -> list[Change]:  # fmt: skip
    """What changed, each applied (unless ``dry_run`` or the text was decided)."""
    changes = []
    requeued = store.requeued([row["hash"] for row, _ in results if row["status"] == "pending"])
    for row, analysis in results:
        if analysis.article is None or analysis.verdict is None:
            changes.append(Change(row["queue_seq"], row["title"], row["status"], "unreadable", row["status"],
                                  analysis.error_reason or "no text", False))  # fmt: skip
            continue
        verdict = analysis.verdict
        status = verdict_status(analysis, languages)
        if row["hash"] in requeued:
            status = "pending"  # the reviewer put it in the queue over the model's verdict: theirs stands
        text_changed = analysis.article.digest != row["hash"]
        flipped = _flipped(row["status"], status)
        dates = reread_dates(row.get("date_witnesses"), analysis.article.dates)
        if (dates.value, dates.witness, dates.flag) != (row["published"], row.get("published_witness"),
                                                       row.get("date_flag")):  # fmt: skip
            redate = not dry_run and row["status"] not in REPORTED_ONLY
            if redate:
                store.redate(row["hash"], dates)
            changes.append(Change(row["queue_seq"], row["title"], row["status"], "date", row["published"] or "unknown",
                                  dates.described + (f" [{dates.flag}]" if dates.flag else ""), redate))  # fmt: skip
        if not text_changed and not flipped:
            continue
        what = " and ".join(w for w, changed in (("text", text_changed), ("verdict", flipped)) if changed)
        before = f"{row['status']} {row['score']:.3f}" if row["score"] is not None else row["status"]
        after = f"{status} {verdict.score:.3f}"
        if row["status"] in REPORTED_ONLY:
            changes.append(Change(row["queue_seq"], row["title"], row["status"], what, before, after, False))
            continue
        owner = store.text_owner(analysis.article.digest) if text_changed else None
        if owner is not None and owner != row["hash"]:
            changes.append(Change(row["queue_seq"], row["title"], row["status"], "copy", before,
                                  f"now the same text as {owner[:16]}", False))  # fmt: skip
            continue
        applied = not dry_run
        if applied:
            _apply_one(store, row, analysis, status, text_changed, dates)
        changes.append(Change(row["queue_seq"], row["title"], row["status"], what, before, after, applied))
    return changes


def fill_authors(store: Store, results: list[tuple[dict[str, Any], Analysis]], dry_run: bool) -> int:
    """The bylines of documents stored without one (before m022, which keeps
    them), read from their archived responses: how many there are, written
    unless ``dry_run``. Metadata, not the text: decided documents get theirs too."""
    found = {
        row["hash"]: analysis.article.author
        for row, analysis in results
        if analysis.article is not None and analysis.article.author and not row.get("author")
    }
    if found and not dry_run:
        store.fill_authors(found)
    return len(found)


def _flipped(was: str, now: str) -> bool:
    """A verdict that changed: a crawl's status, or a reviewer's decision the model now disagrees with."""
    if was in ("pending", "offtopic", "language"):
        return now != was
    return (was == "accepted" and now != "pending") or (was == "rejected" and now == "pending")


def _apply_one(
    store: Store, row: dict[str, Any], analysis: Analysis, status: str, text_changed: bool, dates: PublishedDate
) -> None:
    """One document's new reading (``dates``: its date as the witnesses now settle it),
    in one transaction; queue files follow the commit."""
    assert analysis.article is not None and analysis.verdict is not None
    verdict = analysis.verdict
    old_queue = store.queue_dir / row["queue_file"] if row.get("queue_file") else None
    if text_changed and status == "pending" and not row.get("edited_text"):
        doc = Document(
            hash=analysis.article.digest, text=analysis.article.text, title=analysis.article.title, url=row["url"],
            canonical_url=row["canonical_url"], sitename=analysis.article.sitename,
            language=analysis.article.language,
            score=verdict.score, reason=verdict.reason, found_via=row["found_via"], found_on=row["found_on"],
            shingles=analysis.shingles, borderline=verdict.borderline, source=row.get("source"), dates=dates,
            author=analysis.article.author,
        )  # fmt: skip
        store.replace_text(row, doc, row["run_id"])
    else:
        # A verdict that flipped (or a text kept as the reviewer edited it): the stored text judged again.
        store.rejudge(row["hash"], status, verdict.score, verdict.reason, verdict.borderline)
        if status == "pending" or row["status"] != "pending":
            return
    if old_queue is not None and old_queue.exists() and old_queue.read_text(encoding="utf-8") == current_text(row):
        old_queue.unlink()  # after the commit; a file edited by hand stays
