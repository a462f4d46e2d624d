"""The `seedcrawl` command: a thin layer over the library.

Library errors (bad sources.toml, unusable storage) become one line on
stderr and exit status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table

from .sources import DEFAULT_SOURCES, SourcesError
from .store import Store, StoreError

console = Console()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def dups(paths: tuple[Path, ...]) -> None:
    """Print groups of near-duplicate texts among PATHS, one group per line.

    Paths in a group are separated by tabs; files with no copy are not
    printed. Uses the crawl's own fingerprint and threshold.

    Example: seedcrawl dups storage/queue/*.txt seeds/*.txt
    """
    from .dedup import group_copies

    texts = {str(path): read_text_file(path) for path in paths}
    for group in group_copies(texts):
        click.echo("\t".join(group))


def read_text_file(path: Path) -> str:
    """A UTF-8 text file, or a one-line error naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: not UTF-8 text (byte {exc.start}); convert it to UTF-8") from None


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--sources", type=click.Path(path_type=Path), default=DEFAULT_SOURCES, show_default=True)
@click.option("--storage", type=click.Path(path_type=Path), default=Path("storage"), show_default=True)
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
@click.option("--sources", type=click.Path(path_type=Path), default=DEFAULT_SOURCES, show_default=True)
@click.option("--storage", type=click.Path(path_type=Path), default=Path("storage"), show_default=True)
@click.option("--runs", "limit", default=10, show_default=True, help="How many recent runs to list.")
def status(sources: Path, storage: Path, limit: int) -> None:
    """Show the last runs, the next scheduled run and the queue size.

    Example: seedcrawl status --runs 5
    """
    from .lock import CrawlLock
    from .nightly import NightlyConfig, next_run_time

    config = NightlyConfig.load(sources, storage)
    store = Store(storage)
    try:
        runs = store.last_runs(limit)
        queued = store.db.table("documents").count_where("status = 'pending'")
    finally:
        store.close()
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


def show_run_summary(store: Store) -> None:
    run = next(store.db.query("select * from runs order by id desc limit 1"))
    outcomes = store.db.query("select outcome, count(*) as n from urls group by outcome order by n desc")
    console.print(
        f"Run {run['id']} {run['status']}: {run['pages']} pages, {run['new']} new candidates, "
        f"{run['duplicates']} duplicates, {run['offtopic']} off topic, {run['errors']} errors"
    )
    console.print("Pages by outcome: " + ", ".join(f"{row['outcome']} {row['n']}" for row in outcomes))


def show_queue(store: Store) -> None:
    table = Table(title="Review queue (best first)", box=box.SIMPLE_HEAD)
    for column in ("file", "score", "lang", "published", "site", "title"):
        table.add_column(column)
    for row in sorted(store.pending(), key=lambda r: -(r["score"] or 0)):
        table.add_row(
            row["queue_file"],
            f"{row['score']:.3f}",
            row["language"] or "",
            row["published"] or "",
            row["sitename"] or "",
            row["title"],
        )
    console.print(table)


def main() -> None:
    debug = "--debug" in sys.argv
    try:
        cli.main(standalone_mode=True)
    except (SourcesError, StoreError, FileNotFoundError) as exc:
        if debug:
            raise
        click.echo(f"seedcrawl: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
