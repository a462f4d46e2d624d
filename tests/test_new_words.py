"""New words in the queue: what the candidates say that no seed or accepted text does."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.demo import run_demo
from crawler.new_words import new_words
from crawler.web.app import create_app
from crawler.words import terms

from .conftest import SEEDS


def test_a_word_many_candidates_of_several_sites_use_and_no_seed_does_is_named() -> None:
    known = set(terms("The government moved on Huawei equipment over security concerns"))
    candidates = [(f"site{n % 3}", f"The government moved to ban Huawei equipment ({n}).") for n in range(6)]
    candidates += [("site0", "Subscribe to our newsletter. A story about rainfall.")] * 4  # one site's chrome
    candidates += [("site1", "Lone word: quokka."), ("site2", "Weather: sunny.")]
    found = new_words(candidates, known)
    assert found == [("ban", 6)]  # not huawei (known), not the (common), not one site's newsletter


def test_a_word_few_of_many_candidates_use_is_not_new_vocabulary() -> None:
    candidates = [(f"site{n}", "An embargo story." if n < 3 else "A tale.") for n in range(12)]
    assert new_words(candidates, set()) == [("tale", 9)]  # embargo: 3 of 12, under a third


def words_named(output: str) -> list[str]:
    """The words of the queue's line, in its order (rich wraps the line)."""
    line = " ".join(output.split())
    found = re.search(r"at the last crawl \(candidates using them, of the \d+ best\): (.*?)\. None", line)
    return [part.rsplit(" ", 1)[0] for part in found.group(1).split(", ")] if found else []


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    run = run_demo(tmp_path_factory.mktemp("words") / "demo", seeds_from=SEEDS)
    assert run.returncode == 0
    return run


def test_the_queue_the_report_and_the_browser_name_the_words_until_a_candidate_using_them_is_accepted(demo) -> None:
    """The demo's UK-ban stories speak of a *ban*, which none of the seeds does."""
    storage = str(demo.storage)
    runner = CliRunner()
    before = words_named(runner.invoke(cli, ["queue", "--storage", storage]).output)
    assert "ban" in before and "huawei" not in before
    report = runner.invoke(cli, ["report", "--storage", storage, "--output", str(demo.folder / "r.html")])
    assert report.exit_code == 0, report.output
    assert "New words in the queue" in (demo.folder / "r.html").read_text(encoding="utf-8")
    page = create_app(demo.storage, demo.folder / "seeds").test_client().get("/").get_data(as_text=True)
    assert 'href="/?q=ban"' in page  # the word opens the candidates that use it
    listed = runner.invoke(cli, ["search", "ban", "--storage", storage]).output
    assert "pending" in listed
    first = re.search(r"(\d+)\s+\d\.\d{3}", runner.invoke(cli, ["queue", "--storage", storage]).output).group(1)
    shown = runner.invoke(cli, ["show", first, "--storage", storage]).output
    assert re.search(r"\bban\b", shown, re.I)  # the best candidate speaks of the ban
    accepted = runner.invoke(cli, ["accept", first, "--storage", storage])
    assert accepted.exit_code == 0, accepted.output
    after = words_named(runner.invoke(cli, ["queue", "--storage", storage]).output)
    assert "ban" not in after  # an accepted text uses it: the model counts it from the next fit on
