"""Publication dates: crawler/dates.py's witnesses against htmldate alone.

Usage: .venv/bin/python bench/dates.py [--data ../shared/data/aeb]

The article-extraction benchmark's ground truth has no dates, so the truth
here is the date in the page's URL (``/2019/11/18/``, ``2019-11-19``), on
the pages that have one. That witness is then left out of ours: what is
measured is how well the page's own statements (JSON-LD, metadata read by
htmldate) find the date its publisher put in the URL, against htmldate's
``find_date`` as a user would call it (defaults, and ``original_date``),
also without the URL. A URL date is the day a story was filed; a page
stamped a day later (time zones, updates) counts as "within a day".
Nothing was tuned on these pages: the witnesses' order and the flags'
limits were set from the formats' documentation before this bench ran.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from htmldate import find_date  # noqa: E402
from trafilatura.utils import decode_file, load_html  # noqa: E402

from crawler.dates import page_witnesses, settle, url_date  # noqa: E402


def ours(html: str, url: str) -> str | None:
    witnesses = page_witnesses(load_html(html), url)
    witnesses.pop("url", None)  # the truth here; not a witness
    return settle(witnesses).value


METHODS: dict[str, Callable[[str, str], str | None]] = {
    "seedcrawl witnesses (no URL)": ours,
    "htmldate find_date, page only": lambda html, url: find_date(html, original_date=True, url=""),
    # As a user would call it: it then reads the date in the page's canonical
    # link, which is the URL, the truth here; shown for reference.
    "htmldate find_date defaults*": lambda html, url: find_date(html),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "aeb")
    args = parser.parse_args()
    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    dated = {k: d for k, v in truth.items() if (d := url_date(v["url"]))}
    print(f"{len(dated)} of {len(truth)} pages have a date in their URL (the truth here)")
    print(f"{'method':<32}{'exact':>7}{'<=1 day':>9}{'<=2 days':>10}{'wrong':>7}{'none':>6}")
    for name, method in METHODS.items():
        exact = near = close = wrong = none = 0
        for k, want in dated.items():
            html = decode_file(gzip.decompress((args.data / "html" / f"{k}.html.gz").read_bytes()))
            got = method(html, truth[k]["url"])
            if not got:
                none += 1
                continue
            gap = abs((date.fromisoformat(got[:10]) - date.fromisoformat(want)).days)
            exact += gap == 0
            near += gap <= 1
            close += gap <= 2
            wrong += gap > 2
        n = len(dated)
        print(f"{name:<32}{exact / n:>7.3f}{near / n:>9.3f}{close / n:>10.3f}{wrong:>7}{none:>6}")
    flagged = 0
    for k in dated:
        html = decode_file(gzip.decompress((args.data / "html" / f"{k}.html.gz").read_bytes()))
        flagged += settle(page_witnesses(load_html(html), truth[k]["url"])).flag is not None
    print(f"with the URL as a witness too: {flagged} of {len(dated)} dates flagged (witnesses more than 2 days apart)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
