"""Corpus commands: documents of your own added as seeds, scores and duplicates of any text,
search, export, the report."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich import box
from rich.table import Table
from rich.text import Text

from ..citations import CITATION_FORMATS
from ..dedup import is_web_address
from ..given import documents_in, read_capped, read_given, size_limit
from ..headline import headline
from ..review import Added, Review, ReviewError
from ..seedfile import (
    SeedFormatError,
    add_seed_file,
    content_hash,
    held_texts,
    new_seed_name,
    read_regular_file,
    write_atomic,
)
from ..sources import DEFAULT_SOURCES, STARTER, listed_seed_urls, saved_from_hint
from ..store.documents import as_reviewed, current_title
from ..workspace import open_review, open_store, storage_sources
from .group import SetupProblem, cli, console
from .options import IsoDate, max_bytes_option, read_text_file, seeds_option, storage_option


@cli.command()
@storage_option
@seeds_option
# Not click.Path(path_type=Path): a web address given by mistake would lose a slash (https:/...) before it is seen.
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Say what would be added (a folder's files, say); write nothing.")
@click.pass_context
def add(ctx: click.Context, storage: Path, seeds_dir: Path | None, paths: tuple[str, ...], dry_run: bool) -> None:
    """Add documents you have to the seeds: plain-text files (the first line
    the title, each other line a paragraph; lines wrapped at a fixed width
    are joined), saved web pages (.html, .htm: the article is extracted),
    PDFs or Word documents (.docx: their text), Markdown notes (.md: without
    the markup), e-mails (.eml: subject and text). A folder gives those it
    holds, its sub-folders' too; '-' reads standard input.

    Each is written in the seed format under the next number, as accepting
    a candidate writes one, and the next crawl learns from it. A text the
    seeds or the queue already hold is named, not added; a file that cannot
    be read is one line, and the others are added.

    Example: seedcrawl add notes/huawei-ban.txt saved/uk-ban.html hpsci-report.pdf reports/
    """
    exists = (storage / "corpus.db").exists()
    review = open_review(storage, seeds_dir, claim=not dry_run, repair=not dry_run) if exists else None
    folder = review.seeds_dir if review is not None else (seeds_dir or Path("seeds"))
    if folder.exists() and not folder.is_dir():
        raise SetupProblem(f"{folder}: not a folder; give the seeds folder with --seeds")
    sources = folder / DEFAULT_SOURCES.name
    files, refused = _files_given(paths, sources, {"the seeds folder": folder, "the storage folder": storage})
    started = False  # the seeds folder is made, and its texts read, at the first document
    starts: set[str] = set()
    held: dict[str, str] = {}  # the seed files' texts: all of them, or those the database does not know
    added = 0
    for path in files:
        try:
            document = read_given(_file_bytes(path), path.name)
        except SeedFormatError as exc:
            _not_added(path, exc)
            continue
        if not started:
            if review is None and not dry_run:
                _starter_sources(folder, sources)
            starts = listed_seed_urls(sources)
            held = held_texts(folder) if review is None else review.unregistered_texts()
            started = True
        text = document.text
        try:
            done = _added(review, folder, text, str(path), document.url, held, added if dry_run else None)
        except (SeedFormatError, ReviewError) as exc:
            _not_added(path, exc)
            continue
        added += 1
        near = f"; it is {done.near}" if done.near else ""
        said = "would add" if dry_run else "added"
        click.echo(f"{said} {folder / done.seed_file} “{headline(text)}” (from {path}){near}")
        if document.url and document.url not in starts:
            starts.add(document.url)
            click.echo("  " + saved_from_hint(document.url, sources))
    if dry_run:
        click.echo(f"{added} seed(s) would be added (dry run: nothing written)")
    elif added:
        click.echo(f"{added} seed(s) added: the next crawl learns from them (`seedcrawl rescore`: the queue now)")
    if added < len(files) + refused:
        ctx.exit(1)


def _added(review: Review | None, folder: Path, text: str, origin: str, url: str | None, held: dict[str, str],
           dry_run_after: int | None) -> Added:  # fmt: skip
    """One text added to the seeds (through the database when there is one);
    with ``dry_run_after`` (the texts a dry run counted before it), what
    would be, nothing written (``held`` takes it, so a second copy is named)."""
    if dry_run_after is None:
        return (
            review.add(text, origin, url, held)
            if review is not None
            else Added(add_seed_file(folder, text, held), None)
        )
    if review is not None:
        done = review.would_add(text, held, dry_run_after)
    else:
        done = Added(new_seed_name(folder, text, held, dry_run_after), None)
    held[content_hash(text)] = done.seed_file
    return done


def _files_given(paths: tuple[str, ...], sources: Path, kept_apart: dict[str, Path]) -> tuple[list[Path], int]:
    """The files to add, a folder's documents in place of the folder; and how
    many of the paths were refused (each said in one line)."""
    files: list[Path] = []
    refused = 0
    for name in paths:
        path = Path(name)
        if is_web_address(name):
            _not_added(name, SeedFormatError(
                f"a web address, not a file: list it under [seeds] urls in {sources} (the next crawl fetches "
                "it, and queues it if it is on topic), or save the page from your browser and add the file"
            ))  # fmt: skip
            refused += 1
        elif name != "-" and path.is_dir():
            found = _folder_documents(path, kept_apart)
            files += found
            refused += not found
        else:
            files.append(path)
    return files, refused


def _folder_documents(path: Path, kept_apart: dict[str, Path]) -> list[Path]:
    """A folder's documents, each line of what was passed over said; none
    from the seeds or storage folder, or a folder holding them (`add .` in
    the project's folder would add the queue and the seeds again)."""
    here = path.resolve()
    for role, kept in kept_apart.items():
        if not kept.is_dir():  # a new corpus's seeds folder, made in the folder given: it holds nothing yet
            continue
        where = kept.resolve()
        if here == where:
            relation = "is"
        elif where in here.parents:
            relation = "is inside"
        elif here in where.parents:
            relation = "holds"
        else:
            continue
        _not_added(path, SeedFormatError(f"{relation} {role} {kept}/; give a folder of your own documents"))
        return []
    found = documents_in(path)
    for line in found.unreadable:
        click.echo(f"{line}: not read", err=True)
    if found.others:
        kinds = ", ".join(f"{suffix} {count}" for suffix, count in found.others.most_common())
        click.echo(f"{path}: {found.others.total()} other file(s) left out ({kinds}); add reads texts (.txt, .md), "
                   "saved pages (.html), PDFs, Word documents (.docx) and e-mails (.eml)", err=True)  # fmt: skip
    if not found.documents:
        _not_added(path, SeedFormatError("no texts, saved pages, PDFs, Word documents or e-mails in this folder"))
    return found.documents


def _not_added(path: Path | str, exc: Exception) -> None:
    click.echo(f"{path}: not added: {str(exc).removeprefix(f'{path}: ')}", err=True)


def _starter_sources(folder: Path, sources: Path) -> None:
    """A new corpus's folder, and a sources file to start from where there is none."""
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
            write_atomic(sources, STARTER.encode("utf-8"))
        except OSError as exc:
            raise SetupProblem(f"{folder}: cannot create the seeds folder ({exc.strerror})") from None
        click.echo(f"a new corpus: created {folder}/ and a starter {sources} (news search on)")
    elif not sources.exists() and not sources.is_symlink():
        # documents copied into a folder of their own: nothing crawls without a sources file
        try:
            write_atomic(sources, STARTER.encode("utf-8"))
            click.echo(f"no {sources} yet: wrote a starter one (news search on)")
        except OSError as exc:
            click.echo(f"{sources}: not written ({exc.strerror}); the crawl needs one", err=True)


def _file_bytes(path: Path) -> bytes:
    """A regular file's bytes, or standard input's for '-' (at most a seed's size; a PDF's, for a .pdf)."""
    if str(path) == "-":
        return read_capped(sys.stdin.buffer, "-")
    try:
        return read_regular_file(path, size_limit(path.name), SeedFormatError)
    except OSError as exc:
        raise SeedFormatError(exc.strerror or str(exc)) from None


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@max_bytes_option
def dups(paths: tuple[Path, ...], max_bytes: int) -> None:
    """Print groups of near-duplicate texts among PATHS, one group per line.

    Paths in a group are separated by tabs; files with no copy are not
    printed. Uses the crawl's own fingerprint and threshold.

    Example: seedcrawl dups storage/queue/*.txt seeds/*.txt
    """
    from ..dedup import group_copies

    texts = {str(path): read_text_file(path, max_bytes) for path in paths}
    for group in group_copies(texts):
        click.echo("\t".join(group))


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
    from ..refit import corpus_model

    texts = {path: read_text_file(path, max_bytes) for path in paths}  # every file checked before the model is fitted
    config = storage_sources(storage, sources)
    if (storage / "corpus.db").exists():
        store = open_store(storage)
        model = corpus_model(config.seeds_dir, store, config.threshold, config.band)
        store.close()
    else:
        model = corpus_model(config.seeds_dir, None, config.threshold, config.band)
    for path, text in texts.items():
        verdict = model.judge(text)
        line = f"{verdict.score:.3f}\t{'relevant' if verdict.relevant else 'offtopic'}\t{path}"
        click.echo(line + (f"\t{verdict.reason}" if explain else ""))


@cli.command(context_settings={"ignore_unknown_options": True})  # `search ban -uk`: -uk is a word left out
@storage_option
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True, help="Show at most this many, best match first.")
def search(storage: Path, words: tuple[str, ...], limit: int) -> None:
    """Full-text search (SQLite FTS5) over every stored document and its status.

    Plain words must all appear, and a word written -word must not; FTS5's
    syntax works too: "a phrase", AND / OR / NOT (in capitals), prefix*,
    title:word.

    Example: seedcrawl search '"national security"' NOT 5G
    """
    if not " ".join(words).strip():
        raise click.BadParameter("give the words to search for", param_hint="WORDS")
    if unknown := [word for word in words if word.startswith("--")]:
        raise click.NoSuchOption(unknown[0].split("=", 1)[0])
    query = " ".join(words)
    store = open_review(storage).store
    rows = store.search(query, limit)
    found = store.count_matches(query) if len(rows) == limit else len(rows)
    title = f"{found} match(es)" + (f", the best {len(rows)} shown (--limit)" if found > len(rows) else "")
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("id", "status", "score", "title", "snippet"):
        table.add_column(column, no_wrap=column in ("id", "status", "score"))
    for row in rows:
        ident = str(row["queue_seq"]) if row["queue_seq"] is not None else (row["seed_file"] or row["hash"][:8])
        score = f"{row['score']:.3f}" if row["score"] is not None else ""
        snippet = " ".join(row["snippet"].split())
        table.add_row(ident, row["status"], score, Text(current_title(row)), Text(snippet))
    console.print(table)


EXPORT_FIELDS = (
    "hash", "status", "title", "url", "canonical_url", "sitename", "author", "published", "language", "score", "reason",
    "crawl_score", "crawl_reason", "rescored_at",  # the crawl's verdict, when `rescore` has judged it again since
    "found_via", "found_on", "first_seen", "queue_file", "seed_file", "decided_at", "decision_reason", "edited", "text",
)  # fmt: skip


@cli.command()
@storage_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", *CITATION_FORMATS]), default="jsonl",
              show_default=True, help="ris, csl: citations for Zotero, Mendeley, EndNote or pandoc.")  # fmt: skip
@click.option("--status", type=click.Choice(["seed", "pending", "accepted", "rejected", "offtopic", "language"]),
              help="Only documents with this status (ris and csl: accepted, unless given).")  # fmt: skip
@click.option(
    "--output", "-o", type=click.File("w", encoding="utf-8"), default="-", help="File to write (default stdout)."
)
@click.option(
    "--package", type=click.Path(path_type=Path, file_okay=False),
    help="Instead: write a corpus package into this new folder (accepted seeds, manifest, WARC files).",
)  # fmt: skip
def export(storage: Path, fmt: str, status: str | None, output, package: Path | None) -> None:
    """Write documents with their metadata as JSON lines or CSV, their
    citations (RIS or CSL JSON), or a corpus package.

    A package (--package DIR) holds the accepted seed files, manifest.jsonl
    (URL, dates, fetch time, WARC file and offset, hashes, score, decision)
    and the WARC files that hold their responses.

    Example: seedcrawl export --format csv --status accepted -o accepted.csv;
    seedcrawl export --format ris -o corpus.ris
    """
    if package is not None:
        from ..package import write_package

        if package.exists():
            raise click.UsageError(f"{package} exists; a package is written into a new folder")
        review = open_review(storage)
        texts, warcs = write_package(review.store, review.seeds_dir, package)
        click.echo(f"package written: {package} ({texts} accepted text(s), {warcs} WARC file(s))")
        return
    store = open_review(storage).store
    if fmt in CITATION_FORMATS:
        CITATION_FORMATS[fmt].write((as_reviewed(row) for row in store.documents(status or "accepted")), output)
        return
    rows = (as_reviewed(row) for row in store.documents(status))
    if fmt == "jsonl":
        for row in rows:
            output.write(json.dumps({k: row.get(k) for k in EXPORT_FIELDS}, ensure_ascii=False) + "\n")
    else:
        writer = csv.DictWriter(output, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@cli.command()
@storage_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file to write, in an existing folder (default STORAGE/report.html).")  # fmt: skip
def report(storage: Path, output: Path | None) -> None:
    """Write a static HTML report of the queue and the corpus.

    Example: seedcrawl report -o report.html
    """
    from ..report import write_report

    if output is not None and not output.absolute().parent.is_dir():  # a typo makes no folders (as export)
        raise click.BadParameter(f"{output.parent} is not a folder; create it first", param_hint="'--output'")
    store = open_review(storage).store
    path = write_report(store, output or storage / "report.html")
    click.echo(f"report written: {path}")


@cli.command(short_help="Rank the queue by your decisions: judge it again.")
@storage_option
@seeds_option
@click.option("--misses", is_flag=True, help="Judge the pages judged off topic again too (`seedcrawl misses`).")
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
def rescore(storage: Path, seeds_dir: Path | None, misses: bool, dry_run: bool) -> None:
    """Judge the pending candidates again with the model your decisions made,
    so the queue ranks by what you taught it.

    The crawl scored each candidate when it found it; every accept and reject
    since teaches the model (the next crawl's pages are judged by it). This
    judges the queue now: candidates that look like what you rejected sink,
    ones like what you accepted rise. None leaves the queue; the crawl's own
    verdict is kept beside the new one (`seedcrawl show`).

    With --misses, the pages the crawl judged off topic are judged again too,
    so `seedcrawl misses` ranks them by what you taught (accept one brief
    about a ban, and the other briefs the model missed rise). They stay off
    topic: those the crawl would now queue are counted, for you to requeue.

    Example: seedcrawl rescore; seedcrawl rescore --misses
    """
    from ..rescore import rescore_queue

    review = open_review(storage, seeds_dir, claim=not dry_run)
    store = review.store
    config = storage_sources(storage)
    pending = store.count_pending()
    off_topic = store.count_near_misses() if misses else 0
    empty = "Nothing waiting for review: the queue is empty."
    if not pending and not off_topic:
        click.echo(empty + (" No page judged off topic." if misses else ""))
        return
    decided = [status for _, status in store.decided_identities()]
    result = rescore_queue(store, review.seeds_dir, config, dry_run, counting(pending), misses=misses,
                           misses_progress=counting(off_topic))  # fmt: skip
    would = "would change" if dry_run else "changed"
    below = f"{config.threshold - 0.0001:.4f}"
    taught = (
        f"the model of the seeds and your decisions ({decided.count('accepted')} accepted, "
        f"{decided.count('rejected')} rejected)"
    )
    if pending:
        click.echo(
            f"Judged {result.judged} pending candidate(s) again with {taught}: {result.changed} score(s) "
            f"{would}; {result.fell_below} fell below the threshold {config.threshold:g}, {result.rose_above} rose "
            f"above it." + (" Nothing was written (--dry-run)." if dry_run else "")
        )
    else:
        click.echo(empty)
    if result.fell_below and not dry_run:
        click.echo(
            f"Those below it are at the bottom of the queue: `seedcrawl queue --max-score {below}` lists them, "
            f"`seedcrawl reject --max-score {below}` rejects them."
        )
    if result.misses is not None:
        done = result.misses
        cut = config.queue_cut
        click.echo(
            f"Judged the {done.judged} off-topic page(s) again with {taught}: {done.changed} score(s) {would}; "
            f"{done.rose_above} now reach {cut:g}, where the crawl queues a page (the threshold less the "
            f"borderline band)." + (" Nothing was written (--dry-run)." if dry_run else "")
        )
        if done.rose_above and not dry_run:
            click.echo(
                f"They stay off topic until you decide: `seedcrawl misses --min-score {cut:g}` lists them, "
                f"`seedcrawl review --misses` walks them best first, `seedcrawl requeue --min-score {cut:g}` "
                "queues them all (listed, then asked)."
            )


def counting(total: int) -> Callable[[int], None]:
    """A progress line for a long judgement: every tenth of ``total`` (2,000 and more)."""
    step = max(1, total // 10)

    def progress(done: int) -> None:
        if total >= 2000 and (done % step < 500 or done == total):
            click.echo(f"judged {done} of {total}", err=True)

    return progress


@cli.command()
@storage_option
@seeds_option
@click.option("--since", type=IsoDate(), help="Only pages fetched on or after this date (YYYY-MM-DD).")
@click.option("--run", "run_id", type=click.IntRange(1), help="Only documents of this crawl run.")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
def reextract(storage: Path, seeds_dir: Path | None, since: str | None, run_id: int | None, dry_run: bool) -> None:
    """Extract and judge the archived responses again, without the network.

    Shows texts that changed and verdicts that flipped, and applies them as a
    crawl would (a candidate gets its new text; one now off topic leaves the
    queue; an archived off-topic page now on topic joins it). Accepted,
    rejected and seed texts are never rewritten: their changes are listed.
    Documents stored without a byline (before seedcrawl kept them) get it.

    Example: seedcrawl reextract --since 2026-11-01 --dry-run
    """
    from ..analysis import PageAnalyser
    from ..boilerplate import SiteBoilerplate
    from ..reextract import apply, fill_authors, reread
    from ..refit import corpus_model

    review = open_review(storage, seeds_dir)
    store = review.store
    config = storage_sources(storage)
    rows = store.archived_documents(since, run_id)
    if not rows:
        click.echo("no archived responses to read again (the archive starts with the crawls after it existed)")
        return
    model = corpus_model(review.seeds_dir, store, config.threshold, config.band)
    languages = tuple(config.languages)
    analyser = PageAnalyser(model, None, languages)
    step = max(1, len(rows) // 20)

    def progress(done: int) -> None:
        if done % step == 0 or done == len(rows):
            click.echo(f"read {done} of {len(rows)}", err=True)

    boilerplate = SiteBoilerplate(store.boilerplate_lines())
    try:
        results = reread(storage, rows, analyser, progress, boilerplate)
    finally:
        analyser.close()
    learned = boilerplate.take_new()
    if learned:
        if not dry_run:
            store.add_boilerplate(learned, None)
        lines = sum(map(len, learned.values()))
        shown = "; ".join(
            f"{site}: " + ", ".join(f"“{line}”" for line in sorted(site_lines)[:4])
            for site, site_lines in learned.items()
        )
        click.echo(f"learned {lines} boilerplate line(s) on {len(learned)} site(s): {shown}")
    changes = apply(store, results, languages, dry_run)
    bylines = fill_authors(store, results, dry_run)
    if bylines:
        click.echo(f"found the byline of {bylines} document(s) stored without one"
                   + (" (dry run: none written)" if dry_run else ": `show` and `export` give it now"))  # fmt: skip
    title = f"{len(rows)} archived page(s) read again: {len(changes)} change(s)"
    table = Table(title=title + (" (dry run: nothing changed)" if dry_run else ""), box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("id", "was", "what", "before", "after", "done"):
        table.add_column(column, no_wrap=column != "what")
    table.add_column("title", ratio=1)
    for change in changes:
        done = "yes" if change.applied else ("reported" if change.status in ("accepted", "rejected", "seed") else "no")
        ident = "" if change.queue_seq is None else str(change.queue_seq)
        table.add_row(ident, change.status, change.what, change.before, change.after, done, Text(change.title))
    console.print(table)
