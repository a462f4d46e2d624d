"""Review commands: the queue, one candidate, and the decisions on it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..report import site_name
from ..sources import load_sources
from ..store import Store
from .group import cli, console
from .options import IsoDate, open_review, recorded_sources, seeds_option, storage_option


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
        click.echo(f"accepted {ident}: {review.seeds_dir / (decision.seed_file or '')}")


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
            click.echo(f"accepted -> {review.seeds_dir / (decision.seed_file or '')}")
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


def show_queue(store: Store) -> None:
    console.print(queue_table(store.pending_candidates()))
