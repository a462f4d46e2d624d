"""The seed format: the single source of truth for corpus files.

A seed file is UTF-8 text: the title on the first line, then the article's
paragraphs, one per line, separated by one blank line, with no trailing
newline. Its name is ``NNN_<16 hex>.txt`` where the hex digits start the
SHA-256 of the *normalised* text, so the same text always gets the same
name, whatever whitespace or Unicode form it arrived in.

Files are written atomically (temp file, fsync, rename) so a crash never
leaves half a file where a reader could see it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SEED_NAME = re.compile(r"^(?P<seq>\d{3,})_(?P<hash>[0-9a-f]{16})\.txt$")
_WHITESPACE = re.compile(r"\s+")
# A news article is tens of kilobytes; a seed of more is a mistake (a log, a
# dump, /dev/zero behind a link) and is refused before it fills memory.
MAX_SEED_BYTES = 10_000_000


class SeedFormatError(ValueError):
    """A file or text that does not follow the seed format."""


def normalise_line(line: str) -> str:
    """One line as it is hashed: NFC, every whitespace run (NBSP too) one space."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", line)).strip()


def normalise_text(text: str) -> str:
    """The text as it is hashed: normalised lines, blank lines dropped.

    Layout (blank lines, CRLF, indentation) and Unicode composition do not
    change what a document *says*, so they must not change its identity.
    """
    lines = (normalise_line(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def content_hash(text: str) -> str:
    """Full SHA-256 hex digest of the normalised text: a document's identity."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def file_name(seq: int, digest: str) -> str:
    """``NNN_<first 16 hex digits>.txt``; NNN has at least three digits."""
    if seq < 0:
        raise SeedFormatError(f"sequence number must be >= 0, got {seq}")
    return f"{seq:03d}_{digest[:16]}.txt"


def format_document(title: str, paragraphs: Iterable[str]) -> str:
    """Render a title and paragraphs in the seed format.

    Each paragraph is folded onto one line (it is one paragraph); empty ones
    are dropped because a blank line is the separator.
    """
    # A byte-order mark (what some editors put before the first line) is not part of the title.
    parts = [unicodedata.normalize("NFC", " ".join(title.lstrip("\ufeff").split()))]
    for paragraph in paragraphs:
        line = unicodedata.normalize("NFC", " ".join(paragraph.split()))
        if line:
            parts.append(line)
    if not parts[0]:
        raise SeedFormatError("a seed document needs a title on its first line")
    return "\n\n".join(parts)


@dataclass(frozen=True)
class SeedFile:
    """A seed-format document as it is on disk (text kept byte for byte)."""

    text: str

    @property
    def title(self) -> str:
        return self.text.split("\n", 1)[0].lstrip("\ufeff").strip()  # a seed saved with a byte-order mark

    @property
    def paragraphs(self) -> list[str]:
        body = self.text.split("\n", 1)[1] if "\n" in self.text else ""
        return [p.strip() for p in body.split("\n\n") if p.strip()]

    @property
    def digest(self) -> str:
        return content_hash(self.text)


def read_seed(path: Path) -> SeedFile:
    """Read a seed file; its text is kept exactly as stored.

    A seed must be a regular file in its folder: a symbolic link (to
    /etc/passwd, say) or a device is refused, not followed.
    """
    data = read_regular_file(path, MAX_SEED_BYTES, SeedFormatError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedFormatError(
            f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}); convert it to UTF-8 or move it out of the folder"
        ) from exc
    return SeedFile(text)


def read_regular_file(path: Path, limit: int, error: type[Exception] = ValueError) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or ``error``
    with one line saying what the path is instead (link, device, too big).

    O_NOFOLLOW refuses a link without reading what it points to, and the
    check is made on the opened file, so nothing can be swapped in between.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise error(f"{path}: is a symbolic link; put a copy of the file there instead") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"{path}: not a regular file (a device, pipe or socket); give a text file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise error(f"{path}: larger than {limit:,} bytes; this is not one article (raise the limit if it is)")
    return data


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that readers see the old file or the new one, never half.

    The temp file lives in the target folder so the rename cannot cross
    file systems; fsync before rename so a power cut cannot leave a renamed
    but empty file; fsync the folder so the rename itself survives. The file
    gets the mode any new file would (0644 under the usual umask), not the
    temp file's private 0600.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _umask() -> int:
    """The process's umask: from /proc where Linux says it (no side effect on
    other threads), else by setting it and putting it back."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_seed(path: Path, seed: SeedFile | str) -> None:
    """Write a seed-format text atomically, exactly as given."""
    text = seed.text if isinstance(seed, SeedFile) else seed
    if "\r" in text:
        raise SeedFormatError(f"{path}: seed text must not contain carriage returns")
    if text.endswith("\n"):
        raise SeedFormatError(f"{path}: seed text must not end with a newline")
    write_atomic(path, text.encode("utf-8"))


def seed_files(folder: Path) -> list[Path]:
    """The seed-format files in a folder, in sequence order."""
    return [Path(folder) / name for name in seed_names(folder)]


def seed_names(folder: Path) -> list[str]:
    """The names of the seed-format files in a folder, in sequence order (one
    directory read, no Path per file: pathlib cost a decision 0.15 s on a
    year's 5,000 seeds)."""
    names = [name for name in names_in(folder) if name.endswith(".txt") and SEED_NAME.match(name)]
    names.sort(key=lambda name: int(SEED_NAME.match(name)["seq"]))  # type: ignore[index]
    return names


def has_temp_files(folder: Path) -> bool:
    """Whether a write in this folder was cut off (its temp file is still there)."""
    return any(is_temp_name(name) for name in names_in(folder))


def is_temp_name(name: str) -> bool:
    """A file being written atomically (renamed to its name when complete)."""
    return name.startswith(".tmp-") and name.endswith(".part")


def names_in(folder: Path) -> list[str]:
    """Every name in a folder, unsorted (one directory read; none if it is missing)."""
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


def read_seeds(folder: Path) -> Iterator[tuple[Path, SeedFile]]:
    """Every seed of a folder, read; a file that vanishes between the listing
    and its reading (a reviewer's undo while a crawl starts) is passed over."""
    for path in seed_files(folder):
        try:
            yield path, read_seed(path)
        except FileNotFoundError:
            continue


def next_sequence(folder: Path) -> int:
    """The next free NNN in a folder: one past the highest, never reused."""
    numbers = [int(SEED_NAME.match(name)["seq"]) for name in seed_names(folder)]  # type: ignore[index]
    return max(numbers, default=-1) + 1


def from_plain_text(text: str) -> str:
    """A plain-text document in the seed format: its first line the title,
    each other line a paragraph, except the lines of a text wrapped at a
    fixed width (an e-mail, pdftotext's output), which are joined into the
    paragraph they wrap. A seed-format text keeps its hash."""
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    if not lines:
        raise SeedFormatError("no text in it")
    paragraphs: list[str] = []
    block: list[str] = []
    for line in [*lines[1:], ""]:
        if line:
            block.append(line)
            continue
        paragraphs.extend([" ".join(block)] if _wrapped(block) else block)
        block = []
    text = format_document(lines[0], paragraphs)
    if "\n" not in text:
        raise SeedFormatError(ONE_LINE)
    return text


ONE_LINE = "one line only: a seed is a title line with the text under it"


# A line that starts an item of a list, which wrapping never makes.
_LIST_ITEM = re.compile(r"^(\d+[.)]|[-*•·])\s")


def _wrapped(block: list[str]) -> bool:
    """Whether consecutive lines are one paragraph wrapped at a width: three
    lines or more, at most 100 columns, each line but the last filling most
    of it and few ending a sentence; not lines of their own (a menu, a list,
    a headline over its lead, one-line paragraphs)."""
    width = max(map(len, block), default=0)
    inner = block[:-1]
    return (
        len(block) > 2
        and 50 <= width <= 100
        and all(len(line) >= 0.75 * width for line in inner)
        and sum(line.endswith((".", "!", "?", ":", '"', "”")) for line in inner) * 2 <= len(inner)
        and not any(_LIST_ITEM.match(line) for line in block)
    )


def add_seed_file(folder: Path, text: str, held: dict[str, str] | None = None) -> str:
    """Write a seed-format text into a seeds folder under the next free
    number, and return its name (the caller holds the lock that keeps two
    writers from choosing the same number); refused as ``new_seed_name``
    refuses. ``held`` is kept up to date."""
    name = new_seed_name(folder, text, held)
    write_seed(Path(folder) / name, text)
    if held is not None:
        held[content_hash(text)] = name
    return name


def new_seed_name(folder: Path, text: str, held: dict[str, str] | None = None, taken: int = 0) -> str:
    """The name a new seed text gets: the next free number (after ``taken``
    more, for a dry run's earlier texts). A text the folder has, by the hash
    its names carry or in ``held`` (``held_texts``), is refused, and so is
    one larger than a seed may be (every crawl would refuse to start on it:
    a long PDF's text, a book)."""
    size = len(text.encode("utf-8"))
    if size > MAX_SEED_BYTES:
        raise SeedFormatError(
            f"its text is {size:,} bytes, more than a seed may hold ({MAX_SEED_BYTES:,}); add it in parts"
        )
    digest = content_hash(text)
    same = [name for name in seed_names(folder) if name.endswith(f"_{digest[:16]}.txt")]
    if held is not None and digest in held:
        same.append(held[digest])
    if same:
        raise SeedFormatError(f"already a seed: {same[0]}")
    return file_name(next_sequence(folder) + taken, digest)


def held_texts(folder: Path, names: Iterable[str] | None = None) -> dict[str, str]:
    """Each seed file's text hash -> its name, each of ``names`` read (every
    seed file by default): what a new corpus's folder holds before a database
    knows it (a seed named by hand need not carry its text's hash; the five
    shipped here do not). A file that cannot be read is left out (the crawl
    says so when it reads the seeds)."""
    held = {}
    for name in seed_names(folder) if names is None else names:
        try:
            held[content_hash(from_plain_text(read_seed(Path(folder) / name).text))] = name  # as `add` reads a text
        except (OSError, SeedFormatError):
            continue
    return held


def stray_texts(folder: Path) -> list[str]:
    """The text files in a seeds folder that are not named as seeds, so
    nothing reads them (documents dropped in by hand), less those whose
    text a seed already holds (added with `seedcrawl add`)."""
    names = sorted(names_in(folder))  # one listing for both: seeds' hashes and the others
    held = {seed["hash"] for seed in map(SEED_NAME.match, names) if seed}
    stray = []
    for name in names:
        if name.startswith(".") or not name.lower().endswith(".txt") or SEED_NAME.match(name):
            continue
        try:
            data = read_regular_file(Path(folder) / name, MAX_SEED_BYTES, SeedFormatError)
            if content_hash(from_plain_text(data.decode("utf-8")))[:16] in held:
                continue
        except (OSError, UnicodeDecodeError, SeedFormatError):
            pass  # unreadable: stray all the same, and `seedcrawl add` will say why
        stray.append(name)
    return stray


def stray_note(folder: Path) -> str | None:
    """One line about the text files in a seeds folder that nothing reads, or None."""
    stray = stray_texts(folder)
    if not stray:
        return None
    named = ", ".join(stray[:3]) + (f" and {len(stray) - 3} more" if len(stray) > 3 else "")
    return (
        f"{folder}: {len(stray)} text file(s) not named as seeds (NNN_<hash>.txt) are not read: {named}; "
        f"`seedcrawl add` adds them in the seed format"
    )


def remove_stale_temp_files(folder: Path) -> int:
    """Delete temp files a crash left behind mid-write; returns how many."""
    removed = 0
    for tmp in Path(folder).glob(".tmp-*.part"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed
