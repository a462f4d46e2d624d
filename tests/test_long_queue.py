"""A year's queue: thousands of candidates, listed a page at a time (issue 19, item 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.store import Store
from crawler.web.app import PAGE_ROWS, create_app

from .conftest import SEEDS
from .test_store import make_doc


@pytest.fixture(scope="module")
def long_queue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A storage folder with 260 pending candidates, scores 0.300-0.559."""
    folder = tmp_path_factory.mktemp("long")
    shutil.copytree(SEEDS, folder / "seeds")
    store = Store(folder / "storage")
    store.claim_corpus(folder / "seeds")
    run = store.start_run("sources.toml")
    for n in range(260):
        doc = make_doc(f"Story {n}\n\nHuawei network review number {n} of many, with its own words {n}.",
                       url=f"http://127.0.0.1/{n}")  # fmt: skip
        store.add_candidate(type(doc)(**{**doc.__dict__, "score": 0.3 + n / 1000}), run)
    store.close()
    return folder


def test_the_queue_command_shows_the_best_fifty_and_says_how_many_more(long_queue: Path) -> None:
    storage = ["--storage", str(long_queue / "storage")]
    shown = " ".join(CliRunner().invoke(cli, ["queue", *storage], env={"COLUMNS": "120"}).output.split())
    assert "Review queue: 260 candidate(s), best first (the first 50; --limit N or --all for more)" in shown
    assert "0.559" in shown and "0.509" not in shown  # the best 50: 0.559 down to 0.510
    everything = " ".join(CliRunner().invoke(cli, ["queue", "--all", *storage], env={"COLUMNS": "120"}).output.split())
    assert "260 candidate(s), best first id" in everything and "0.300" in everything
    five = " ".join(CliRunner().invoke(cli, ["queue", "--limit", "5", *storage], env={"COLUMNS": "120"}).output.split())
    assert "(the first 5;" in five
    lines = CliRunner().invoke(cli, ["queue", "--json", *storage]).output.splitlines()
    assert len(lines) == 260  # scripts get them all


def test_the_review_page_shows_one_page_at_a_time(long_queue: Path) -> None:
    client = create_app(long_queue / "storage", long_queue / "seeds").test_client()
    first = client.get("/").get_data(as_text=True)
    assert "Review queue: 260 candidate(s)" in first and f"1-{PAGE_ROWS} of 260" in first
    assert first.count('class="row') == PAGE_ROWS and 'rel="next"' in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert second.count('class="row') == 260 - PAGE_ROWS and f"{PAGE_ROWS + 1}-260 of 260" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    filtered = client.get("/?min_score=0.55").get_data(as_text=True)
    assert "Review queue: 10 candidate(s)" in filtered and "of 10" not in filtered
