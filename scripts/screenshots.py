"""Screenshots of the browser review page for the README, from the offline demo.

    .venv/bin/python scripts/screenshots.py

Runs `seedcrawl demo` into a temporary folder, serves its queue on
127.0.0.1 and photographs the queue, a candidate and the pages judged off
topic at 1280 and 390 pixels wide with headless Chromium (Debian's
chromium and chromium-driver).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demo import run_demo  # noqa: E402
from crawler.web.app import create_app  # noqa: E402
from tests.browser import MISSING, chromium, serving  # noqa: E402


def main() -> None:
    if MISSING:
        sys.exit(MISSING)
    with tempfile.TemporaryDirectory() as folder:
        run = run_demo(Path(folder) / "demo")
        app = create_app(run.storage, Path(folder) / "demo" / "seeds")
        with serving(app) as base:
            for width, height in ((1280, 900), (390, 844)):
                with chromium(width, height) as browser:
                    browser.get(base + "/")
                    browser.save_screenshot(str(ROOT / "docs" / f"review-queue-{width}.png"))
                    first = browser.find_element("css selector", "tr.row a").get_attribute("href")
                    browser.get(first)
                    browser.save_screenshot(str(ROOT / "docs" / f"review-candidate-{width}.png"))
                    browser.get(base + "/misses")
                    browser.save_screenshot(str(ROOT / "docs" / f"review-offtopic-{width}.png"))
    print("written: docs/review-queue-*.png, docs/review-candidate-*.png, docs/review-offtopic-*.png")


if __name__ == "__main__":
    main()
