"""Review commands: the queue, one candidate, and the decisions on it."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table
from rich.text import Text

from ..dates import described as described_date
from ..dedup import is_web_address
from ..new_words import in_queue, sentence
from ..report import site_name
from ..review import NOT_CANDIDATES, OFFTOPIC, PENDING, Edit, Review, ReviewError
from ..store import QueueFilters, Store
from ..store.documents import current_text, current_title
from ..workspace import open_review, storage_sources
from .group import cli, console
from .options import queue_filters, seeds_option, storage_option
from .screen import HASH_ID_DIGITS

# Where a refused edit is kept, in the storage folder (see keep_draft).
DRAFTS = "drafts"
# Candidates `seedcrawl queue` lists unless told otherwise: a year's queue is thousands.
QUEUE_SHOWN = 50


@cli.command()
@storage_option
@queue_filters
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, for scripts (all of them).")
@click.option("--limit", type=click.IntRange(1), help=f"Show this many (default {QUEUE_SHOWN}).")
@click.option("--all", "show_all", is_flag=True, help="Show every candidate.")
def queue(storage: Path, filters: QueueFilters, as_json: bool, limit: int | None, show_all: bool) -> None:
    """List pending candidates, best score first.

    Example: seedcrawl queue --min-score 0.35 --since 2020-01-01 --search ban
    """
    store = open_review(storage).store
    if not (as_json or show_all):
        limit = limit or QUEUE_SHOWN
    rows = store.pending_candidates(filters, limit=limit)
    if as_json:
        for row in rows:
            click.echo(
                json.dumps({k: row[k] for k in QUEUE_FIELDS} | {"title": current_title(row)}, ensure_ascii=False)
            )
        return
    if not rows:
        say_nothing_to_review(store, filters)
        return
    total = len(rows)
    if limit is not None and len(rows) == limit:
        total = store.count_candidates(filters)
    console.print(queue_table(rows, total))
    show_new_words(store)


@cli.command(short_help="List pages judged off topic, nearest the threshold first.")
@storage_option
@queue_filters
@click.option("--limit", type=click.IntRange(1), help=f"Show this many (default {QUEUE_SHOWN}).")
@click.option("--all", "show_all", is_flag=True, help="Show every one.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, for scripts (all of them).")
def misses(storage: Path, filters: QueueFilters, limit: int | None, show_all: bool, as_json: bool) -> None:
    """List the pages the crawl read in full and judged off topic, best
    score first: where to look for coverage the model missed (a short brief,
    a story in words the seeds do not use). `seedcrawl requeue ID` puts one
    in the review queue; accepting it there teaches the model its words.

    Example: seedcrawl misses --search ban; seedcrawl requeue b5810866
    """
    store = open_review(storage).store
    limit = None if show_all or as_json else limit or QUEUE_SHOWN
    rows = store.near_misses(filters, limit)
    if as_json:
        for row in rows:
            fields = {k: row[k] for k in MISS_FIELDS} | {"title": current_title(row)}
            click.echo(json.dumps({"id": row["hash"][:HASH_ID_DIGITS], **fields}, ensure_ascii=False))
        return
    if not rows:
        say_no_misses(store, filters)
        return
    total = store.count_near_misses(filters) if limit is not None and len(rows) == limit else len(rows)
    title = f"Judged off topic: {total:,} page(s), best first"
    if total > len(rows):
        title += f" (the first {len(rows)}; --limit N or --all for more)"
    caption = "`seedcrawl show ID` reads one, `seedcrawl requeue ID` queues it"
    console.print(documents_table(rows, title, caption, lambda row: row["hash"][:HASH_ID_DIGITS]))


def say_no_misses(store: Store, filters: QueueFilters) -> None:
    """One line for an empty list of off-topic pages: none at all, or none of these filters."""
    if filters.given:
        console.print(f"No off-topic page with these filters ({store.count_near_misses():,} in all).")
    else:
        console.print("No page judged off topic yet (pages the first pass dropped are not kept).")


# What `misses --json` gives of each page (with its id and title as shown).
MISS_FIELDS = ("hash", "score", "language", "published", "sitename", "url", "reason", "found_via", "found_on")


@cli.command(short_help="Put pages judged off topic into the review queue.")
@storage_option
@click.argument("idents", nargs=-1)
@queue_filters
@click.option("--yes", "-y", is_flag=True, help="With the filters: queue every page they select without asking.")
def requeue(storage: Path, idents: tuple[str, ...], filters: QueueFilters, yes: bool) -> None:
    """Put pages the crawl judged off topic into the review queue (their ids
    from `seedcrawl misses`, a hash, or the page's address as `seedcrawl
    show URL` takes it; or every page the filters of `seedcrawl misses`
    select, listed first, then asked): you overrule the model, then accept
    or reject them as any candidate; `seedcrawl undo ID` takes one back out.

    Example: seedcrawl requeue b5810866; seedcrawl requeue --min-score 0.38 --search ban
    """
    review = open_review(storage)
    if idents and filters.given:
        raise click.UsageError("name the pages to queue by id or by the filters, not both")
    if not idents and not filters.given:
        raise click.UsageError(
            "which pages? Give their ids (see `seedcrawl misses`) or the filters (--min-score, --search, ...) "
            "to queue every page they select"
        )
    if filters.given:
        named = {digest: digest[:HASH_ID_DIGITS] for digest in chosen_misses(review.store, filters, yes)}
    else:  # a page's address: its document's hash
        named = {page_document(review, ident): ident for ident in idents}
    numbers = []
    for digest, outcome in review.each(review.distinct(named), review.requeue):
        ident = named[digest]
        if isinstance(outcome, ReviewError):
            if not filters.given:
                raise outcome
            click.echo(f"passed over {ident}: {outcome}")  # queued or decided elsewhere meanwhile
            continue
        numbers.append(str(review.resolve(outcome.doc_hash)["queue_seq"]))
        click.echo(f"queued {ident} as candidate {numbers[-1]} ({outcome.queue_file})")
    if numbers:
        made = "makes it a seed" if len(numbers) == 1 else "makes them seeds"
        ids = " ".join(numbers) if len(numbers) <= UNDO_HINT_IDS else "ID..."
        click.echo(f"`seedcrawl accept {ids}` {made} (the model learns the words it missed)")


def chosen_misses(store: Store, filters: QueueFilters, yes: bool) -> list[str]:
    """The hashes of the off-topic pages the filters select, listed, then
    confirmed unless ``yes`` (none: one line)."""
    rows = store.near_misses(filters)
    if not rows:
        say_no_misses(store, filters)
        return []
    shown = rows[:LISTED_BEFORE_ASKING]
    title = f"Judged off topic: {len(rows):,} page(s), best first" + (
        f" (the first {len(shown)}; `seedcrawl misses --all` with the same filters lists them all)"
        if len(rows) > len(shown) else ""
    )  # fmt: skip
    console.print(documents_table(shown, title, None, lambda row: row["hash"][:HASH_ID_DIGITS]))
    if not yes and not click.confirm(f"Put these {len(rows)} page(s) in the queue?"):
        click.echo("Nothing queued.")
        return []
    return [row["hash"] for row in rows]


def page_document(review: Review, ident: str) -> str:
    """An id as given, or for a page's address (as `show URL` reads one) the
    hash of the document the crawl kept of it; ReviewError if it kept none."""
    if not is_web_address(ident):
        return ident
    from ..page_record import page_record

    record = page_record(review.store, ident)
    if record.document is None:
        raise ReviewError(
            f"the crawl kept no text of {ident} to queue (`seedcrawl show {ident}` says what became of it); "
            "save the page and `seedcrawl add` it"
        )
    return record.document


def say_nothing_to_review(store: Store, filters: QueueFilters) -> None:
    """One line, as the browser's list says it, not an empty table."""
    if filters.given:
        pending = store.count_pending()
        console.print(f"Nothing waiting for review with these filters ({pending} candidate(s) pending in all).")
    else:
        console.print("Nothing waiting for review: the queue is empty.")


def queue_table(rows: list[dict], total: int | None = None, more: str = "--limit N or --all for more") -> Table:
    """The pending candidates as a table that fits an 80-column terminal
    (``total``: how many there are, when ``rows`` is the first of them;
    ``more``: how to see the others)."""
    weak = sum(1 for row in rows if row.get("borderline"))
    caption = f"* borderline: a weak verdict, near the threshold ({weak})" if weak else None
    total = len(rows) if total is None else total
    title = f"Review queue: {total} candidate(s), best first"
    if total > len(rows):
        title += f" (the first {len(rows)}; {more})"
    return documents_table(rows, title, caption, lambda row: str(row["queue_seq"]))


def documents_table(rows: list[dict], title: str, caption: str | None, ident: Callable[[dict], str]) -> Table:
    """Documents as a table that fits an 80-column terminal: id (``ident``
    gives it), score, date, site, title."""
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("id", "score", "published"):
        table.add_column(column, no_wrap=True)
    table.add_column("site", max_width=16, overflow="ellipsis", no_wrap=True)
    table.add_column("title", ratio=1)
    for row in rows:
        table.add_row(
            ident(row), score_label(row), (row["published"] or "")[:10], Text(site_name(row)), Text(current_title(row))
        )
    return table


def score_label(row: dict) -> str:
    """0.452, or 0.452* for a borderline verdict."""
    return f"{row['score']:.3f}" + ("*" if row.get("borderline") else "")


QUEUE_FIELDS = (
    "queue_seq", "queue_file", "hash", "score", "borderline", "language", "published", "sitename", "title", "url",
)  # fmt: skip


@cli.command()
@storage_option
@click.argument("ident")
@click.option("--raw", is_flag=True, help="Print the archived HTTP response (status, headers, body) instead.")
def show(storage: Path, ident: str, raw: bool) -> None:
    """Print a candidate's text with its metadata, score, reason and other places.

    IDENT is a queue number, a queue or seed file name, a hash, or a page's
    URL: what the crawls made of that page (fetched or not, and why it was
    kept, dropped or merged), then the document it gave, if any.

    Example: seedcrawl show 12; seedcrawl show https://example.com/news/huawei-ban
    """
    review = open_review(storage)
    if is_web_address(ident):
        row = show_url(review, ident, described=not raw)
        if row is None:
            if raw:
                raise ReviewError(f"no archived response for {ident}: no document of it is stored")
            return
    else:
        row = review.resolve(ident)
    if raw:
        show_raw(storage, row, review.store)
        return
    show_document(review, row)


def show_url(review: Review, given: str, described: bool = True) -> dict | None:
    """What the crawls made of a page (crawler/page_record.py), printed unless
    not ``described``; and the document it leads to (shown next), if any."""
    from ..page_record import page_record

    record = page_record(review.store, given)
    if described:
        leads = [("document", f"below: {record.leads_to}")] if record.document else []
        print_grid([*record.lines, *leads])
        if record.document:
            console.rule()
    return review.resolve(record.document) if record.document else None


def print_grid(lines: list[tuple[str, Any]]) -> None:
    """Labels right-aligned, values folded under themselves."""
    from rich.table import Table as Grid

    grid = Grid.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True, justify="right")
    grid.add_column(overflow="fold")  # long values wrap under themselves, not at column 0
    for label, value in lines:
        grid.add_row(label, Text(str(value or "")))
    console.print(grid)


def show_document(review: Review, row: dict) -> None:
    """A document's card (metadata, score, reason, copies, edits), then its text."""
    if row["status"] == "seed":
        ident_label = row["seed_file"]
    elif row["status"] in NOT_CANDIDATES or not row["queue_file"]:  # not in the queue: its hash names it
        ident_label = row["hash"][:16]
    else:
        ident_label = f"{row['queue_seq']}  ({row['queue_file']})"
    found = {"seed": "seed page", "feed": "feed", "link": "link on page"}.get(row["found_via"], row["found_via"] or "")
    if row["status"] == "seed" and not is_web_address(row["found_on"] or ""):
        found = "seed file"  # a document of the seeds folder, not a page fetched from a seed URL
    title = current_title(row)
    requeued = review.store.requeued([row["hash"]]).get(row["hash"])
    status = row["status"] + (f" on {row['decided_at']}" if row["decided_at"] else "")
    if row["status"] == OFFTOPIC:
        status += f": `seedcrawl requeue {row['hash'][:HASH_ID_DIGITS]}` puts it in the queue"
    lines = [("id", ident_label), ("status", status), ("title", title)]
    if title != (row["title"] or ""):  # fixed by an edit
        lines.append(("crawled title", row["title"] or ""))
    lines.append(("url", row["url"]))
    if row["canonical_url"] and row["canonical_url"] != row["url"]:
        lines.append(("canonical", row["canonical_url"]))
    lines += [
        ("site", site_name(row)),
        ("author", row.get("author") or ""),
        ("published", described_date(row)),
        ("language", row["language"] or "unknown"),
        ("found", f"{found} {row['found_on'] or ''}".strip() + f", {row['first_seen']}"),
        ("source", row.get("source") or ""),  # the seed URL, feed, search or site it descends from
        ("fetched", fetch_line(row, requeued is not None)),
        (
            "score",
            (f"{row['score']:.3f}" if row["score"] is not None else "")
            + ("  borderline: a weak verdict, near the threshold" if row.get("borderline") else ""),
        ),
        ("reason", row["reason"] or ""),
    ]
    if row.get("crawl_score") is not None:  # judged again since (crawler/rescore.py)
        lines.append(("when crawled", f"{row['crawl_score']:.3f}: {row['crawl_reason'] or ''} (judged again "
                                      f"{row['rescored_at']} by the model your decisions made)"))  # fmt: skip
    if row["decision_reason"]:
        lines.append(("decision", row["decision_reason"]))
    if requeued:
        lines.append(("requeued", f"by {requeued['reviewer']} on {requeued['decided_at'][:10]}, from the pages the "
                                  "crawl judged off topic (`seedcrawl misses`)"))  # fmt: skip
    for place in review.store.copies_of(row["hash"]):
        lines.append(("also at", f"{place['url']} ({place['kind']} copy, {place['similarity']:.2f})"))
    edits = review.store.edits_of(row["hash"])
    if edits:
        newest = edits[-1]
        lines.append(("edited", f"version {newest['version']} by {newest['reviewer']} ({newest['via']}), shown below"))
    print_grid([(label, value) for label, value in lines if value or label == "title"])  # a seed file has no url
    console.rule()
    click.echo(current_text(row))


def fetch_line(row: dict, requeued: bool) -> str:
    """When and how the page was fetched, and where its response is archived
    (``requeued``: the reviewer queued it after the crawl did not)."""
    if not row.get("fetched_at"):
        if row["status"] == "seed" and not row["url"]:
            return ""
        if row["status"] in ("offtopic", "language") or requeued:
            return "not archived (not queued when crawled: `archive.offtopic = true` archives such pages)"
        return "not archived (crawled before the archive existed)"
    return (
        f"{row['fetched_at']}, HTTP {row['http_status']}, {row['payload_digest']}, "
        f"warc/{row['warc_file']} at {row['warc_offset']}"
    )


def show_raw(storage: Path, row: dict, store: Store) -> None:
    """The archived response of a document, as it was fetched (body decompressed)."""
    from ..archive import read_record

    if not row.get("warc_file"):
        raise click.ClickException(
            f"no archived response for {current_title(row)!r} "
            f"({fetch_line(row, bool(store.requeued([row['hash']]))) or 'a seed file'})"
        )
    record = read_record(storage, row["warc_file"], row["warc_offset"])
    click.echo(f"{record.status_line}")
    for name, value in record.headers:
        click.echo(f"{name}: {value}")
    click.echo("")
    click.echo(record.body.decode("utf-8", "replace"))


# Candidates a decision by filters lists before it asks (`queue --all` with
# the same filters lists them all).
LISTED_BEFORE_ASKING = 20
# Ids a decision by filters names in its undo hint at most.
UNDO_HINT_IDS = 30


def yes_option(command):
    return click.option(
        "--yes", "-y", is_flag=True, help="With the queue's filters: decide every candidate they select without asking."
    )(command)  # fmt: skip


@cli.command(short_help="Accept candidates into seeds/ (by id, or the queue's filters).")
@storage_option
@seeds_option
@click.argument("idents", nargs=-1)
@queue_filters
@yes_option
def accept(storage: Path, seeds_dir: Path | None, idents: tuple[str, ...], filters: QueueFilters, yes: bool) -> None:
    """Copy candidates into the seeds folder under the next free numbers:
    the ids given, or every pending candidate the queue's filters select
    (listed first, then asked).

    Example: seedcrawl accept 3 7 12; seedcrawl accept --search '"UK ban"' --min-score 0.6
    """
    review = open_review(storage, seeds_dir, claim=True)
    decide_each(review, chosen(review, idents, filters, "accept", yes), "accepted", bool(filters.given), review.accept)


@cli.command(short_help="Reject candidates (by id, or the queue's filters).")
@storage_option
@seeds_option
@click.argument("idents", nargs=-1)
@click.option("--reason", help="Why (kept with the decision).")
@queue_filters
@yes_option
def reject(
    storage: Path, seeds_dir: Path | None, idents: tuple[str, ...], reason: str | None, filters: QueueFilters, yes: bool
) -> None:
    """Reject candidates (the ids given, or every pending candidate the
    queue's filters select, listed first, then asked); their text stays in
    the database as negative examples.

    Example: seedcrawl reject 4 --reason "phone review"; seedcrawl reject --site techradar --max-score 0.5
    """
    review = open_review(storage, seeds_dir, claim=True)
    idents = tuple(chosen(review, idents, filters, "reject", yes))
    decide_each(review, idents, "rejected", bool(filters.given), lambda ident: review.reject(ident, reason))


def chosen(review: Review, idents: tuple[str, ...], filters: QueueFilters, verb: str, yes: bool) -> list[str]:
    """The candidates a decision is about: the ids given, or every pending
    candidate the queue's filters select (listed, then confirmed unless --yes)."""
    if idents and filters.given:
        raise click.UsageError(f"name the candidates to {verb} by id or by the queue's filters, not both")
    if idents:
        return review.distinct(idents)
    if not filters.given:
        raise click.UsageError(
            f"which candidates? Give their ids (see `seedcrawl queue`) or the queue's filters "
            f"(--search, --site, --max-score, ...) to {verb} every candidate they select"
        )
    rows = review.store.pending_candidates(filters)
    if not rows:
        say_nothing_to_review(review.store, filters)
        return []
    more = "`seedcrawl queue --all` with the same filters lists them all"
    console.print(queue_table(rows[:LISTED_BEFORE_ASKING], len(rows), more))
    if not yes and not click.confirm(f"{verb.capitalize()} these {len(rows)} candidate(s)?"):
        click.echo("Nothing decided.")
        return []
    return [str(row["queue_seq"]) for row in rows]


def decide_each(review: Review, idents: Iterable[str], done: str, by_filters: bool, decide: Callable) -> None:
    """One decision per candidate, each its own transaction. Chosen by id, the
    first that cannot be made stops the command (one line); chosen by
    filters, one decided meanwhile (in the browser, say) is said and passed."""
    decided = []
    for ident, outcome in review.each(idents, decide):
        if isinstance(outcome, ReviewError):
            if not by_filters:
                raise outcome
            click.echo(f"passed over {ident}: {outcome}")
            continue
        decided.append(ident)
        where = f": {review.seeds_dir / outcome.seed_file}" if outcome.seed_file else ""
        click.echo(f"{done} {ident}{where}")
    if by_filters and decided:
        ids = " ".join(decided) if len(decided) <= UNDO_HINT_IDS else "ID..."
        click.echo(f"{len(decided)} candidate(s) {done}; `seedcrawl undo {ids}` takes them back")
        click.echo(TAUGHT)


# Said after decisions: what they change, and when.
TAUGHT = "The next crawl judges new pages by your decisions; `seedcrawl rescore` ranks the queue by them now."


@cli.command(short_help="Reverse the last decision on candidates.")
@storage_option
@seeds_option
@click.argument("idents", nargs=-1, required=True)
def undo(storage: Path, seeds_dir: Path | None, idents: tuple[str, ...]) -> None:
    """Reverse the last decision on candidates (an accepted file leaves seeds/
    only if it is still the newest seed and unchanged: several are taken
    back newest decision first).

    Example: seedcrawl undo 12; seedcrawl undo 3 7 12
    """
    review = open_review(storage, seeds_dir, claim=True)
    for ident, outcome in review.each(review.newest_first(review.distinct(idents)), review.undo):
        if isinstance(outcome, ReviewError):
            raise outcome
        if outcome.queue_file is None:  # a requeue undone
            click.echo(f"undone: {ident} is off topic again, out of the queue")
        else:
            click.echo(f"undone: {ident} is back in the queue as {outcome.queue_file}")


@cli.command("review")
@storage_option
@seeds_option
@queue_filters
@click.option(
    "--uncertain", is_flag=True, help="Weakest verdicts first (nearest the threshold): settle the doubtful calls first."
)
@click.option("--misses", is_flag=True, help="Walk the pages judged off topic (`seedcrawl misses`), best first.")
def review_command(storage: Path, seeds_dir: Path | None, filters: QueueFilters, uncertain: bool, misses: bool) -> None:
    """Walk the queue, best first: read each text and its card, then a key:
    a(ccept), r(eject, with a reason), s(kip), e(dit in $EDITOR), u(ndo the
    last decision) or q(uit). The queue's filters choose which candidates.
    With --misses, walk the pages judged off topic: a(ccept), p(ut in the
    queue), s(kip), u(ndo) or q(uit).

    Example: seedcrawl review --uncertain; seedcrawl review --search ban; seedcrawl review --misses
    """
    from .screen import HELP, PROMPT, label, show_candidate, terminal_reader

    if misses and uncertain:
        raise click.UsageError("--misses walks the best first, which are the nearest the threshold: no --uncertain")
    review = open_review(storage, seeds_dir, claim=True)
    if misses:
        walk_misses(review, filters)
        return
    threshold = storage_sources(storage).threshold if uncertain else None
    numbers = review.store.pending_numbers(filters, uncertain_around=threshold)  # each row is read when shown
    if not numbers:
        say_nothing_to_review(review.store, filters)
        return
    keys = terminal_reader()
    counts = {"accepted": 0, "rejected": 0, "skipped": 0, "edited": 0, "undone": 0}
    decided: list[dict] = []  # this session's decisions, newest last: what u takes back
    position = 0
    drafts: dict[int, str] = {}  # edits refused this session, opened again by e
    passed: list[dict] = []  # decided in the browser or another terminal since the list was read, not yet said
    while position < len(numbers):
        row = review.resolve(str(numbers[position]))
        if row["status"] != PENDING:
            passed.append(row)
            position += 1
            continue
        say_passed_over(passed)
        show_candidate(console, row, review.store.copies_of(row["hash"]), position + 1, len(numbers), current_text(row))
        click.echo(f"#{row['queue_seq']}: {PROMPT}", nl=False)
        key = keys.key()
        click.echo(key)
        while key == "?":  # what each key does, then the same prompt
            click.echo(HELP)
            click.echo(f"#{row['queue_seq']}: {PROMPT}", nl=False)
            key = keys.key()
            click.echo(key)
        if key == "q":
            break
        edited = None
        try:
            if key == "a":
                decision = review.accept(str(row["queue_seq"]))
                click.echo(f"accepted {label(row)} -> {review.seeds_dir / (decision.seed_file or '')}")
                counts["accepted"] += 1
            elif key == "r":
                reason = keys.line(f"reason for rejecting #{row['queue_seq']} (Enter: none)")
                review.reject(str(row["queue_seq"]), reason or None)
                click.echo(f"rejected {label(row)}" + (f" ({reason})" if reason else ""))
                counts["rejected"] += 1
            elif key == "e":
                seq = row["queue_seq"]
                edited = in_editor(str(seq), drafts.get(seq, current_text(row)))
                again = "e opens it again"
                result = apply_edit(review, str(seq), row, edited, "editor", again) if edited else None
                if result is not None:  # stored (or the same text): the draft is done with
                    drafts.pop(seq, None)
                if result is not None and result.changed:
                    click.echo(f"edited {label(row)}: version {result.version} kept beside the crawled text")
                    counts["edited"] += 1
                else:
                    click.echo(f"no change to {label(row)}")
                continue  # the same candidate again, with its edit
            elif key == "u":
                if not decided:
                    click.echo("nothing to undo in this session")
                    continue
                review.undo(str(decided[-1]["queue_seq"]))
                last = decided.pop()
                click.echo(f"undone: {label(last)} is back in the queue")
                counts["undone"] += 1
                position -= 1
                numbers[position] = last["queue_seq"]
                continue
            else:
                counts["skipped"] += 1
        except ReviewError as exc:  # said, and the session goes on: shown again, or passed over if decided
            if edited:
                drafts[row["queue_seq"]] = edited
            click.echo(f"{label(row)}: {exc}", err=True)
            continue
        if key in ("a", "r"):
            decided.append(row)
        position += 1
    say_passed_over(passed)
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))
    if counts["accepted"] or counts["rejected"]:
        click.echo(TAUGHT)


def walk_misses(review: Review, filters: QueueFilters) -> None:
    """`review --misses`: each page judged off topic, best first, its text and
    card, then a key: accept it (requeued, then accepted), put it in the
    queue, skip it, undo the walk's last decision, or quit. A page queued
    elsewhere meanwhile is passed over."""
    from .screen import MISSES_HELP, MISSES_KEYS, MISSES_PROMPT, label, show_candidate, terminal_reader

    hashes = review.store.near_miss_hashes(filters)  # each row is read when shown
    if not hashes:
        say_no_misses(review.store, filters)
        return
    keys = terminal_reader(MISSES_KEYS)
    counts = {"accepted": 0, "queued": 0, "skipped": 0, "undone": 0}
    decided: list[tuple[int, str, dict]] = []  # (position, key, row) of this walk's decisions, newest last
    position = 0
    while position < len(hashes):
        digest = hashes[position]
        row = review.resolve(digest)
        if row["status"] != OFFTOPIC:
            click.echo(f"passed over {label(row)}: {row['status']} since the list was read")
            position += 1
            continue
        show_candidate(console, row, review.store.copies_of(digest), position + 1, len(hashes), current_text(row),
                       named="off topic")  # fmt: skip
        name = digest[:HASH_ID_DIGITS]
        key = "?"
        while key == "?":  # what each key does, then the same prompt
            click.echo(f"{name}: {MISSES_PROMPT}", nl=False)
            key = keys.key()
            click.echo(key)
            if key == "?":
                click.echo(MISSES_HELP)
        if key == "q":
            break
        if key == "u":
            if not decided:
                click.echo("nothing to undo in this walk")
            elif undo_requeue(review, *decided[-1][1:]):
                position = decided.pop()[0]  # that page again
                counts["undone"] += 1
            continue
        try:
            if key in ("a", "p"):
                queued = review.requeue(digest)
                number = review.resolve(digest)["queue_seq"]
                if key == "a":
                    decision = review.accept(str(number))
                    click.echo(f"accepted {label(row)} -> {review.seeds_dir / (decision.seed_file or '')}")
                    counts["accepted"] += 1
                else:
                    click.echo(f"queued {label(row)} as candidate {number} ({queued.queue_file})")
                    counts["queued"] += 1
                decided.append((position, key, row))
            else:
                counts["skipped"] += 1
        except ReviewError as exc:  # said, and the walk goes on
            click.echo(f"{label(row)}: {exc}", err=True)
        position += 1
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))
    if counts["accepted"]:
        click.echo(TAUGHT + " `seedcrawl rescore --misses` ranks the pages judged off topic by them too.")


def undo_requeue(review: Review, key: str, row: dict) -> bool:
    """Take a walk's decision back (an accept, then the requeue): the page is
    off topic again. False, said in one line, if it cannot be (decided again
    in the browser meanwhile, say)."""
    from .screen import label

    try:
        number = str(review.resolve(row["hash"])["queue_seq"])
        if key == "a":
            review.undo(number)
        review.undo(number)
    except ReviewError as exc:
        click.echo(f"{label(row)}: {exc}", err=True)
        return False
    click.echo(f"undone: {label(row)} is off topic again, out of the queue")
    return True


def say_passed_over(passed: list[dict]) -> None:
    """One line for the candidates decided elsewhere meanwhile that the
    session passed over (a batch decided in the browser can be hundreds)."""
    from .screen import label

    if len(passed) == 1:
        click.echo(f"{label(passed[0])} was {passed[0]['status']} elsewhere meanwhile; passed over")
    elif passed:
        named = ", ".join(f"#{row['queue_seq']}" for row in passed[:PASSED_NAMED])
        more = " ..." if len(passed) > PASSED_NAMED else ""
        click.echo(f"passed over {len(passed)} candidates decided elsewhere meanwhile ({named}{more})")
    passed.clear()


PASSED_NAMED = 5  # ids named in the line that says the session passed over several


@cli.command()
@storage_option
@seeds_option
@click.argument("ident")
@click.option("--from", "source", type=click.File("r", encoding="utf-8"),
              help="Take the edited text from this file ('-': standard input) instead of opening $EDITOR.")  # fmt: skip
def edit(storage: Path, seeds_dir: Path | None, ident: str, source) -> None:
    """Edit a candidate's text before accepting it (trim boilerplate, fix the title).

    Opens $EDITOR on the text, or takes it from --from. The edit is kept as a
    new version beside the crawled text (first line the title, each other
    line a paragraph); accepting writes the newest version. An edit that
    cannot be stored is kept in a file, named with the command that applies it.

    Example: seedcrawl edit 12
    """
    review = open_review(storage, seeds_dir, claim=True)
    row = review.pending(ident)  # a decided candidate or a seed is refused before the editor opens
    if source is None:
        text, via = in_editor(ident, current_text(row)), "editor"
    else:
        text, via = source.read(), "stdin" if source.name == "<stdin>" else "file"
    result = apply_edit(review, ident, row, text, via) if text is not None else None
    if result is None or not result.changed:
        click.echo(f"no change to {ident}")
        return
    click.echo(
        f"edited {ident}: version {result.version} kept beside the crawled text; `seedcrawl accept {ident}` writes it"
    )


def in_editor(ident: str, text: str) -> str | None:
    """The text as the reviewer's editor left it (None: not saved). An editor
    that cannot start (with no $EDITOR click falls back to vi, which many
    containers lack) or that exits with an error is one line that says how to
    edit anyway; in `review` the session goes on, as after any refusal."""
    try:
        return click.edit(text, extension=".txt", require_save=True)
    except click.ClickException as exc:
        raise ReviewError(
            f"the editor did not work ({exc.message}); nothing changed: set EDITOR to the editor you use, "
            f"or write the text to a file and run `seedcrawl edit {ident} --from FILE`"
        ) from None


def apply_edit(review: Review, ident: str, row: dict, text: str, via: str, again: str = "") -> Edit:
    """The edit stored, or kept in a file when the storage refuses it (a
    title and nothing else, the candidate decided elsewhere while the editor
    was open, a locked database), the line saying where: the editor's own
    file is gone once it closes, and standard input cannot be read twice."""
    try:
        return review.edit(ident, text, via)
    except (Exception, KeyboardInterrupt) as exc:
        worth = via != "file" and text.strip() and text != current_text(row)
        kept = keep_draft(ident, text, review.store.storage_dir) if worth else None
        if kept is None:
            raise
        where = f"your edit is kept in {kept} (`seedcrawl edit {ident} --from {kept}` applies it"
        where += f"; {again})" if again else ")"
        if isinstance(exc, ReviewError):
            raise ReviewError(f"{exc}; {where}") from None
        click.echo(where, err=True)  # the error's own line follows
        raise


def keep_draft(ident: str, text: str, storage: Path) -> Path | None:
    """A refused edit written where it outlives a reboot: the storage
    folder's drafts/ (kubectl keeps a refused edit in /tmp, which many
    systems empty at boot), else the temporary folder (the storage folder
    may be what refused it: full, read-only); None if both fail."""
    named = re.sub(r"[^\w-]", "_", Path(ident).stem)[:40]  # an id may be a path (queue/003_....txt)
    for folder in (storage / DRAFTS, None):
        try:
            if folder is not None:
                folder.mkdir(exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f"seedcrawl-edit-{named}-", suffix=".txt", dir=folder)
        except OSError:
            continue
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError:  # a full disk: no half copy left behind
            Path(name).unlink(missing_ok=True)
            continue
        return Path(name).absolute()
    return None


def show_queue(store: Store) -> None:
    console.print(queue_table(store.pending_candidates()))
    show_new_words(store)


def show_new_words(store: Store) -> None:
    """The queue's new words (crawler/new_words.py), if the last crawl found any."""
    words, read = in_queue(store)
    if words:
        console.print(Text(sentence(words, read), style="dim"))
