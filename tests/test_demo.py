"""`seedcrawl demo`: the offline sample web shows discovery beyond links (issue 14, item 7)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crawler.cli import cli
from crawler.demo import run_demo
from crawler.store import Store

from .conftest import SEEDS


def test_the_demo_finds_stories_through_search_and_a_news_sitemap(tmp_path: Path) -> None:
    run = run_demo(tmp_path / "demo", seeds_from=SEEDS)
    assert run.returncode == 0
    hosts = {base.split("//")[1].split(":")[0] for base, _ in run.web.requests}
    assert hosts <= {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}  # search included: nothing leaves
    store = Store(run.storage, create=False)
    try:
        rows = {row["kind"]: row for row in store.source_yields() if row["kind"] in ("search", "site")}
    finally:
        store.close()
    assert rows["search"]["entries"] == 3 and rows["search"]["queued"] >= 1  # a story found through search
    assert rows["site"]["entries"] == 2  # the news sitemap's two stories (both dated now)
    result = CliRunner().invoke(cli, ["demo", "--folder", str(tmp_path / "again")])
    assert result.exit_code == 0
    assert "Sources:" in result.output and "search: (huawei OR zte" in result.output
    assert f"seedcrawl review --storage {tmp_path / 'again' / 'storage'}" in " ".join(result.output.split())
