"""The `seedcrawl` command: a thin layer over the library.

Library errors become one line on stderr: exit status 2 for what the user
must fix (sources.toml, a seed file, the storage folder or its database),
1 for a decision that cannot be made; ``--debug`` shows the traceback
instead. Every command that opens a storage folder first finishes what an
interrupted decision left (crawler.review), whatever the command is.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import sys
from datetime import date
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .report import site_name
from .review import Review, ReviewError
from .seedfile import SeedFormatError, read_regular_file
from .sources import DEFAULT_SOURCES, SourcesError, load_sources
from .store import Store, StoreError, explain_storage_error

console = Console()

# Errors the user fixes (exit 2) and decisions that cannot be made (exit 1).
SETUP_ERRORS = (SourcesError, StoreError, SeedFormatError)
DECISION_ERRORS = (ReviewError, FileNotFoundError)
# Texts given to `score` and `dups` larger than this are refused (an article
# is tens of kilobytes; /dev/zero is endless).
MAX_TEXT_BYTES = 10_000_000


class SetupProblem(click.ClickException):
    """A problem with the configuration or the storage: exit status 2."""

    exit_code = 2


class SeedcrawlGroup(click.Group):
    """Turns the library's errors into one-line messages (tracebacks with --debug)."""

    def invoke(self, ctx: click.Context):
        def debug() -> bool:  # set by the group's callback, inside super().invoke
            return bool(ctx.obj and ctx.obj.get("debug"))

        try:
            return super().invoke(ctx)
        except SETUP_ERRORS as exc:
            if debug():
                raise
            raise SetupProblem(str(exc)) from exc
        except DECISION_ERRORS as exc:
            if debug():
                raise
            raise click.ClickException(str(exc)) from exc
        except (sqlite3.Error, OSError) as exc:
            message = explain_storage_error(exc)
            if message is None or debug():
                raise
            raise SetupProblem(message) from exc


@click.group(cls=SeedcrawlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """seedcrawl: grow a research corpus with documents like your seeds."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.option(
    "--folder",
    type=click.Path(path_type=Path),
    default=Path("storage") / "demo",
    show_default=True,
    help="Where the demo keeps its seeds copy, database, queue and log (wiped first).",
)
def demo(folder: Path) -> None:
    """Crawl the bundled sample web on 127.0.0.1 (no internet needed) and show the queue.

    Example: seedcrawl demo
    """
    from .demo import run_demo

    console.print("Starting the sample web on 127.0.0.1-127.0.0.4 and crawling it ...")
    run = run_demo(folder)
    if run.returncode != 0:
        raise click.ClickException(f"the crawl failed (exit {run.returncode}); see {run.log_file}")
    store = Store(run.storage)
    try:
        show_run_summary(store)
        show_queue(store)
    finally:
        store.close()
    console.print(f"\nQueue files: {run.queue}\nDatabase:    {run.storage / 'corpus.db'}\nCrawl log:   {run.log_file}")


def storage_option(command):
    return click.option(
        "--storage", type=click.Path(path_type=Path), default=Path("storage"), show_default=True,
        help="Storage folder (corpus.db and queue/).",
    )(command)  # fmt: skip


def seeds_option(command):
    return click.option(
        "--seeds", "seeds_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
        help="The seeds folder accepted candidates are copied into (default: the one the storage "
        "folder was made for, else ./seeds).",
    )(command)  # fmt: skip


def open_store(storage: Path) -> Store:
    """An existing storage folder (never creates one: a typo in --storage is
    an error, not a new empty corpus)."""
    return Store(storage, create=False)


def open_review(storage: Path, seeds_dir: Path | None = None, claim: bool = False) -> Review:
    """The storage folder with its seeds folder, after finishing any decision
    a crash interrupted. ``claim``: record the seeds folder (decisions do)."""
    store = open_store(storage)
    recorded = store.corpus().get("seeds")
    folder = seeds_dir or (recorded if recorded is not None and recorded.exists() else Path("seeds"))
    if claim:
        store.claim_corpus(folder)
    else:
        store.check_corpus(folder)
    review = Review(store, folder)
    if folder.is_dir():
        review.reconcile()
    return review


def recorded_sources(storage: Path, given: Path | None) -> Path:
    """The sources file given, else the one the storage folder recorded, else seeds/sources.toml."""
    if given is not None:
        return given
    if (storage / "corpus.db").exists():
        store = open_store(storage)
        try:
            recorded = store.corpus().get("sources")
        finally:
            store.close()
        if recorded is not None and recorded.exists():
            return recorded
    return DEFAULT_SOURCES


def max_bytes_option(command):
    return click.option(
        "--max-bytes", type=click.IntRange(1, 2**40), default=MAX_TEXT_BYTES, show_default=True,
        envvar="SEEDCRAWL_MAX_TEXT_BYTES", help="Refuse text files larger than this (env SEEDCRAWL_MAX_TEXT_BYTES).",
    )(command)  # fmt: skip


def read_text_file(path: Path, limit: int = MAX_TEXT_BYTES) -> str:
    """A UTF-8 text file of at most ``limit`` bytes, or a one-line error naming it."""
    try:
        data = read_regular_file(path, limit, click.ClickException)
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: not UTF-8 text (byte {exc.start}); convert it to UTF-8") from None


def sources_option(command):
    return click.option(
        "--sources", type=click.Path(path_type=Path), default=None,
        help="Sources file (default: the one the storage folder was made with, else seeds/sources.toml).",
    )(command)  # fmt: skip


class IsoDate(click.ParamType):
    """YYYY-MM-DD (or YYYY-MM, YYYY): publication dates are stored that way."""

    name = "date"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
            parts = [int(x) for x in text.split("-")] + [1, 1]
            try:
                date(*parts[:3])
                return text
            except ValueError:
                pass
        self.fail(f"{value!r} is not a date like 2020-07-01 (YYYY-MM-DD, YYYY-MM or YYYY)", param, ctx)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@max_bytes_option
def dups(paths: tuple[Path, ...], max_bytes: int) -> None:
    """Print groups of near-duplicate texts among PATHS, one group per line.

    Paths in a group are separated by tabs; files with no copy are not
    printed. Uses the crawl's own fingerprint and threshold.

    Example: seedcrawl dups storage/queue/*.txt seeds/*.txt
    """
    from .dedup import group_copies

    texts = {str(path): read_text_file(path, max_bytes) for path in paths}
    for group in group_copies(texts):
        click.echo("\t".join(group))


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--sources", type=click.Path(path_type=Path), default=DEFAULT_SOURCES, show_default=True)
@storage_option
@click.option("--once", is_flag=True, help="Run one crawl now and exit with its status.")
@click.pass_context
def schedule(ctx: click.Context, sources: Path, storage: Path, once: bool) -> None:
    """Run the crawl every night at schedule.time (blocking; same as scheduler.py).

    Example: seedcrawl schedule --once
    """
    from .nightly import main as nightly_main

    argv = ["--sources", str(sources), "--storage", str(storage), *(["--once"] if once else []), *ctx.args]
    if ctx.obj["debug"]:
        argv.append("--debug")
    sys.exit(nightly_main(argv))


@cli.command()
@click.option("--system", is_flag=True, help="A system service (default: a user service).")
@click.option("--user", "account", help="With --system: the account it runs as (default: you).")
@sources_option
@storage_option
def service(system: bool, account: str | None, sources: Path | None, storage: Path) -> None:
    """Print a systemd unit that runs the nightly scheduler for this clone.

    Example: seedcrawl service > ~/.config/systemd/user/seedcrawl.service
    """
    import getpass

    from .service import for_checkout, render_unit

    sources_path = recorded_sources(storage, sources)
    config = load_sources(sources_path)
    project = Path(__file__).resolve().parents[1]
    arguments = ()
    if sources_path.resolve() != (project / DEFAULT_SOURCES).resolve() or storage.resolve() != project / "storage":
        arguments = ("--sources", str(sources_path.resolve()), "--storage", str(storage.resolve()))
    install = for_checkout(
        project, Path(sys.executable), system, account or getpass.getuser(), config.shutdown_timeout, arguments
    )
    click.echo(render_unit(install), nl=False)


@cli.command()
@sources_option
@storage_option
@click.option("--runs", "limit", type=click.IntRange(1, 10_000), default=10, show_default=True,
              help="How many recent runs to list.")  # fmt: skip
def status(sources: Path | None, storage: Path, limit: int) -> None:
    """Show the last runs, the next scheduled run and the queue size.

    Example: seedcrawl status --runs 5
    """
    from .lock import CrawlLock
    from .nightly import NightlyConfig, next_run_time

    config = NightlyConfig.load(recorded_sources(storage, sources), storage)
    if not (storage / "corpus.db").exists():
        console.print(f"No crawl has run with the storage folder {storage} yet.")
        console.print(f"Next scheduled run: {next_run_time(config)} ({config.sources.time} {config.timezone})")
        return
    review = open_review(storage)
    try:
        runs = review.store.last_runs(limit)
        queued = review.store.count_pending()
    finally:
        review.store.close()
    table = Table(title="Recent crawls", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("run")
    table.add_column("started", no_wrap=True)
    for column in ("took", "trigger", "status", "pages", "new", "dups", "errors"):
        table.add_column(column)
    for run in runs:
        started = (run["started"] or "")[:16].replace("T", " ")
        state = run["status"] + (f" (exit {run['exit_status']})" if run["exit_status"] else "")
        counts = (str(run[k] if run[k] is not None else "") for k in ("pages", "new", "duplicates", "errors"))
        table.add_row(
            str(run["id"]), started, _duration(run["started"], run["finished"]), run["trigger"] or "", state, *counts
        )
    console.print(table)
    holder = CrawlLock.for_storage(storage).holder()
    if holder:
        console.print(f"Running now: pid {holder.get('pid')} since {holder.get('started')}")
    console.print(f"Next scheduled run: {next_run_time(config)} ({config.sources.time} {config.timezone})")
    console.print(f"Queue: {queued} candidate(s) waiting for review in {storage / 'queue'}")


def _duration(started: str | None, finished: str | None) -> str:
    from datetime import datetime

    if not started or not finished:
        return ""
    seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sources", type=click.Path(path_type=Path), default=None,
              help="Its threshold and seeds (beside it) are the crawl's (default: the storage folder's).")  # fmt: skip
@click.option("--storage", type=click.Path(path_type=Path), default=Path("storage"), show_default=True,
              help="Accepted and rejected candidates here train the model too.")  # fmt: skip
@click.option("--explain", is_flag=True, help="Add the words that earned each score.")
@max_bytes_option
def score(paths: tuple[Path, ...], sources: Path | None, storage: Path, explain: bool, max_bytes: int) -> None:
    """Score plain-text files with the crawl's relevance model, one line each:
    score, verdict (relevant / offtopic) and path, tab-separated.

    Example: seedcrawl score --explain storage/queue/*.txt
    """
    from .relevance import TopicModel

    texts = {path: read_text_file(path, max_bytes) for path in paths}  # every file checked before the model is fitted
    config = load_sources(recorded_sources(storage, sources))
    decided: tuple[list[str], list[str]] = ([], [])
    if (storage / "corpus.db").exists():
        store = open_store(storage)
        decided = store.decided_texts()
        store.close()
    model = TopicModel.from_corpus(config.seeds_dir, decided, config.threshold, band=config.band)
    for path, text in texts.items():
        verdict = model.judge(text)
        line = f"{verdict.score:.3f}\t{'relevant' if verdict.relevant else 'offtopic'}\t{path}"
        click.echo(line + (f"\t{verdict.reason}" if explain else ""))


# -- review -------------------------------------------------------------------------


@cli.command()
@storage_option
@click.option("--min-score", type=float, help="Only candidates scoring at least this.")
@click.option("--since", type=IsoDate(), help="Published on or after this date (YYYY-MM-DD).")
@click.option("--until", type=IsoDate(), help="Published on or before this date (YYYY-MM-DD).")
@click.option("--site", help="Only sites whose name or URL contains this.")
@click.option("--lang", help="Only this language code.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, for scripts.")
def queue(storage: Path, min_score, since, until, site, lang, as_json: bool) -> None:
    """List pending candidates, best score first.

    Example: seedcrawl queue --min-score 0.35 --since 2020-01-01
    """
    rows = open_review(storage).store.pending_candidates(min_score, since, until, site, lang)
    if as_json:
        for row in rows:
            click.echo(json.dumps({k: row[k] for k in QUEUE_FIELDS}, ensure_ascii=False))
        return
    console.print(queue_table(rows))


def queue_table(rows: list[dict]) -> Table:
    """The pending candidates as a table that fits an 80-column terminal."""
    weak = sum(1 for row in rows if row.get("borderline"))
    caption = f"* borderline: a weak verdict, near the threshold ({weak})" if weak else None
    title = f"Review queue: {len(rows)} candidate(s), best first"
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("id", "score", "lang", "published", "site"):
        table.add_column(column, no_wrap=True)
    table.add_column("title")
    for row in rows:
        table.add_row(
            str(row["queue_seq"]), score_label(row), row["language"] or "", row["published"] or "",
            Text(site_name(row)), Text(row["title"]),
        )  # fmt: skip
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
def show(storage: Path, ident: str) -> None:
    """Print a candidate's text with its metadata, score, reason and other places.

    Example: seedcrawl show 12
    """
    review = open_review(storage)
    row = review.resolve(ident)
    found = {"seed": "seed page", "feed": "feed", "link": "link on page"}.get(row["found_via"], row["found_via"] or "")
    lines = [
        ("id", f"{row['queue_seq']}  ({row['queue_file'] or row['seed_file'] or row['hash'][:16]})"),
        ("status", row["status"] + (f" on {row['decided_at']}" if row["decided_at"] else "")),
        ("title", row["title"]),
        ("url", row["url"]),
        ("canonical", row["canonical_url"]),
        ("site", site_name(row)),
        ("published", row["published"] or "unknown"),
        ("language", row["language"] or "unknown"),
        ("found", f"{found} {row['found_on'] or ''}".strip() + f", {row['first_seen']}"),
        (
            "score",
            (f"{row['score']:.3f}" if row["score"] is not None else "")
            + ("  borderline: a weak verdict, near the threshold" if row.get("borderline") else ""),
        ),
        ("reason", row["reason"] or ""),
    ]
    if row["decision_reason"]:
        lines.append(("decision", row["decision_reason"]))
    for place in review.store.copies_of(row["hash"]):
        lines.append(("also at", f"{place['url']} ({place['kind']} copy, {place['similarity']:.2f})"))
    for label, value in lines:
        console.print(f"[bold]{label:>10}[/bold]  {escape(str(value or ''))}", highlight=False)
    console.rule()
    click.echo(row["text"])


@cli.command()
@storage_option
@seeds_option
@click.argument("idents", nargs=-1, required=True)
def accept(storage: Path, seeds_dir: Path | None, idents: tuple[str, ...]) -> None:
    """Copy candidates into the seeds folder under the next free numbers.

    Example: seedcrawl accept 3 7 12
    """
    review = open_review(storage, seeds_dir, claim=True)
    for ident in idents:
        decision = review.accept(ident)
        click.echo(f"accepted {ident}: {review.seeds_dir / decision.seed_file}")


@cli.command()
@storage_option
@seeds_option
@click.argument("idents", nargs=-1, required=True)
@click.option("--reason", help="Why (kept with the decision).")
def reject(storage: Path, seeds_dir: Path | None, idents: tuple[str, ...], reason: str | None) -> None:
    """Reject candidates; their text stays in the database as negative examples.

    Example: seedcrawl reject 4 --reason "phone review"
    """
    review = open_review(storage, seeds_dir, claim=True)
    for ident in idents:
        review.reject(ident, reason)
        click.echo(f"rejected {ident}")


@cli.command()
@storage_option
@seeds_option
@click.argument("ident")
def undo(storage: Path, seeds_dir: Path | None, ident: str) -> None:
    """Reverse the last decision on a candidate (an accepted file leaves seeds/ only
    if it is still the newest seed and unchanged).

    Example: seedcrawl undo 12
    """
    decision = open_review(storage, seeds_dir, claim=True).undo(ident)
    click.echo(f"undone: {ident} is back in the queue as {decision.queue_file}")


@cli.command()
@storage_option
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True)
def search(storage: Path, words: tuple[str, ...], limit: int) -> None:
    """Full-text search (SQLite FTS5) over every stored document and its status.

    Example: seedcrawl search huawei 5g ban
    """
    store = open_review(storage).store
    rows = store.search(" ".join(words), limit)
    table = Table(title=f"{len(rows)} match(es)", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("id", "status", "score", "title", "snippet"):
        table.add_column(column, no_wrap=column in ("id", "status", "score"))
    for row in rows:
        ident = str(row["queue_seq"]) if row["queue_seq"] is not None else row["hash"][:8]
        score = f"{row['score']:.3f}" if row["score"] is not None else ""
        snippet = " ".join(row["snippet"].split())
        table.add_row(ident, row["status"], score, Text(row["title"]), Text(snippet))
    console.print(table)


EXPORT_FIELDS = (
    "hash", "status", "title", "url", "canonical_url", "sitename", "published", "language", "score", "reason",
    "found_via", "found_on", "first_seen", "queue_file", "seed_file", "decided_at", "decision_reason", "text",
)  # fmt: skip


@cli.command()
@storage_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--status", type=click.Choice(["seed", "pending", "accepted", "rejected", "offtopic", "language"]),
              help="Only documents with this status.")  # fmt: skip
@click.option(
    "--output", "-o", type=click.File("w", encoding="utf-8"), default="-", help="File to write (default stdout)."
)
def export(storage: Path, fmt: str, status: str | None, output) -> None:
    """Write documents with their metadata as JSON lines or CSV.

    Example: seedcrawl export --format csv --status accepted -o accepted.csv
    """
    store = open_review(storage).store
    rows = store.documents(status)
    if fmt == "jsonl":
        for row in rows:
            output.write(json.dumps({k: row.get(k) for k in EXPORT_FIELDS}, ensure_ascii=False) + "\n")
    else:
        writer = csv.DictWriter(output, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@cli.command("review")
@storage_option
@seeds_option
@click.option(
    "--uncertain", is_flag=True, help="Weakest verdicts first (nearest the threshold): they teach the model most."
)
def review_command(storage: Path, seeds_dir: Path | None, uncertain: bool) -> None:
    """Walk the queue, best first: read each text, then a(ccept), r(eject), s(kip) or q(uit).

    Example: seedcrawl review --uncertain
    """
    review = open_review(storage, seeds_dir, claim=True)
    threshold = load_sources(recorded_sources(storage, None)).threshold if uncertain else None
    rows = review.store.pending_candidates(uncertain_around=threshold)
    counts = {"accepted": 0, "rejected": 0, "skipped": 0}
    for position, row in enumerate(rows, 1):
        header = (
            f"[{position}/{len(rows)}] #{row['queue_seq']}  score {score_label(row)}"
            f"{' (borderline)' if row.get('borderline') else ''}  {site_name(row)}  {row['published'] or ''}"
        )
        page = f"{header}\n{row['url']}\n{row['reason']}\n\n{row['text']}\n"
        if sys.stdin.isatty() and sys.stdout.isatty():
            click.echo_via_pager(page)
        else:
            click.echo(page)
        key = ask_key()
        if key == "q":
            break
        if key == "a":
            decision = review.accept(str(row["queue_seq"]))
            click.echo(f"accepted -> {review.seeds_dir / decision.seed_file}")
            counts["accepted"] += 1
        elif key == "r":
            reason = click.prompt("reason (optional)", default="", show_default=False) if sys.stdin.isatty() else ""
            review.reject(str(row["queue_seq"]), reason or None)
            click.echo("rejected")
            counts["rejected"] += 1
        else:
            counts["skipped"] += 1
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


def ask_key() -> str:
    """One of a / r / s / q: a single key press on a terminal, a line otherwise."""
    while True:
        click.echo("a accept · r reject · s skip · q quit > ", nl=False)
        key = click.getchar().lower() if sys.stdin.isatty() else (sys.stdin.readline().strip().lower()[:1] or "q")
        click.echo(key)
        if key in ("a", "r", "s", "q"):
            return key


@cli.command()
@storage_option
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="HTML file to write (default STORAGE/report.html).")  # fmt: skip
def report(storage: Path, output: Path | None) -> None:
    """Write a static HTML report of the queue and the corpus.

    Example: seedcrawl report -o report.html
    """
    from .report import write_report

    store = open_review(storage).store
    path = write_report(store, output or storage / "report.html")
    click.echo(f"report written: {path}")


def show_run_summary(store: Store) -> None:
    run = store.last_run()
    if run is None:
        return
    outcomes = store.outcome_counts()
    console.print(
        f"Run {run['id']} {run['status']}: {run['pages']} pages, {run['new']} new candidates, "
        f"{run['duplicates']} duplicates, {run['offtopic']} off topic, {run['errors']} errors"
    )
    console.print("Pages by outcome: " + ", ".join(f"{row['outcome']} {row['n']}" for row in outcomes))


def show_queue(store: Store) -> None:
    console.print(queue_table(store.pending_candidates()))


def main() -> None:
    cli.main(prog_name="seedcrawl")


if __name__ == "__main__":
    main()
