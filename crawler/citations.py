"""Citations of stored documents for a reference manager: RIS (Zotero,
Mendeley and EndNote import it), written by rispy, and CSL JSON (Zotero,
pandoc, citeproc). A news article is cited by its title, its site, its
byline, its date, its address, and the day it was fetched (the "accessed"
a citation style prints).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from .report import site_name

# A date as the store keeps it: 2020-07-14, 2020-07, 2020, with a time after it or not.
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def authors(row: dict[str, Any]) -> list[str]:
    """The byline's names (trafilatura joins several with '; ')."""
    return list(dict.fromkeys(name.strip() for name in (row.get("author") or "").split(";") if name.strip()))


def date_parts(value: str | None) -> list[int]:
    """[year, month, day] as far as the date goes; [] for none."""
    found = _DATE.match(value or "")
    return [int(part) for part in found.groups() if part] if found else []


def csl_item(row: dict[str, Any]) -> dict[str, Any]:
    """A document (as the reviewer left it) as a CSL JSON item: a newspaper article."""
    item: dict[str, Any] = {
        "id": row.get("seed_file") or row["hash"][:16],
        "type": "article-newspaper",
        "title": row["title"],
        "container-title": site_name(row) or None,
        "author": [{"literal": name} for name in authors(row)] or None,
        "URL": row.get("canonical_url") or row.get("url") or None,
        "language": row.get("language"),
    }
    accessed = row.get("fetched_at") or row.get("first_seen")
    for field, value in (("issued", row.get("published")), ("accessed", accessed)):
        parts = date_parts(value)
        if parts:
            item[field] = {"date-parts": [parts]}
    return {field: value for field, value in item.items() if value}


def ris_entry(row: dict[str, Any]) -> dict[str, Any]:
    """A document as a RIS record (rispy's field names): type NEWS, T2 the publication."""
    published, accessed = date_parts(row.get("published")), date_parts(row.get("fetched_at") or row.get("first_seen"))
    url = row.get("canonical_url") or row.get("url")
    entry: dict[str, Any] = {
        "type_of_reference": "NEWS",
        "title": row["title"],
        "authors": authors(row),
        "secondary_title": site_name(row),
        "year": str(published[0]) if published else None,
        "date": ris_date(published),
        "urls": [url] if url else [],
        "access_date": ris_date(accessed),
        "language": row.get("language"),
        "id": row.get("seed_file") or row["hash"][:16],
    }
    return {field: value for field, value in entry.items() if value}


def ris_date(parts: list[int]) -> str | None:
    """RIS's date: YYYY/MM/DD/ with the parts it has."""
    if not parts:
        return None
    return "/".join(f"{part:02d}" for part in parts) + "/" * (4 - len(parts))


def write_csl(rows: Iterable[dict[str, Any]], output: TextIO) -> None:
    """The documents as one CSL JSON array."""
    json.dump([csl_item(row) for row in rows], output, ensure_ascii=False, indent=1)
    output.write("\n")


def write_ris(rows: Iterable[dict[str, Any]], output: TextIO) -> None:
    """The documents as RIS records, each from TY to ER (no numbered header line)."""
    import rispy
    from rispy.writer import RisWriter

    class Records(RisWriter):
        def set_header(self, count: int) -> str:
            return ""

    rispy.dump([ris_entry(row) for row in rows], output, implementation=Records)


@dataclass(frozen=True)
class CitationFormat:
    """A citation format: what writes it, and the file it makes (suffix, media type)."""

    write: Callable[[Iterable[dict[str, Any]], TextIO], None]
    suffix: str
    media_type: str


# `seedcrawl export --format`'s citation formats and the browser's downloads (RIS's media type as Zotero and
# EndNote register it).
CITATION_FORMATS = {
    "ris": CitationFormat(write_ris, "ris", "application/x-research-info-systems"),
    "csl": CitationFormat(write_csl, "json", "application/vnd.citationstyles.csl+json"),
}
