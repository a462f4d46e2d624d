"""Operations: the demo, the nightly schedule, the service unit, status."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table
from rich.text import Text

from ..sources import DEFAULT_SOURCES, load_sources
from ..store import DB_NAME, QueueFilters, Store
from ..store.documents import current_title
from ..workspace import open_review, open_store, recorded_sources, storage_sources
from .decide import show_queue
from .group import cli, console
from .options import seeds_option, sources_option, storage_option


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
    from ..demo import run_demo

    console.print("Starting the sample web on 127.0.0.1-127.0.0.4 and crawling it ...")
    try:
        run = run_demo(folder)
    except KeyboardInterrupt:  # the crawl was stopped first (demo.run_crawl)
        storage = folder / "storage"
        kept = f"what it stored is in {storage}" if (storage / DB_NAME).exists() else "it had stored nothing"
        console.print(f"Stopped (Ctrl-C): the crawl closed; {kept}")
        raise SystemExit(130) from None
    if run.returncode != 0:
        raise click.ClickException(f"the crawl failed (exit {run.returncode}); see {run.log_file}")
    store = Store(run.storage)
    try:
        show_run_summary(store)
        show_queue(store)
        show_best_miss(store, run.storage)
        console.print(sources_table(store.source_yields()))
    finally:
        store.close()
    console.print(f"\nQueue files: {run.queue}\nDatabase:    {run.storage / 'corpus.db'}\nCrawl log:   {run.log_file}")
    console.print(
        f"Review the queue: seedcrawl review --storage {run.storage}  (or queue / show / accept / reject; "
        "decisions go into the demo's own seeds folder)"
    )


def show_best_miss(store: Store, storage: Path) -> None:
    """The off-topic pages a crawl kept, and the best of them: where the
    model's misses are, if it made one (the demo's brief is one)."""
    best = store.near_misses(limit=1)
    if best:
        console.print(
            Text(
                f"Judged off topic and kept: {store.count_near_misses():,} page(s); the best, {best[0]['score']:.3f}: "
                f"“{current_title(best[0])}”. `seedcrawl misses --storage {storage}` lists them; "
                "`seedcrawl requeue ID` puts one in the queue."
            )  # fmt: skip
        )


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--sources", type=click.Path(path_type=Path), default=DEFAULT_SOURCES, show_default=True)
@storage_option
@click.option("--once", is_flag=True, help="Run one crawl now and exit with its status.")
@click.pass_context
def schedule(ctx: click.Context, sources: Path, storage: Path, once: bool) -> None:
    """Run the crawl every night at schedule.time (blocking; same as scheduler.py).

    Example: seedcrawl schedule --once
    """
    from ..nightly import run_scheduler

    sys.exit(run_scheduler(sources, storage, once=once, extra_args=tuple(ctx.args), debug=ctx.obj["debug"]))


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

    from ..service import for_checkout, render_unit

    sources_path = recorded_sources(storage, sources)
    config = load_sources(sources_path)
    project = Path(__file__).resolve().parents[2]
    arguments: tuple[str, ...] = ()
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

    The next run names the scheduler that will make it, or says none will
    (no scheduler is running for this storage folder).

    Example: seedcrawl status --runs 5
    """
    from ..lock import CrawlLock
    from ..nightly import NightlyConfig
    from ..seedfile import stray_note

    config = NightlyConfig.load(recorded_sources(storage, sources), storage)
    stray = stray_note(config.sources.seeds_dir)
    if not (storage / "corpus.db").exists():
        console.print(f"No crawl has run with the storage folder {storage} yet.")
        console.print(next_run_line(config))
        if stray:
            console.print(stray, highlight=False)
        return
    review = open_review(storage)
    cut = config.sources.queue_cut
    try:
        runs = review.store.last_runs(limit)
        queued = review.store.count_pending()
        missed = review.store.count_near_misses()
        # Off-topic pages judged again (rescore --misses, the nightly rescore) that would be queued today.
        risen = review.store.count_near_misses(QueueFilters(min_score=cut)) if missed else 0
    finally:
        review.store.close()
    table = Table(title="Recent crawls", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("run")
    table.add_column("started", no_wrap=True)
    for column in ("took", "trigger", "status", "pages", "new", "dups", "errors"):
        table.add_column(column, overflow="fold")  # a narrow terminal folds "nothing fetched", never cuts it
    for run in runs:
        started = (run["started"] or "")[:16].replace("T", " ")
        # Scrapy's close reasons and seedcrawl's stop reasons are words: storage_error, nothing_fetched.
        state = run["status"].replace("_", " ") + (f" (exit {run['exit_status']})" if run["exit_status"] else "")
        # A crawl writes its counts every progress interval; one that never counted shows 0.
        counts = (str(run[k] or 0) for k in ("pages", "new", "duplicates", "errors"))
        table.add_row(
            str(run["id"]), started, _duration(run["started"], run["finished"]), run["trigger"] or "", state, *counts
        )
    console.print(table)
    holder = CrawlLock.for_storage(storage).holder()
    if holder:
        console.print(f"Running now: pid {holder.get('pid')} since {holder.get('started')}")
    console.print(next_run_line(config))
    console.print(f"Queue: {queued} candidate(s) waiting for review in {storage / 'queue'}")
    if missed:
        console.print(f"Judged off topic: {missed:,} page(s) read in full; `seedcrawl misses` lists them, best first")
    if risen:
        console.print(
            f"{risen:,} of them now score at least {cut:g}, where the crawl queues a page (judged again by your "
            f"decisions): `seedcrawl requeue --min-score {cut:g}` puts them in the queue (listed, then asked)"
        )
    if stray:
        console.print(stray, highlight=False)


def next_run_line(config: Any) -> str:
    """When the next nightly crawl runs, and by which scheduler; or that
    none will, since no scheduler holds the storage folder."""
    from ..lock import CrawlLock
    from ..nightly import next_run_time

    when = f"{config.sources.time} {config.timezone}"
    scheduler = CrawlLock.for_scheduler(config.storage).holder()
    if scheduler is None:
        return (
            f"Next scheduled run: none: no scheduler is running for this storage folder (it would run at {when}; "
            "start one: `seedcrawl schedule`, or the systemd unit `seedcrawl service` prints)"
        )
    running = f"by the scheduler, pid {scheduler.get('pid', '?')}, running since {scheduler.get('started', '?')}"
    return f"Next scheduled run: {next_run_time(config)} ({when}; {running})"


def _duration(started: str | None, finished: str | None) -> str:
    from datetime import datetime

    if not started or not finished:
        return ""
    seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def show_run_summary(store: Store) -> None:
    """The last run's summary, as its crawl logged it."""
    from ..summary import summary_lines

    run = store.last_run()
    if run is None:
        return
    lines = run["summary"].split("\n") if run.get("summary") else summary_lines(run, store.outcome_counts(run["id"]))
    for line in lines:
        console.print(line, highlight=False)


@cli.command("sources")
@storage_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, for scripts.")
@click.option("--queries", is_flag=True, help="Print the news-search queries the next crawl runs (search.gdelt).")
def sources_command(storage: Path, as_json: bool, queries: bool) -> None:
    """Show what each source (seed URL, feed) has yielded over all runs, best first.

    A mark (!) flags a source that failed, or found nothing on topic, in its
    last 10 runs, or that gives only leads (aggregator entries without the
    publisher's URL).

    Example: seedcrawl sources
    """
    import json

    if queries:  # before the first crawl too: the seeds alone make them
        from ..refit import corpus_model
        from ..search import derive_queries

        config = storage_sources(storage)
        decided = open_review(storage).store if (storage / "corpus.db").exists() else None
        model = corpus_model(config.seeds_dir, decided, config.threshold, config.band)
        for query in dict.fromkeys([*derive_queries(model, config.exclude, config.languages), *config.queries]):
            click.echo(query)
        if not config.gdelt:
            click.echo("(search.gdelt is off in the sources file: the crawl runs none of these)", err=True)
        return
    rows = open_review(storage).store.source_yields()
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    console.print(sources_table(rows))


def sources_table(rows: list[dict[str, Any]]) -> Table:
    """The yield ledger in 80 columns, best first; warnings under their source.
    The kind has a column of its own and columns are one space apart (the
    box's divider): a URL's lines hold 36 characters, where they held 29 below a line for its kind."""
    table = Table(title=f"Sources: {len(rows)}, best yield first", box=box.SIMPLE_HEAD, pad_edge=False, padding=0,
                  caption="over all runs. seen: seed URLs and feed entries; read: pages fetched and read; "
                  "acc/rej: later accepted/rejected")  # fmt: skip
    table.add_column("kind", no_wrap=True)
    table.add_column("source", overflow="fold")
    for column in ("seen", "read", "topic", "queued", "acc", "rej", "err"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in rows:
        where = row["source"].split("://", 1)[-1]
        kind = row["kind"] or "?"  # only ever seen through links resumed from a killed run's frontier
        name = where.removeprefix(f"{kind}: ") + (f"\n! {row['warning']}" if row["warning"] else "")
        counts = (row[k] or 0 for k in ("entries", "fetched", "on_topic", "queued", "accepted", "rejected", "errors"))
        table.add_row(kind, name, *(str(n) for n in counts))
    return table


@cli.command()
@storage_option
@seeds_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free one).")
@click.option(
    "--allow-remote", is_flag=True, help="Allow a --host other machines can reach; requests then need a token."
)
@click.option("--token", help="With --allow-remote: the access token (default: a random one, printed).")
def serve(storage: Path, seeds_dir: Path | None, host: str, port: int, allow_remote: bool, token: str | None) -> None:
    """Review the queue in a browser: list with filters and search, reading view,
    keys a / r / s / e / u, edits, sources and timeline.

    Example: seedcrawl serve --port 8765
    """
    from werkzeug.serving import make_server

    from ..web.app import BindRefused, check_bind, create_app

    open_review(storage, seeds_dir).store.close()  # an existing storage folder, repaired, or a one-line error
    try:
        needed = check_bind(host, allow_remote, token)
    except BindRefused as exc:
        raise click.UsageError(str(exc)) from None
    app = create_app(storage, seeds_dir, needed)
    server = make_server(host, port, app, threaded=True)
    address = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_port}/"
    console.print(f"Review page: {address}" + (f"?token={needed}" if needed else "") + "  (Ctrl-C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@cli.command()
@storage_option
@click.option("--frontier-days", type=click.IntRange(1), help="Remove frontier links older than this many days "
              "(default: housekeeping.frontier_days of the sources file, 90).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Say what would be removed; change nothing.")
def gc(storage: Path, frontier_days: int | None, dry_run: bool) -> None:
    """Remove old frontier links and compact the database; never a document, decision or seed.

    Example: seedcrawl gc --frontier-days 30
    """
    from ..lock import CrawlLock, CrawlLocked
    from ..store.housekeeping import cutoff

    store = open_store(storage)  # no storage here: that is what to say, not that sources.toml is missing
    try:
        days = frontier_days or storage_sources(storage).frontier_days
        if dry_run:
            stale = store.stale_frontier(cutoff(days))
            click.echo(
                f"would remove {stale} frontier link(s) older than {days} days; database {mb(store.files_size())}"
            )
            return
        try:
            lock = CrawlLock.for_storage(storage).acquire("seedcrawl gc")
        except CrawlLocked as exc:
            raise click.ClickException(f"{exc} (gc rewrites the database file)") from None
        try:
            done = store.collect(cutoff(days))
        finally:
            lock.release()
    finally:
        store.close()
    click.echo(
        f"removed {done.frontier_removed} frontier link(s) older than {days} days; database "
        f"{mb(done.bytes_before)} -> {mb(done.bytes_after)} ({freed_mb(done.bytes_before, done.bytes_after)} freed); "
        "documents, decisions and "
        "seeds untouched"
    )


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def freed_mb(before: int, after: int) -> str:
    """The space freed as the difference of the two figures shown beside it,
    so the line adds up (each rounded on its own, 0.6 -> 0.4 said 0.1 freed)."""
    return f"{round(before / 1e6, 1) - round(after / 1e6, 1):.1f} MB"
