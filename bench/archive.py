"""Disk cost of the raw archive: MB of WARC per 1,000 real article pages.

Usage: .venv/bin/python bench/archive.py [--shared ../shared/data]

Writes every page of the article-extraction benchmark (real news pages as
their sites served them) through crawler.archive.WarcArchive, with the
response headers a news site typically sends, and prints the bytes per page
and per 1,000 pages (gzip per record, as the crawl writes them), with the
raw HTML's size beside it. Median of 3 runs of the write time, too.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.archive import WARC_DIR, Fetched, WarcArchive  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    pages = []
    for path in sorted((args.shared / "aeb" / "html").iterdir()):
        data = path.read_bytes()
        pages.append(gzip.decompress(data) if path.suffix == ".gz" else data)
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "max-age=60"), ("Server", "nginx")]
    sizes, seconds = [], []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            archive = WarcArchive(Path(folder), run_id=1)
            started = time.perf_counter()
            for number, body in enumerate(pages):
                archive.write(Fetched(f"https://news.example/{number}", 200, headers, body))
            archive.close()
            seconds.append(time.perf_counter() - started)
            sizes.append(sum(p.stat().st_size for p in (Path(folder) / WARC_DIR).iterdir()))
    raw = sum(len(p) for p in pages)
    size = statistics.median(sizes)
    print(f"{len(pages)} real article pages, {raw / len(pages) / 1024:.0f} KB of HTML each on average")
    print(f"archive: {size / len(pages) / 1024:.1f} KB a page, {size / len(pages) * 1000 / 1e6:.0f} MB per 1,000 pages")
    print(f"writing: {statistics.median(seconds) / len(pages) * 1000:.2f} ms a page (median of 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
