"""The raw archive: WARC files that hold what each document came from (issue 17, item 1)."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import sqlite_utils
from click.testing import CliRunner
from pytest_twisted import ensureDeferred
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import WARC_DIR, Fetched, WarcArchive, read_record
from crawler.cli import cli
from crawler.demo import prepare_folder
from crawler.sampleweb import SampleWebServer

from .conftest import SEEDS
from .inprocess import crawl

WARCIO = str(Path(sys.executable).parent / "warcio")


def page(number: int) -> Fetched:
    body = f"<html><body><h1>Story {number}</h1><p>{'text ' * 300}</p></body></html>".encode()
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"), ("Content-Length", "99")]
    return Fetched(f"http://127.0.0.1/story/{number}", 200, headers, body, request_headers=(("Accept", "*/*"),))


def test_records_are_read_back_at_their_offset_and_pass_warcio_check(tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path, run_id=7, max_bytes=2_000)  # small: every few records a new file
    stored = [archive.write(page(n)) for n in range(6)]
    archive.close()
    files = sorted((tmp_path / WARC_DIR).iterdir())
    assert len(files) > 1 and files[0].name == "seedcrawl-00007-001.warc.gz"
    for number, where in enumerate(stored):
        record = read_record(tmp_path, where.file, where.offset)
        assert record.url == f"http://127.0.0.1/story/{number}" and record.status_line == "HTTP/1.1 200 OK"
        assert record.body == page(number).body and where.digest.startswith("sha1:")
        headers = dict(record.headers)
        assert headers["Content-Length"] == str(len(record.body))  # the stored (decoded) length
        assert headers["X-Crawler-Content-Encoding"] == "gzip" and "Content-Encoding" not in headers
    for path in files:
        check = subprocess.run([WARCIO, "check", "-v", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    with open(files[0], "rb") as handle:
        kinds = [r.rec_type for r in ArchiveIterator(handle)]
    assert kinds[0] == "warcinfo" and kinds[1:3] == ["response", "request"]


def test_a_crash_mid_record_spoils_only_that_record(tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path, run_id=1)
    stored = [archive.write(page(n)) for n in range(3)]
    archive.close()
    path = tmp_path / WARC_DIR / stored[0].file
    data = path.read_bytes()
    path.write_bytes(data[: stored[2].offset + stored[2].length // 2])  # killed while writing the third
    for number in (0, 1):
        assert read_record(tmp_path, stored[number].file, stored[number].offset).body == page(number).body
    # Every record before the cut is a whole gzip member.
    assert gzip.decompress(data[stored[1].offset : stored[1].offset + stored[1].length]).startswith(b"WARC/1.1")


def test_the_crawl_archives_every_candidate_and_the_feeds(crawled) -> None:
    db, storage = crawled["db"], crawled["storage"]
    rows = list(db.query("select * from documents where status = 'pending'"))
    assert rows
    for row in rows:
        record = read_record(storage, row["warc_file"], row["warc_offset"])
        assert record.url == row["url"] and row["http_status"] == 200 and row["fetched_at"]
        assert row["title"].split(" ")[0].encode() in record.body
    targets = set()
    for path in (storage / WARC_DIR).iterdir():
        assert subprocess.run([WARCIO, "check", str(path)], capture_output=True).returncode == 0
        with open(path, "rb") as handle:
            targets |= {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(handle)}
    assert any(t.endswith("/feed.xml") for t in targets if t)  # feed responses are archived too


def test_show_prints_where_a_page_was_fetched_and_its_raw_response(crawled) -> None:
    storage = str(crawled["storage"])
    row = next(crawled["db"].query("select * from documents where status = 'pending' limit 1"))
    shown = CliRunner().invoke(cli, ["show", str(row["queue_seq"]), "--storage", storage]).output
    assert f"HTTP 200, {row['payload_digest']}, warc/{row['warc_file']} at {row['warc_offset']}" in " ".join(
        shown.split()
    )
    raw = CliRunner().invoke(cli, ["show", str(row["queue_seq"]), "--raw", "--storage", storage]).output
    assert raw.startswith("HTTP/1.1 200 OK\n") and "<html" in raw.lower()


@ensureDeferred
async def test_off_topic_responses_are_archived_only_with_archive_offtopic(tmp_path: Path) -> None:
    archived = {}
    for flag in (False, True):
        folder = tmp_path / str(flag)
        with SampleWebServer(SEEDS) as web:
            sources = prepare_folder(folder, SEEDS, web, max_pages=15)
            with open(sources, "a", encoding="utf-8") as handle:
                handle.write(f"[archive]\nofftopic = {str(flag).lower()}\n")
            # Without the first pass every off-topic page is extracted and stored as a document.
            assert await crawl(sources, folder / "storage", None, "-s", "SEEDCRAWL_FIRST_PASS=False") == 0
        db = sqlite_utils.Database(folder / "storage" / "corpus.db")
        rows = list(db.query("select status, warc_file from documents where status in ('offtopic', 'pending')"))
        assert {r["status"] for r in rows} == {"offtopic", "pending"}
        archived[flag] = {bool(r["warc_file"]) for r in rows if r["status"] == "offtopic"}
        assert all(r["warc_file"] for r in rows if r["status"] == "pending")
    assert archived == {False: {False}, True: {True}}  # none archived without the flag, all with it


def test_a_failed_write_leaves_no_half_record_and_the_next_one_goes_to_a_new_file(tmp_path: Path) -> None:
    import errno

    import pytest

    archive = WarcArchive(tmp_path, run_id=3)
    first = archive.write(page(0))
    real = archive.writer.write_record

    def disk_full(record, params=None):
        archive.handle.write(b"\x1f\x8b half a member")
        raise OSError(errno.ENOSPC, "No space left on device")

    archive.writer.write_record = disk_full
    with pytest.raises(OSError):
        archive.write(page(1))
    assert real is not None and archive.handle is None  # closed; the next record starts a new file
    second = archive.write(page(2))
    archive.close()
    assert second.file != first.file
    for where in (first, second):
        path = tmp_path / WARC_DIR / where.file
        assert subprocess.run([WARCIO, "check", str(path)], capture_output=True).returncode == 0
    with open(tmp_path / WARC_DIR / first.file, "rb") as handle:
        assert [r.rec_type for r in ArchiveIterator(handle)] == ["warcinfo", "response", "request"]


@ensureDeferred
async def test_a_corpus_package_holds_the_accepted_texts_their_manifest_and_warc_files(tmp_path: Path) -> None:
    """Issue 17, item 5."""
    import json

    with SampleWebServer(SEEDS) as web:
        sources = prepare_folder(tmp_path, SEEDS, web, max_pages=20)
        assert await crawl(sources, tmp_path / "storage", None) == 0
    storage = str(tmp_path / "storage")
    runner = CliRunner()
    edited = runner.invoke(cli, ["edit", "1", "--from", "-", "--storage", storage], input="A title\nA paragraph.\n")
    assert edited.exit_code == 0, edited.output
    assert runner.invoke(cli, ["accept", "0", "1", "--storage", storage]).exit_code == 0
    package = tmp_path / "package"
    result = runner.invoke(cli, ["export", "--package", str(package), "--storage", storage])
    assert result.exit_code == 0 and "2 accepted text(s)" in result.output, result.output
    manifest = [json.loads(line) for line in (package / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(manifest) == 2
    for entry in manifest:
        seed = package / "seeds" / entry["seed_file"]
        assert seed.read_bytes() == (tmp_path / "seeds" / entry["seed_file"]).read_bytes()
        record = read_record(package, entry["warc_file"], entry["warc_offset"])  # the package's own copy
        assert record.url == entry["url"] and entry["payload_digest"].startswith("sha1:")
        assert entry["fetched_at"] and entry["http_status"] == 200 and entry["reviewer"] and entry["decided_at"]
        # the date with the witness that gave it and what every witness said
        assert entry["published"] and entry["date_witnesses"][entry["published_witness"]] == entry["published"]
    assert sum(e["content_hash"] != e["crawled_hash"] for e in manifest) == 1  # the edited one
    for path in (package / WARC_DIR).iterdir():
        assert subprocess.run([WARCIO, "check", str(path)], capture_output=True).returncode == 0
    again = runner.invoke(cli, ["export", "--package", str(package), "--storage", storage])
    assert again.exit_code == 2 and "exists; a package is written into a new folder" in again.output
