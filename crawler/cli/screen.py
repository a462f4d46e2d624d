"""The decision screen of `seedcrawl review`: one candidate, then one key.

The candidate's text comes first (through the pager when it is longer than
the terminal), then its card, which stays on screen above the prompt: id,
title, site, date, score with its reason, the borderline mark, where it was
found, what it duplicates, and whether it was edited. Everything is
rendered at the terminal's width when it is drawn (a resize between two
candidates is simply used), and wrapped at word boundaries.

Keys arrive through ``KeyReader``: a terminal in raw mode hands over every
byte typed since the last read in one go ("ar" typed quickly, or "r" then
Enter out of habit), so the bytes are kept and handed out one key at a time
instead of being thrown away with the first.
"""

from __future__ import annotations

import sys
import textwrap
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..dates import described as described_date
from ..report import site_line
from ..store.documents import current_title

KEYS = {"a": "accept", "r": "reject", "s": "skip", "e": "edit", "u": "undo", "q": "quit", "?": "help"}
PROMPT = "a accept · r reject · s skip · e edit · u undo · q quit · ? help > "
HELP = """a  accept: copy the text into the seeds folder under the next number (it teaches the model)
r  reject: asks for a reason (Enter: none); the text stays as an example of what you do not want
s  skip: leave it in the queue, on to the next
e  edit in $EDITOR (trim boilerplate, fix the title); accepting writes your version
u  undo the last accept or reject of this session, and show that candidate again
q  quit (Ctrl-C, Ctrl-D too); every decision made so far is kept"""
FOUND = {"seed": "seed page", "feed": "feed", "link": "link on", "search": "news search", "sitemap": "sitemap"}


MISSES_KEYS = {"a": "accept", "p": "put in the queue", "s": "skip", "u": "undo", "q": "quit", "?": "help"}
MISSES_PROMPT = "a accept · p put in the queue · s skip · u undo · q quit · ? help > "
MISSES_HELP = """a  accept: put it in the queue and accept it at once (into the seeds folder; it teaches the model)
p  put it in the review queue, to decide on later as any candidate
s  skip: leave it off topic, on to the next
u  undo the last accept or put of this walk (it is off topic again), and show that page again
q  quit (Ctrl-C, Ctrl-D too); every decision made so far is kept"""


def card(
    row: dict[str, Any], copies: Iterable[dict[str, Any]], position: int, total: int, named: str = "candidate"
) -> Table:
    """The candidate's card (``named``: what it is, "off topic" for a page
    the crawl did not queue): what a reviewer decides on, beside its text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True, justify="right")
    grid.add_column(overflow="fold")
    score = f"{row['score']:.3f}" if row.get("score") is not None else "-"
    if row.get("crawl_score") is not None:
        score += f" ({row['crawl_score']:.3f} when crawled)"
    if row.get("borderline"):
        score += "  BORDERLINE: a weak verdict, near the threshold"
    found = FOUND.get(row.get("found_via") or "", row.get("found_via") or "")
    grid.add_row(named, Text(f"{ident(row)}  ({position} of {total})"))
    grid.add_row("title", Text(current_title(row)))
    grid.add_row("site", Text(site_line(row)))
    if row.get("date_flag"):
        grid.add_row("date", Text(described_date(row)))
    grid.add_row("url", Text(row.get("url") or ""))
    grid.add_row("score", Text(score))
    grid.add_row("reason", Text(row.get("reason") or ""))
    grid.add_row("found", Text(f"{found} {row.get('found_on') or ''}".strip()))
    if row.get("source") and row.get("source") != row.get("found_on"):
        grid.add_row("source", Text(row["source"]))
    for place in copies:
        grid.add_row("also at", Text(f"{place['url']} ({place['kind']} copy, {place['similarity']:.2f})"))
    if row.get("edited_text"):
        grid.add_row("edited", Text("yes: accept writes your edited text"))
    return grid


def wrap_text(text: str, width: int) -> str:
    """Paragraphs wrapped at word boundaries to ``width`` columns."""
    width = max(20, width)
    return "\n".join(
        textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) for line in text.split("\n")
    )


# A page the crawl did not queue has no queue number: it is named by this much of its hash.
HASH_ID_DIGITS = 8


def ident(row: dict[str, Any]) -> str:
    """#12 for a candidate; the start of its hash for a page never queued."""
    never_queued = row.get("queue_seq") is None or row.get("status") == "offtopic"
    return row["hash"][:HASH_ID_DIGITS] if never_queued else f"#{row['queue_seq']}"


def label(row: dict[str, Any], width: int = 40) -> str:
    """#12 “Title shortened…”: how a confirmation names a candidate."""
    return f"{ident(row)} “{textwrap.shorten(current_title(row), width, placeholder='…')}”"


def show_candidate(console: Console, row: dict[str, Any], copies: list[dict[str, Any]], position: int, total: int,
                   text: str, named: str = "candidate") -> None:  # fmt: skip
    """The text (paged when it is taller than the terminal), then the card."""
    width, height = console.size
    body = wrap_text(text, min(width, 100))
    if console.is_terminal and body.count("\n") + 12 > height:
        click.echo_via_pager(f"{ident(row)}  {current_title(row)}\n\n{body}\n")
    else:
        console.rule(ident(row))
        console.print(escape(body), highlight=False)
    console.rule()
    console.print(card(row, copies, position, total, named))


class KeyReader:
    """Keys one at a time from a source that may hand over several at once.

    ``read`` returns what was typed since the last call (click.getchar on a
    terminal). A newline right after a key is that key's Enter, not a key;
    ``late_enter`` (on a terminal) takes an Enter that comes a moment after
    the key, so "r" then Enter does not answer the reason prompt with nothing.
    """

    def __init__(
        self, read: Callable[[], str], late_enter: Callable[[], bool] = lambda: False, keys: Iterable[str] = KEYS
    ) -> None:
        self.read = read
        self.late_enter = late_enter
        self.keys = frozenset(keys)  # the walk's keys; others are passed over
        self.pending: deque[str] = deque()

    def key(self) -> str:
        while True:
            while not self.pending:
                self.pending.extend(self.read())
            key = self.pending.popleft().lower()
            entered = False
            while self.pending and self.pending[0] in "\r\n":
                self.pending.popleft()  # the Enter typed after it
                entered = True
            if key in self.keys:
                if key == "r" and not entered and not self.pending:
                    self.late_enter()
                return key
            if key in ("\x03", "\x04"):  # Ctrl-C, Ctrl-D in raw mode
                return "q"

    def line(self, prompt: str) -> str:
        """A line of text (a reason); what was typed ahead of the prompt starts it."""
        typed = "".join(self.pending)
        self.pending.clear()
        if "\r" in typed or "\n" in typed:
            first, _, rest = typed.replace("\r", "\n").partition("\n")
            self.pending.extend(rest)
            return first.strip()
        answer = click.prompt(prompt + (f" {typed}" if typed else ""), default="", show_default=False)
        return (typed + answer).strip()


def terminal_reader(keys: Iterable[str] = KEYS) -> KeyReader:
    """Single key presses on a terminal; one line per key otherwise (scripts, tests)."""
    if sys.stdin.isatty():
        return KeyReader(click.getchar, late_enter=_late_enter, keys=keys)
    return KeyReader(lambda: (sys.stdin.readline() or "q\n").strip()[:1] or "s", keys=keys)


def _late_enter(wait: float = 0.3) -> bool:
    """Read an Enter pressed within ``wait`` seconds (a line on its own in the
    terminal's cooked mode); anything else typed stays for the prompt."""
    import os
    import select
    import termios

    fd = sys.stdin.fileno()
    ready, _, _ = select.select([fd], [], [], wait)
    if not ready:
        return False
    waiting = bytearray(4)
    try:
        import fcntl

        fcntl.ioctl(fd, termios.FIONREAD, waiting)
    except OSError:
        return False
    if int.from_bytes(waiting, sys.byteorder) == 1:
        return os.read(fd, 1) in (b"\n", b"\r")
    return False
