"""A corpus package: the accepted texts with where each came from, for citing.

``seedcrawl export --package DIR`` writes:

- ``DIR/seeds/``: the accepted seed files, byte for byte;
- ``DIR/manifest.jsonl``: one JSON object per accepted text (the fields in
  ``MANIFEST_FIELDS``): its seed file, content hash (and the hash of the
  crawled text when the reviewer edited it), URL and canonical URL, title,
  site, published date, fetch time and HTTP status, the WARC file, offset and
  length of its response record with the payload digest, score and reason,
  where it was found, and the reviewer's decision (who, when);
- ``DIR/warc/``: the WARC files that hold those records (whole files, so
  they stay valid WARC and pass ``warcio check``).

A text accepted before the archive existed has no WARC fields (null).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from .archive import WARC_DIR
from .seedfile import content_hash
from .store import Store
from .store.documents import current_text, current_title

MANIFEST_FIELDS = (
    "seed_file", "content_hash", "crawled_hash", "url", "canonical_url", "title", "sitename", "author", "published",
    "published_witness", "date_witnesses", "date_flag", "fetched_at", "http_status", "warc_file", "warc_offset",
    "warc_length", "payload_digest", "score", "reason", "found_via", "found_on", "source", "decided_at", "reviewer",
)  # fmt: skip


def manifest_entry(row: dict[str, Any], reviewer: str | None) -> dict[str, Any]:
    text = current_text(row)
    return {
        **{field: row.get(field) for field in MANIFEST_FIELDS},
        "date_witnesses": json.loads(row["date_witnesses"]) if row.get("date_witnesses") else {},
        "content_hash": content_hash(text),
        "crawled_hash": row["hash"],
        "title": current_title(row),  # as accepted: the seed file's first line
        "reviewer": reviewer,
    }


def write_package(store: Store, seeds_dir: Path, folder: Path) -> tuple[int, int]:
    """Write the package into ``folder`` (which must not exist); (texts, WARC files)."""
    folder.mkdir(parents=True)
    (folder / "seeds").mkdir()
    rows = list(store.documents("accepted"))
    warcs = set()
    with open(folder / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        for row in rows:
            shutil.copy2(seeds_dir / row["seed_file"], folder / "seeds" / row["seed_file"])
            last = store.last_decision(row["hash"])
            reviewer = last["reviewer"] if last else None
            manifest.write(json.dumps(manifest_entry(row, reviewer), ensure_ascii=False) + "\n")
            if row.get("warc_file"):
                warcs.add(row["warc_file"])
    if warcs:
        (folder / WARC_DIR).mkdir()
        for name in sorted(warcs):
            shutil.copy2(store.storage_dir / WARC_DIR / name, folder / WARC_DIR / name)
    return len(rows), len(warcs)
