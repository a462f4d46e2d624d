"""`seedcrawl report`: one static HTML page about the queue and the corpus.

Counts per run, per site, per language and status, the queue best first,
and a bar chart of candidates over publication month. The chart is inline
SVG written here: a dozen rectangles do not justify a plotting library
(matplotlib would add ~40 MB to every install), and the page stays one
file that opens anywhere.
"""

from __future__ import annotations

import html
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .new_words import in_queue, sentence
from .store import Store, now
from .store.documents import current_title

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .7em;text-align:left;border-bottom:1px solid #eee}
th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{background:#f5f7fa;border-radius:6px;padding:.7em 1.2em}
.card b{display:block;font-size:1.6em}small{color:#777}
"""


def site_name(row: dict[str, Any]) -> str:
    """A document's site: its own name for itself, else its URL's host."""
    return row.get("sitename") or urlsplit(row.get("url") or "").hostname or ""


def site_line(row: dict[str, Any], unknown: str | None = "date unknown") -> str:
    """Where, by whom and when a document was published ("Forbes · Zak Doffman ·
    2020-03-06"), as the review card, the browser's and a seed's view say it;
    ``unknown`` stands for a missing date (None: nothing)."""
    return " · ".join(part for part in (site_name(row), row.get("author"), row.get("published") or unknown) if part)


class Link(str):
    """A table cell that links somewhere: its text, escaped, and its address."""

    href: str

    def __new__(cls, text: str, href: str) -> Link:
        cell = super().__new__(cls, text)
        cell.href = href
        return cell


def _cell(value: object) -> str:
    if isinstance(value, Link):
        return f'<td><a href="{html.escape(value.href, quote=True)}">{html.escape(str(value))}</a></td>'
    if isinstance(value, float):  # a score: three decimals, as everywhere else (0.680, not 0.68)
        return f'<td class="n">{value:.3f}</td>'
    if isinstance(value, int):
        return f'<td class="n">{value}</td>'
    return f"<td>{html.escape(str(value or ''))}</td>"


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _text_link(store: Store, row: dict[str, Any], page: Path) -> Link:
    """The title, linking to the candidate's queue file (relative to the page, so the folder can move)."""
    target = store.queue_dir / row["queue_file"]
    return Link(current_title(row) or row["queue_file"], os.path.relpath(target.resolve(), page.resolve().parent))


def month_histogram_svg(months: Counter[str], width: int = 900, height: int = 220) -> str:
    """Bars of candidates per publication month (YYYY-MM), every month shown."""
    if not months:
        return "<p><small>No candidates with a publication date yet.</small></p>"
    first, last = min(months), max(months)
    axis = []
    year, month = map(int, first.split("-"))
    while f"{year:04d}-{month:02d}" <= last:
        axis.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    top = max(months.values())
    left, bottom, plot_h = 40, 30, height - 50
    bar_w = (width - left - 10) / len(axis)
    label_every = -(-len(axis) // 12)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="Candidates per publication month">']  # fmt: skip
    for i, key in enumerate(axis):
        count = months.get(key, 0)
        bar_h = plot_h * count / top
        x = left + i * bar_w
        y = height - bottom - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{bar_h:.1f}" fill="#3b6ea8">'
            f"<title>{key}: {count}</title></rect>"
        )
        if i % label_every == 0:  # about twelve labels at most, so they never overlap
            parts.append(f'<text x="{x:.1f}" y="{height - 12}" font-size="10">{key}</text>')
    parts.append(f'<text x="4" y="{height - bottom - plot_h + 10}" font-size="10">{top}</text>')
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#999"/>')
    parts.append("</svg>")
    return "".join(parts)


def write_report(store: Store, path: Path) -> Path:
    status_counts = store.status_counts()
    pending = store.pending_candidates()
    candidates = store.candidates_seen()
    runs = store.run_summaries(30)
    months: Counter[str] = Counter(r["published"][:7] for r in candidates if r["published"])
    sites = Counter(site_name(r) or "?" for r in candidates)
    languages = Counter(r["language"] or "unknown" for r in candidates)
    total = {r["status"]: r["n"] for r in status_counts}
    cards = "".join(
        f'<div class="card"><b>{total.get(k, 0)}</b>{label}</div>'
        for k, label in (("pending", "waiting for review"), ("accepted", "accepted"), ("rejected", "rejected"),
                         ("seed", "seed texts"), ("offtopic", "judged off topic and kept (seedcrawl misses)"))
    )  # fmt: skip
    queue_table = _table(
        ["id", "score", "borderline", "lang", "published", "site (source page)", "title (stored text)"],
        [
            [r["queue_seq"], r["score"], "borderline" if r.get("borderline") else "", r["language"],
             r["published"], Link(site_name(r) or r["url"], r["url"]), _text_link(store, r, Path(path))]
            for r in pending
        ],
    )  # fmt: skip
    sources_table = _table(
        ["source", "kind", "seen", "read", "on topic", "queued", "accepted", "rejected", "errors", "note"],
        [
            [r["source"], r["kind"], r["entries"], r["fetched"], r["on_topic"], r["queued"], r["accepted"],
             r["rejected"], r["errors"], r["warning"]]
            for r in store.source_yields()
        ],
    )  # fmt: skip
    runs_table = _table(
        ["run", "started", "trigger", "status", "pages", "new", "duplicates", "off topic", "errors"],
        [
            [r["id"], (r["started"] or "")[:16], r["trigger"], r["status"], r["pages"], r["new"], r["duplicates"],
             r["offtopic"], r["errors"]]
            for r in runs
        ],
    )  # fmt: skip
    words, read = in_queue(store)
    vocabulary = ""
    if words:
        said = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(sentence(words, read)))  # the command to run
        vocabulary = f"<p>{said}</p>"
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>seedcrawl report</title><style>{CSS}</style></head><body>
<h1>seedcrawl report</h1><small>{html.escape(str(store.storage_dir))} · written {now()}</small>
<div class="cards">{cards}</div>
<h2>Candidates over publication date</h2>{month_histogram_svg(months)}
<h2>Review queue ({len(pending)})</h2>
{vocabulary}{queue_table}
<h2>Runs</h2>
{runs_table}
<h2>Sources, best yield first</h2>
{sources_table}
<h2>Candidates per site</h2>{_table(["site", "candidates"], [[k, v] for k, v in sites.most_common(30)])}
<h2>Candidates per language</h2>{_table(["language", "candidates"], [[k, v] for k, v in languages.most_common()])}
<h2>All documents by status</h2>{_table(["status", "documents"], [[r["status"], r["n"]] for r in status_counts])}
</body></html>"""
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
