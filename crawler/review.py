"""Review decisions: a person turns queued candidates into seeds, or rejects them.

Every decision is one SQLite write transaction begun with BEGIN IMMEDIATE,
so two reviewers (or a reviewer and a running crawl) take turns instead of
interleaving: a seed number is chosen and its file written while the lock
is held, and no two accepts can pick the same number.

Crash safety, in the order things happen on accept: the row is updated and
the decision logged, the seed file is written atomically, the transaction
commits, the queue file is removed. A crash before the commit can leave a
seed file whose row is still pending: ``reconcile`` (run before every
command, in a transaction of its own, so a decision that then fails cannot
roll the repair back) finds it by its content hash and completes the
accept, so no decision is lost and seeds/ never holds a file the database
does not know. A crash after the commit can leave a stale queue file, which
is removed (only if it still holds the stored text). Undo commits first and
removes the seed file after; a crash in between leaves a seed file whose
last decision is that undo, and ``reconcile`` finishes it.

Many decisions in a row (``batch``: accept or reject by the queue's filters)
reconcile once, before the first: on a year's seeds and queue the full check
costs 80 ms a decision. Inside the batch each decision still looks for what
a crash elsewhere may have left of *its* candidate (a seed file with its
hash, a cut-off write in seeds/): before its write lock, and then it
reconciles first. The first decision after a full check (``open_review``
makes one: the one decision of `seedcrawl reject 12` or `undo 12`, of a
browser request that decides; a page the browser only shows makes none)
is checked the same way; later ones in a long session (`seedcrawl
review`) get the full check again. Whichever look came
before, every decision looks again inside its lock, where it refuses (the
repair must commit on its own): a crash can land between any look and the
lock. So no decision is made on a candidate whose interrupted accept would
then leave a second copy in seeds/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .dedup import shingle_sample
from .seedfile import (
    SEED_NAME,
    SeedFile,
    add_seed_file,
    content_hash,
    file_name,
    format_document,
    has_temp_files,
    held_texts,
    is_temp_name,
    names_in,
    new_seed_name,
    next_sequence,
    read_seed,
    remove_stale_temp_files,
    seed_files,
    seed_names,
    write_seed,
)
from .store import Document, Store, now
from .store.documents import current_text, current_title

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
OFFTOPIC = "offtopic"
# What holds a text the reviewer has already seen: a candidate, or a seed.
KNOWN = (PENDING, ACCEPTED, REJECTED, "seed")
# Documents an id can name that were never candidates, and what they are.
NOT_CANDIDATES = {
    "seed": "it is a seed text (change or remove it in the seeds folder)",
    "offtopic": "the crawl judged it off topic (`seedcrawl requeue` puts it in the queue)",
    "language": "it is in a language the crawl does not queue",
    "replaced": "a newer extraction of the same page replaced it",
}


class ReviewError(ValueError):
    """A decision that cannot be made; the message is one line saying why."""


@dataclass(frozen=True)
class Edit:
    doc_hash: str
    version: int
    text_hash: str
    changed: bool


def normalise_edit(text: str) -> str:
    """An edited text in the seed format: the first non-blank line is the
    title, every other non-blank line a paragraph. Raises ReviewError."""
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if len(lines) < 2:
        raise ReviewError("the edit needs a title line and at least one paragraph")
    return format_document(lines[0], lines[1:])


@dataclass(frozen=True)
class Added:
    """A document added to the seeds: its file, and the stored text it nearly repeats."""

    seed_file: str
    near: str | None


@dataclass(frozen=True)
class Decision:
    doc_hash: str
    action: str
    queue_file: str | None
    seed_file: str | None


class Review:
    """Decisions on the candidates of one storage folder, into one seeds folder."""

    def __init__(self, store: Store, seeds_dir: Path) -> None:
        self.store = store
        self.seeds_dir = Path(seeds_dir)
        self._in_batch = False
        # A full check has been made and no decision since: the next decision
        # needs only its own candidate's check, as in a batch.
        self._just_checked = False

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many decisions in a row: reconciled once before them (see the module)."""
        self.reconcile()
        self._in_batch = True
        try:
            yield
        finally:
            self._in_batch = False

    # -- finding candidates -------------------------------------------------------

    def resolve(self, ident: str, unknown: str = "candidate {} (see `seedcrawl queue`)") -> dict[str, Any]:
        """A document by queue number (12 or 012), queue or seed file name, or
        hash prefix; ``unknown`` names what was sought, and where it is listed."""
        ident = ident.strip()
        name = SEED_NAME.match(Path(ident).name)
        if name:
            rows = self.store.documents_by_file_name(Path(ident).name)
        elif ident.isdigit():
            rows = self.store.documents_by_queue_number(int(ident))
        elif re.fullmatch(r"[0-9a-f]{6,64}", ident):
            rows = self.store.documents_by_hash_prefix(ident)
        else:
            raise ReviewError(f"{ident!r} is not a candidate id (use the queue number, file name or hash)")
        if not rows:
            raise ReviewError(f"no {unknown.format(ident)}")
        if len(rows) > 1:
            raise ReviewError(f"{ident} matches {len(rows)} documents; give more of the hash")
        return rows[0]

    def distinct(self, idents: Iterable[str]) -> list[str]:
        """The ids that name different candidates, in their order: one named
        twice (3 3, or 3 and 003) is decided once; an id that names none is
        kept, to be refused in its turn."""
        seen: set[str] = set()
        kept = []
        for ident in idents:
            try:
                digest = self.resolve(ident)["hash"]
            except ReviewError:
                digest = None
            if digest is not None:
                if digest in seen:
                    continue
                seen.add(digest)
            kept.append(ident)
        return kept

    def candidate(self, ident: str) -> dict[str, Any]:
        """A candidate (pending or decided); ReviewError for a document an id
        can name that never was one (a seed by its file name or hash, an
        off-topic page by its hash): there is nothing to decide or undo."""
        row = self.resolve(ident)
        if row["status"] in NOT_CANDIDATES:
            raise ReviewError(f"{ident} is not a candidate: {NOT_CANDIDATES[row['status']]}")
        return row

    def pending(self, ident: str) -> dict[str, Any]:
        """The candidate, if it can be decided or edited now; else ReviewError
        saying why (asked before an editor opens, and again under the lock)."""
        row = self.candidate(ident)
        if self._left_behind(row):  # since reconcile(ident) looked, however it looked
            raise ReviewError(
                f"candidate {ident}: a decision on it elsewhere was cut off just now; decide it again "
                "(the next command completes that one first)"
            )
        if row["status"] != PENDING:
            when = f" on {row['decided_at']}" if row.get("decided_at") else ""
            raise ReviewError(f"candidate {ident} is already {row['status']}{when}; `seedcrawl undo {ident}` first")
        return row

    # -- decisions -------------------------------------------------------------------

    def accept(self, ident: str) -> Decision:
        """Copy the candidate into seeds/ under the next free number."""
        self.reconcile(ident)
        written: Path | None = None
        with self.store.write():
            row = self.pending(ident)
            queue_path = self.store.queue_dir / row["queue_file"]
            text = self._queue_text(row, queue_path)
            name = file_name(next_sequence(self.seeds_dir), content_hash(text))
            self.store.set_decision(row["hash"], ACCEPTED, seed_file=name, decided_at=now())
            self.store.log_decision(row, "accept", None, name)
            written = self.seeds_dir / name
            try:
                write_seed(written, text)
                self.store.wrote(written)  # gone again if the commit fails
            except BaseException:
                written.unlink(missing_ok=True)
                raise
        queue_path.unlink(missing_ok=True)
        return Decision(row["hash"], "accept", row["queue_file"], name)

    def add(self, text: str, origin: str, url: str | None = None, held: dict[str, str] | None = None) -> Added:
        """A document of the reviewer's own (a file, a saved page) written
        into seeds/ under the next free number, as an accept writes one
        (inside the write lock: no accept picks the same number), recorded
        as a seed so the crawl never queues a copy of it, and logged (an
        `add` decision: who, when, from where), with the web address it came
        from when known (a saved page's). A text the queue or the corpus has
        is refused, saying where; a near copy of one is added, and named
        (the same story from another site, or updated). ``held``: what
        ``unregistered_texts`` gave, for a command that adds several (kept up
        to date here); read now if not given."""
        digest = content_hash(text)
        with self.store.write():
            row, near = self._stored_like(text)
            name = add_seed_file(self.seeds_dir, text, self.unregistered_texts() if held is None else held)
            path = self.seeds_dir / name
            self.store.wrote(path)  # gone again if the commit fails
            if row is None:
                seed = Document.from_seed(SeedFile(text), path)
                self.store.register_seed(replace(seed, url=url, canonical_url=url) if url else seed, name)
            else:  # the crawl judged the page off topic (or in another language): the reviewer says otherwise
                self.store.set_decision(row["hash"], "seed", seed_file=name, decided_at=now())
            logged = row["hash"] if row is not None else digest
            self.store.log_decision({"hash": logged, "queue_file": None}, "add", f"from {origin}", name)
        return Added(name, near)

    def would_add(self, text: str, held: dict[str, str], taken: int) -> Added:
        """What ``add`` would do with a text, changing nothing (`add --dry-run`):
        ``taken`` texts before it would have been added, ``held`` holds them too."""
        _, near = self._stored_like(text)
        return Added(new_seed_name(self.seeds_dir, text, held, taken), near)

    def _stored_like(self, text: str) -> tuple[dict[str, Any] | None, str | None]:
        """The stored row of this very text (one the crawl judged off topic,
        say), and the seed or candidate it nearly repeats, said; ReviewError
        when the queue or the corpus holds it."""
        digest = content_hash(text)
        owner = self.store.text_owner(digest)
        row = self.resolve(owner) if owner is not None else None
        if row is not None and row["status"] in KNOWN:
            raise ReviewError(_held(row))
        near = self.store.find_duplicate(digest, frozenset(shingle_sample(text))) if row is None else None
        copied = self.resolve(near.digest) if near is not None else None
        if near is None or copied is None or copied["status"] not in KNOWN:
            return row, None
        return row, f"a near copy ({near.similarity:.2f}) of {_named(copied)}"

    def reject(self, ident: str, reason: str | None = None) -> Decision:
        """Mark the candidate rejected (its text stays as a negative example)."""
        self.reconcile(ident)
        with self.store.write():
            row = self.pending(ident)
            queue_path = self.store.queue_dir / row["queue_file"]
            self._queue_text(row, queue_path)  # a hand edit is kept as a version before the file goes
            self.store.set_decision(row["hash"], REJECTED, decided_at=now(), decision_reason=reason)
            self.store.log_decision(row, "reject", reason, None)
        queue_path.unlink(missing_ok=True)
        return Decision(row["hash"], "reject", row["queue_file"], None)

    def requeue(self, ident: str) -> Decision:
        """Put a page the crawl judged off topic into the queue: the reviewer
        overrules the model (a near miss), and accepting it then teaches the
        model the words it missed. Its score and reason stay the crawl's."""
        with self.store.write():
            row = self.resolve(ident, "off-topic page {} (see `seedcrawl misses`)")
            if row["status"] != OFFTOPIC:
                named = f"“{current_title(row)}”" if ident == row["hash"] else ident  # a batch names pages by hash
                raise ReviewError(f"{named} was not judged off topic: {self._standing(row)}")
            path = self.store.rejudge(row["hash"], PENDING, row["score"], row["reason"], bool(row["borderline"]))
            assert path is not None
            row |= {"queue_file": path.name}
            self.store.log_decision(row, "requeue", f"off topic at {row['score']:.3f}", None)
        return Decision(row["hash"], "requeue", path.name, None)

    @staticmethod
    def _standing(row: dict[str, Any]) -> str:
        """Where a document stands, in words (for a refused requeue)."""
        if row["status"] == PENDING:
            return f"it is in the queue as {row['queue_seq']}"
        if row["status"] in (ACCEPTED, REJECTED):
            return f"it is {row['status']} (candidate {row['queue_seq']})"
        return NOT_CANDIDATES.get(row["status"], f"it is {row['status']}")

    def each(self, idents: Iterable[str], decide: Callable[[str], Any]) -> Iterator[tuple[str, Any]]:
        """``decide`` on each candidate in turn (each its own transaction;
        several in one ``batch``): each id with what ``decide`` returned, or
        the ReviewError that refused it (decided elsewhere meanwhile, say)."""
        idents = list(idents)
        with self.batch() if len(idents) > 1 else nullcontext():  # one decision: no look of its own to add
            for ident in idents:
                try:
                    outcome = decide(ident)
                except ReviewError as exc:
                    outcome = exc
                yield ident, outcome

    def newest_first(self, idents: Iterable[str]) -> list[str]:
        """Candidates in the order undo takes them back: newest standing
        decision first, so each accepted file is the newest seed when undone."""

        def number(ident: str) -> int:
            last = self.store.last_decision(self.resolve(ident)["hash"])
            return int(last["id"]) if last else 0

        return sorted(idents, key=number, reverse=True)

    def undo(self, ident: str) -> Decision:
        """Reverse the last decision on a candidate, if that is still safe. A
        pending candidate the reviewer requeued goes back off topic (after its
        accept or reject was undone too: decisions come back in reverse order)."""
        self.reconcile(ident)  # right after a full check, only this candidate is looked at (decided: nothing to find)
        with self.store.write():
            row = self.candidate(ident)  # a seed (one added by `seedcrawl add` too) is not one
            last = self.store.last_decision(row["hash"])
            requeued = self.store.requeued([row["hash"]]).get(row["hash"])
            if requeued is not None and row["status"] == PENDING:
                last = requeued
                self._unqueue(row, requeued)
            elif last is None or row["status"] not in (ACCEPTED, REJECTED):
                raise ReviewError(f"candidate {ident} has no decision to undo (it is {row['status']})")
            else:
                if last["action"] == "accept":
                    self._check_removable(ident, row)
                self.store.set_decision(row["hash"], PENDING, decided_at=None, decision_reason=None, seed_file=None)
                self.store.mark_undone(last["id"])
                self.store.log_decision(row, "undo", f"undid {last['action']}", last["seed_file"])
                write_seed(self.store.queue_dir / row["queue_file"], current_text(row))
                self.store.wrote(self.store.queue_dir / row["queue_file"])
        if last is requeued:
            # After the commit; a crash before it leaves a queue file with no pending row, which reconcile removes.
            (self.store.queue_dir / row["queue_file"]).unlink(missing_ok=True)
            return Decision(row["hash"], "undo", None, None)
        # After the commit: a crash before this line leaves a seed file whose
        # last decision is this undo, which reconcile() removes.
        if last["action"] == "accept":
            (self.seeds_dir / row["seed_file"]).unlink(missing_ok=True)
        return Decision(row["hash"], "undo", row["queue_file"], last["seed_file"])

    def _unqueue(self, row: dict[str, Any], last: dict[str, Any]) -> None:
        """Inside undo's write: a requeued page back off topic (a hand edit of
        its queue file kept as a version first; the file goes after the commit)."""
        self._queue_text(row, self.store.queue_dir / row["queue_file"])
        self.store.set_decision(row["hash"], OFFTOPIC)
        self.store.mark_undone(last["id"])
        self.store.log_decision(row, "undo", "undid requeue", None)

    def _check_removable(self, ident: str, row: dict[str, Any]) -> None:
        path = self.seeds_dir / (row["seed_file"] or "")
        if not row["seed_file"] or not path.exists():
            raise ReviewError(f"candidate {ident}: its seed file {path} is gone; nothing to take back")
        newest = seed_files(self.seeds_dir)[-1]
        if newest.name != path.name:
            raise ReviewError(
                f"{path} is no longer the newest seed ({newest.name} came after); "
                "undo would leave a gap in the numbering, so it is left in place"
            )
        if read_seed(path).text != current_text(row):
            raise ReviewError(f"{path} was edited by hand since it was accepted; it is left in place")

    def edit(self, ident: str, text: str, via: str = "editor") -> Edit:
        """Keep ``text`` (normalised to the seed format: first line the title,
        each other line a paragraph) as the candidate's newest version; the
        crawled text stays beside it. Accepting writes the newest version."""
        self.reconcile(ident)
        with self.store.write():
            row = self.pending(ident)
            edited = normalise_edit(text)
            if edited == current_text(row):
                return Edit(row["hash"], 0, content_hash(edited), changed=False)
            version = self._record_edit(row, edited, via)
        return Edit(row["hash"], version, content_hash(edited), changed=True)

    def _record_edit(self, row: dict[str, Any], text: str, via: str) -> int:
        """Inside a write: the version recorded, and the queue file rewritten to it."""
        version = self.store.record_edit(row, text, content_hash(text), via)
        row["edited_text"], row["edited_hash"] = text, content_hash(text)
        path = self.store.queue_dir / row["queue_file"]
        write_seed(path, text)
        self.store.wrote(path)
        return version

    def _queue_text(self, row: dict[str, Any], queue_path: Path) -> str:
        """The text a decision takes: the queue file's, which a person may have
        edited by hand; such an edit is kept as a new version, never lost."""
        stored = current_text(row)
        if not queue_path.exists():
            return stored  # the database has it; the file is only a copy
        text = queue_path.read_bytes().decode("utf-8", "replace")
        if text == stored:
            return text
        try:
            edited = normalise_edit(text)
        except ReviewError as exc:
            raise ReviewError(
                f"{queue_path} was edited by hand and is not a seed text ({exc}); fix it and retry"
            ) from None
        if edited != stored:
            self._record_edit(row, edited, "queue file")
        return edited

    # -- recovery ------------------------------------------------------------------

    def reconcile(self, ident: str | None = None) -> list[str]:
        """Finish what a crash interrupted (accepts and undos), and drop the
        queue files of decided candidates, in a transaction of its own.
        Reads first and takes the write lock only when there is work. In a
        batch, and for the first decision after a full check, only when a
        crash left something of the candidate ``ident`` about to be decided."""
        just_checked, self._just_checked = self._just_checked, False
        full = ident is None and not self._in_batch  # before anything is decided: a full check
        if ident is not None and (self._in_batch or just_checked):
            if not self._left_behind(self.resolve(ident)):
                return []
        elif self._in_batch or not self._needs_reconcile():
            self._just_checked = full
            return []
        with self.store.write():
            fixed = self._reconcile()
        self._just_checked = full
        return fixed

    def _left_behind(self, row: dict[str, Any]) -> bool:
        """Whether seeds/ holds what a crash elsewhere left of this candidate:
        a seed file named with its text's hash, as crawled or edited (an
        interrupted accept or undo), or a cut-off write (one directory read)."""
        if row["status"] != PENDING:
            return False
        named = tuple(f"_{digest[:16]}.txt" for digest in (row["hash"], row.get("edited_hash")) if digest)
        return any(is_temp_name(name) or name.endswith(named) for name in names_in(self.seeds_dir))

    def _needs_reconcile(self) -> bool:
        if has_temp_files(self.seeds_dir) or has_temp_files(self.store.queue_dir):
            return True
        if any(self._unknown_seed_files()):
            return True
        return any(self._leftover_queue_files())

    def _unknown_seed_files(self) -> Iterator[Path]:
        """Seed files the database does not know whose name carries a pending
        candidate's hash: what an interrupted accept or undo leaves. Other
        files (seeds added by hand, even unreadable ones) are not read here."""
        names = seed_names(self.seeds_dir)
        known = self.store.known_seed_files(names)
        for name in names:
            if name in known:
                continue
            prefix = SEED_NAME.match(name)["hash"]  # type: ignore[index]
            if self.store.pending_with_hash_prefix(prefix):
                yield self.seeds_dir / name

    def unregistered_texts(self) -> dict[str, str]:
        """Text hash -> name of the seed files the database does not know: a
        seed put in the folder by hand since the last crawl registered the
        others, under a name that need not carry its text's hash (and in
        the layout its editor gave it: read as `add` reads a plain text).
        Read once for several adds (``add``'s ``held``)."""
        names = seed_names(self.seeds_dir)
        known = self.store.known_seed_files(names)
        return held_texts(self.seeds_dir, [name for name in names if name not in known])

    def _leftover_queue_files(self) -> Iterator[Path]:
        """Queue files of decided candidates that still hold the stored text
        (a file edited by hand is somebody's work, and stays)."""
        present = seed_names(self.store.queue_dir)  # queue files have the seed format
        for row in self.store.decided_queue_files(present):
            path = self.store.queue_dir / row["queue_file"]
            if path.exists() and content_hash(path.read_bytes().decode("utf-8", "replace")) in (
                row["hash"],
                row.get("edited_hash"),
            ):
                yield path

    def _reconcile(self) -> list[str]:
        """reconcile() inside the write lock: no other decision is in flight, so
        a temp file or an unknown seed file can only be a crashed one's."""
        fixed = []
        remove_stale_temp_files(self.seeds_dir)
        # A crawl writes its queue files holding the same lock: none is in flight.
        remove_stale_temp_files(self.store.queue_dir)
        for path in list(self._unknown_seed_files()):
            digest = content_hash(read_seed(path).text)
            pending = self.store.pending_with_text(digest)
            if pending is None or not path.name.split("_", 1)[1].startswith(digest[:16]):
                continue  # a seed added by hand: not ours to judge
            last = self.store.last_decision(pending["hash"])
            if last is not None and last["action"] == "undo" and last["seed_file"] == path.name:
                path.unlink()  # an undo committed before its seed file was removed
            else:
                self.store.set_decision(pending["hash"], ACCEPTED, seed_file=path.name, decided_at=now())
                self.store.log_decision(pending, "accept", "completed after an interrupted accept", path.name)
                (self.store.queue_dir / pending["queue_file"]).unlink(missing_ok=True)
            fixed.append(path.name)
        for path in list(self._leftover_queue_files()):
            path.unlink(missing_ok=True)
        return fixed


def _held(row: dict[str, Any]) -> str:
    """Where the corpus or the queue already holds a text someone adds."""
    number = row["queue_seq"]
    if row["status"] == PENDING:
        return f"it is candidate {number} in the queue: `seedcrawl accept {number}` makes it a seed"
    if row["status"] == REJECTED:
        return f"you rejected it as candidate {number}: `seedcrawl undo {number}`, then `seedcrawl accept {number}`"
    return f"already a seed: {row['seed_file']}"


def _named(row: dict[str, Any]) -> str:
    """A seed or a candidate that an added text nearly repeats, and what to do."""
    if row["status"] in ("seed", ACCEPTED):
        return f"the seed {row['seed_file']}: delete one of the two files if they are the same story"
    number = row["queue_seq"]
    if row["status"] == PENDING:
        return f"candidate {number} in the queue: `seedcrawl reject {number}` if it is the same story"
    return f"candidate {number}, which you rejected"
