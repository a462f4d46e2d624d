"""Options and argument types shared by the commands (storage is opened
through crawler.workspace, as the browser page opens it)."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ..dates import PARTIAL_DATE_HINT, is_partial_date
from ..seedfile import read_regular_file
from ..store import QueueFilters

# Texts given to `score` and `dups` larger than this are refused (an article
# is tens of kilobytes; /dev/zero is endless).
MAX_TEXT_BYTES = 10_000_000


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


def sources_option(command):
    return click.option(
        "--sources", type=click.Path(path_type=Path), default=None,
        help="Sources file (default: the one the storage folder was made with, else seeds/sources.toml).",
    )(command)  # fmt: skip


def queue_filters(command):
    """The queue's filters, shared by `queue`, `review`, `accept` and
    `reject` (and so named alike in all): the command gets them as one
    ``filters`` argument (a store.QueueFilters)."""
    options = [
        click.option("--min-score", type=float, help="Only candidates scoring at least this."),
        click.option("--max-score", type=float, help="Only candidates scoring at most this."),
        click.option("--since", type=IsoDate(), help="Published on or after this date (YYYY-MM-DD)."),
        click.option("--until", type=IsoDate(), help="Published on or before this date (YYYY-MM-DD)."),
        click.option("--site", help="Only sites whose name or URL contains this."),
        click.option("--lang", help="Only this language code."),
        click.option("--search", "words", help="Only candidates whose title or text matches (as `seedcrawl search`)."),
    ]

    @functools.wraps(command)
    def with_filters(*args, min_score, max_score, since, until, site, lang, words, **kwargs):
        filters = QueueFilters(min_score, max_score, since, until, site, lang, words)
        return command(*args, filters=filters, **kwargs)

    for option in reversed(options):
        with_filters = option(with_filters)
    return with_filters


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


class IsoDate(click.ParamType):
    """YYYY-MM-DD (or YYYY-MM, YYYY): publication dates are stored that way."""

    name = "date"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if is_partial_date(text):
            return text
        self.fail(f"{value!r} is not {PARTIAL_DATE_HINT}", param, ctx)
