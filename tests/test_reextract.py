"""`seedcrawl reextract`: the archive read again, without the network (issue 17, item 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from pytest_twisted import blockon
from twisted.internet.defer import ensureDeferred

from crawler.analysis import Analysis
from crawler.cli import cli
from crawler.demo import prepare_folder
from crawler.extract import Article
from crawler.reextract import apply
from crawler.relevance import Verdict
from crawler.sampleweb import SampleWebServer
from crawler.store import Store

from .conftest import SEEDS
from .inprocess import crawl


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawl of the sample web that archived every page, off-topic ones too; the web is gone after."""
    folder = tmp_path_factory.mktemp("reextract")
    with SampleWebServer(SEEDS) as web:
        sources = prepare_folder(folder, SEEDS, web)
        with open(sources, "a", encoding="utf-8") as handle:
            handle.write("[archive]\nofftopic = true\n")
        assert (
            blockon(ensureDeferred(crawl(sources, folder / "storage", None, "-s", "SEEDCRAWL_FIRST_PASS=False"))) == 0
        )
    return folder


def reextract(folder: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["reextract", "--storage", str(folder / "storage"), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def statuses(folder: Path) -> dict[str, str]:
    db = sqlite_utils.Database(folder / "storage" / "corpus.db")
    return {r["hash"]: r["status"] for r in db.query("select hash, status from documents where warc_file is not null")}


def set_threshold(folder: Path, threshold: float) -> None:
    sources = folder / "seeds" / "sources.toml"
    text = re.sub(r"\n\[relevance\]\nthreshold = [0-9.]+\n", "\n", sources.read_text(encoding="utf-8"))
    sources.write_text(text + f"[relevance]\nthreshold = {threshold}\n", encoding="utf-8")


def test_nothing_changed_is_nothing_to_do(archived: Path) -> None:
    # The first reading takes out of the pages read early the site's chrome
    # lines the crawl learned later (the sample web's Daily Mail texts carry
    # "+99Home" and "Top"); after it nothing is left to change.
    first = " ".join(reextract(archived).split())
    assert "pending text pending" in first
    db = sqlite_utils.Database(archived / "storage" / "corpus.db")
    learned = {r["line"] for r in db.query("select line from boilerplate")}
    assert learned == {"+99home", "top"}
    for row in db.query("select text from documents where status = 'pending'"):
        assert not {p.casefold() for p in row["text"].split("\n\n")} & learned
    before = statuses(archived)
    out = reextract(archived)
    assert re.search(r"\d+ archived page\(s\) read again: 0 change\(s\)", " ".join(out.split()))
    assert statuses(archived) == before


def test_verdicts_that_flip_move_pages_in_and_out_of_the_queue_but_never_a_decided_one(archived: Path) -> None:
    queue = archived / "storage" / "queue"
    assert CliRunner().invoke(cli, ["accept", "0", "--storage", str(archived / "storage")]).exit_code == 0
    accepted = {h for h, s in statuses(archived).items() if s == "accepted"}
    pending = {h for h, s in statuses(archived).items() if s == "pending"}
    assert pending and accepted
    set_threshold(archived, 0.99)  # a stricter model: nothing is on topic any more
    dry = reextract(archived, "--dry-run")
    assert "dry run: nothing changed" in dry and {h for h, s in statuses(archived).items() if s == "pending"} == pending
    out = reextract(archived)
    now = statuses(archived)
    assert all(now[h] == "offtopic" for h in pending) and not list(queue.iterdir())  # out of the queue, texts kept
    assert all(now[h] == "accepted" for h in accepted) and "reported" in out  # never rewritten
    offtopic = {h for h, s in now.items() if s == "offtopic"}
    set_threshold(archived, 0.05)  # a lenient one: archived off-topic pages come back as candidates
    reextract(archived)
    again = statuses(archived)
    assert {h for h in offtopic if again[h] == "pending"} >= pending
    assert len(list(queue.iterdir())) == sum(1 for s in again.values() if s == "pending")


def test_a_text_that_extracts_differently_replaces_the_candidate_under_its_number(tmp_path: Path) -> None:
    from .test_store import make_doc

    store = Store(tmp_path / "storage")
    run = store.start_run("x")
    old = make_doc()
    store.add_candidate(old, run)
    row = next(store.db.query("select * from documents"))
    cleaner = old.text.rsplit("\n\n", 1)[0]  # the last paragraph was boilerplate
    article = Article(row["url"], row["url"], row["title"], cleaner, None, "en", "Site", None)
    analysis = Analysis(article, Verdict(0.61, True, (("huawei", 1.0),)), shingles=frozenset())
    [change] = apply(store, [(row, analysis)], ("en",), dry_run=False)
    assert change.what == "text" and change.applied
    rows = {r["status"]: r for r in store.db.query("select * from documents")}
    assert rows["replaced"]["hash"] == old.hash and rows["replaced"]["queue_seq"] is None
    assert rows["pending"]["queue_seq"] == 0 and rows["pending"]["text"] == cleaner
    assert [p.name for p in store.queue_dir.iterdir()] == [rows["pending"]["queue_file"]]
    assert (store.queue_dir / rows["pending"]["queue_file"]).read_text(encoding="utf-8") == cleaner
    store.close()


def test_documents_stored_without_a_byline_get_it_from_the_archive(archived: Path) -> None:
    """Bylines are kept since m022: what was crawled before has none, until
    reextract reads it from the archived responses (accepted texts too:
    a byline is metadata, not the reviewer's text)."""
    reextract(archived)  # the first may read some texts anew (a site's chrome learned since): done here,
    # whatever order the module's tests run in (alone, this test saw three texts replaced below)
    db = sqlite_utils.Database(archived / "storage" / "corpus.db")
    accepted = next(db.query("select queue_seq from documents where status = 'pending' order by queue_seq"))
    CliRunner().invoke(cli, ["accept", str(accepted["queue_seq"]), "--storage", str(archived / "storage")])
    archived_bylines = "select url, author from documents where warc_file is not null and status != 'replaced'"
    crawled = {r["url"]: r["author"] for r in db.query(archived_bylines)}
    with db.conn:
        db.execute("update documents set author = null")  # as the crawls before m022 stored them
    bylined = db.execute("select count(*) from documents where warc_file is not null and status != 'replaced'")
    expected = bylined.fetchone()[0]
    dry = " ".join(reextract(archived, "--dry-run").split())
    assert f"found the byline of {expected} document(s) stored without one (dry run: none written)" in dry
    assert db.execute("select count(*) from documents where author is not null").fetchone()[0] == 0
    before = statuses(archived)
    done = " ".join(reextract(archived).split())
    assert f"found the byline of {expected} document(s) stored without one: `show` and `export` give it" in done
    authors = {r["url"]: r["author"] for r in db.query(archived_bylines)}  # by page: a text read again is new
    assert authors == crawled and "Patrick Wintour; Lily Kuo" in authors.values()  # the accepted one's too
    assert db.execute("select author from documents where status = 'accepted'").fetchone()[0] is not None
    assert statuses(archived) == before  # nothing else changed
    assert "found the byline" not in reextract(archived)  # once


def test_a_page_the_reviewer_requeued_stays_in_the_queue_whatever_a_new_reading_says(archived: Path) -> None:
    set_threshold(archived, 0.99)  # a model for which nothing is on topic
    reextract(archived)
    offtopic = sorted(h for h, s in statuses(archived).items() if s == "offtopic")
    storage = str(archived / "storage")
    requeued = CliRunner().invoke(cli, ["requeue", "--storage", storage, offtopic[0][:8]])
    assert requeued.exit_code == 0, requeued.output
    out = reextract(archived)
    now = statuses(archived)
    assert now[offtopic[0]] == "pending"  # the reviewer's call, not the model's
    assert all(now[h] == "offtopic" for h in offtopic[1:])
    assert "pending 0." not in " ".join(out.split())  # no change of it reported either
    assert len(list((archived / "storage" / "queue").iterdir())) == 1
    undone = CliRunner().invoke(cli, ["undo", "--storage", storage, str(_queue_number(archived, offtopic[0]))])
    assert undone.exit_code == 0, undone.output
    assert statuses(archived)[offtopic[0]] == "offtopic"


def _queue_number(folder: Path, digest: str) -> int:
    db = sqlite_utils.Database(folder / "storage" / "corpus.db")
    return next(db.query("select queue_seq from documents where hash = ?", [digest]))["queue_seq"]
