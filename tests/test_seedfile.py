import os
import unicodedata
from pathlib import Path

import pytest

from crawler import seedfile
from crawler.seedfile import (
    SeedFormatError,
    content_hash,
    file_name,
    format_document,
    next_sequence,
    read_seed,
    seed_files,
    write_seed,
)

from .conftest import SEEDS


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_reading_a_seed_and_writing_it_back_gives_the_same_bytes(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.name
    write_seed(copy, read_seed(path))
    assert copy.read_bytes() == path.read_bytes()


def test_hash_ignores_layout_and_unicode_form_but_not_words() -> None:
    text = "Huawei caf\u00e9 security\n\nZTE  responds"
    assert content_hash(text) == content_hash("Huawei cafe\u0301 security\r\n\r\n\r\nZTE responds  ")
    assert content_hash(text) == content_hash("Huawei caf\u00e9\u00a0security\nZTE responds")
    assert content_hash(text) != content_hash("Huawei caf\u00e9 security\n\nZTE replies")


def test_file_name_carries_sequence_and_first_16_hex_of_the_hash() -> None:
    digest = content_hash("Title\n\nBody")
    assert file_name(7, digest) == f"007_{digest[:16]}.txt"
    assert file_name(1234, digest).startswith("1234_")
    with pytest.raises(SeedFormatError):
        file_name(-1, digest)


def test_format_document_is_title_then_paragraphs_separated_by_one_blank_line() -> None:
    text = format_document(" A  title ", ["First\nparagraph.", "", "  Second one. "])
    assert text == "A title\n\nFirst paragraph.\n\nSecond one."
    assert not text.endswith("\n")
    decomposed = format_document("Cafe\u0301", ["x"])
    assert decomposed == unicodedata.normalize("NFC", decomposed)


def test_writer_refuses_text_that_breaks_the_format(tmp_path: Path) -> None:
    with pytest.raises(SeedFormatError):
        write_seed(tmp_path / "000_x.txt", "Title\n\nBody\n")
    with pytest.raises(SeedFormatError):
        write_seed(tmp_path / "000_x.txt", "Title\r\n\r\nBody")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_old_file_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "000_aaaaaaaaaaaaaaaa.txt"
    target.write_bytes(b"old")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        seedfile.write_seed(target, "New title\n\nNew body")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_sequence_continues_after_the_highest_number(seeds_dir: Path) -> None:
    assert [p.name[:3] for p in seed_files(seeds_dir)] == ["000", "001", "002", "003", "004"]
    assert next_sequence(seeds_dir) == 5
    (seeds_dir / "002_7bc420061143006f.txt").unlink()
    assert next_sequence(seeds_dir) == 5  # numbers are never reused
    (seeds_dir / "notes.txt").write_text("not a seed")
    assert next_sequence(seeds_dir) == 5


def test_non_utf8_seed_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "000_0000000000000000.txt"
    bad.write_bytes(b"Title\n\ncaf\xe9")
    with pytest.raises(SeedFormatError, match="not UTF-8"):
        read_seed(bad)


def test_written_files_get_the_usual_mode_not_the_temp_files(tmp_path) -> None:
    """Issue 15: accepted seeds were 0600 while the seeds beside them are 0644."""
    import os
    import stat

    from crawler.seedfile import write_seed as write

    previous = os.umask(0o022)
    try:
        write(tmp_path / "005_0000000000000000.txt", "Title\n\nText.")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "005_0000000000000000.txt").stat().st_mode) == 0o644


def test_a_text_larger_than_a_seed_may_be_is_not_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long PDF's text was written, and every crawl then refused its seeds folder."""
    monkeypatch.setattr(seedfile, "MAX_SEED_BYTES", 1_000)
    with pytest.raises(SeedFormatError, match=r"its text is 1,223 bytes, more than a seed may hold \(1,000\)"):
        seedfile.add_seed_file(tmp_path, "A long report\n\n" + "Huawei and ZTE. " * 75 + "The end.")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SeedFormatError, match="larger than 1,000 bytes"):
        (tmp_path / "000_0000000000000000.txt").write_text("A long report\n\n" + "x " * 600)
        seedfile.read_seed(tmp_path / "000_0000000000000000.txt")  # what the crawl would have said of it
