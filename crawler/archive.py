"""The raw archive: the bytes a document came from, in WARC files (warcio).

A corpus for research must say where each text came from and must be
rebuildable when the tools improve, without fetching again (pages change
and vanish). Every response the crawl keeps a document for, and every
feed, search and sitemap response, is written to ``storage/warc/`` as a
response record with its request record (WARC-Target-URI, WARC-Date,
payload digest), each record a gzip member of its own, one file per run,
rotated at a size limit. Records are flushed one by one: a crash leaves at
most the last record incomplete, never an earlier one.

The body is stored as Scrapy handed it over (decompressed): a
``Content-Encoding`` header would then lie, so it is kept as
``X-Crawler-Content-Encoding`` (the usual practice of crawlers that archive
decoded bodies), and ``Content-Length`` states the stored length.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WARC_DIR = "warc"
# Rotate a run's file past this size (a crawl of 10,000 pages is ~0.5 GB).
DEFAULT_MAX_BYTES = 1_000_000_000
_RENAMED = {"content-encoding": "X-Crawler-Content-Encoding", "transfer-encoding": "X-Crawler-Transfer-Encoding"}


@dataclass(frozen=True)
class Stored:
    """Where a response record went: file name (in storage/warc/), offset and
    length of its gzip member, and the payload digest warcio computed."""

    file: str
    offset: int
    length: int
    digest: str
    fetched_at: str
    status: int


@dataclass(frozen=True)
class Fetched:
    """A response as the crawl got it, and the request that asked for it."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    method: str = "GET"
    request_headers: tuple[tuple[str, str], ...] = ()


class WarcArchive:
    """One run's WARC files: ``seedcrawl-<run>-<n>.warc.gz``, a new one past ``max_bytes``."""

    def __init__(self, storage: Path, run_id: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = Path(storage) / WARC_DIR
        self.folder.mkdir(exist_ok=True)
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.number = 0
        self.handle: IO[bytes] | None = None
        self.writer: WARCWriter | None = None
        self.name = ""

    def _open(self) -> None:
        while True:  # a run continued by the scheduler keeps its earlier files
            self.number += 1
            self.name = f"seedcrawl-{self.run_id:05d}-{self.number:03d}.warc.gz"
            try:
                # Unbuffered: each record reaches the file as written, and a failed one can be cut off.
                self.handle = open(self.folder / self.name, "xb", buffering=0)  # noqa: SIM115 - closed in close()
                break
            except FileExistsError:
                continue
        self.writer = WARCWriter(self.handle, gzip=True, warc_version="1.1")
        info = self.writer.create_warcinfo_record(
            self.name, {"software": "seedcrawl (warcio)", "format": "WARC File Format 1.1", "run": str(self.run_id)}
        )
        self.writer.write_record(info)

    def write(self, fetched: Fetched) -> Stored:
        """Append the response and its request; where the response went."""
        if self.handle is None or self.handle.tell() >= self.max_bytes:
            self.close()
            self._open()
        assert self.handle is not None and self.writer is not None
        now = datetime.now(UTC)
        warc_date = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = [(_RENAMED.get(k.lower(), k), v) for k, v in fetched.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(fetched.body))))
        http = StatusAndHeaders(f"{fetched.status} {_reason(fetched.status)}", headers, protocol="HTTP/1.1")
        response = self.writer.create_warc_record(
            fetched.url, "response", payload=io.BytesIO(fetched.body), http_headers=http,
            warc_headers_dict={"WARC-Date": warc_date},
        )  # fmt: skip
        offset = self.handle.tell()
        try:
            return self._write_pair(response, fetched, offset, warc_date, now)
        except OSError:
            self._cut(offset)  # no half record stays in the middle of a file
            raise

    def _write_pair(self, response: Any, fetched: Fetched, offset: int, warc_date: str, now: datetime) -> Stored:
        assert self.handle is not None and self.writer is not None
        self.writer.write_record(response)
        length = self.handle.tell() - offset
        path = fetched.url.split("://", 1)[-1].split("/", 1)
        target = "/" + (path[1] if len(path) > 1 else "")
        request_line = StatusAndHeaders(
            f"{fetched.method} {target} HTTP/1.1", list(fetched.request_headers), is_http_request=True
        )
        request = self.writer.create_warc_record(
            fetched.url, "request", payload=io.BytesIO(b""), http_headers=request_line,
            warc_headers_dict={"WARC-Date": warc_date,
                               "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
        )  # fmt: skip
        self.writer.write_record(request)
        self.handle.flush()  # the record is in the file before the database points at it
        digest = response.rec_headers.get_header("WARC-Payload-Digest") or ""
        return Stored(self.name, offset, length, digest, now.isoformat(timespec="seconds"), fetched.status)

    def _cut(self, offset: int) -> None:
        """Drop what a failed write left past ``offset``, and the file: the next
        record starts a new one."""
        try:
            assert self.handle is not None
            self.handle.seek(offset)
            self.handle.truncate()
        except OSError:
            pass  # the disk refuses even that: the incomplete record is the file's last
        self.close()

    def close(self) -> None:
        if self.handle is None:
            return
        try:
            self.handle.close()
        except OSError:
            pass  # a write that failed (a full disk) was said where it failed; its record is the incomplete last one
        self.handle = None
        self.writer = None


@dataclass(frozen=True)
class Record:
    url: str
    date: str
    status_line: str
    headers: list[tuple[str, str]]
    body: bytes


def read_record(storage: Path, file: str, offset: int) -> Record:
    """The response record at ``offset`` of an archive file."""
    with open(Path(storage) / WARC_DIR / file, "rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        http = record.http_headers
        return Record(
            record.rec_headers.get_header("WARC-Target-URI"),
            record.rec_headers.get_header("WARC-Date"),
            f"{http.protocol} {http.statusline}",
            list(http.headers),
            record.content_stream().read(),
        )


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
