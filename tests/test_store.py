import sqlite3
from pathlib import Path

import pytest

from crawler.dates import settle
from crawler.dedup import shingle_sample
from crawler.seedfile import content_hash, read_seed
from crawler.store import Document, Store, StoreError
from crawler.store import documents as store_module

from .conftest import SEEDS

TEXT = "Huawei hearing\n\n" + "\n\n".join(
    f"Paragraph {i}: lawmakers questioned the telecom equipment maker about network security and its ties."
    for i in range(8)
)


def make_doc(text: str = TEXT, url: str = "http://127.0.0.1/a") -> Document:
    return Document(
        hash=content_hash(text),
        text=text,
        title=text.split("\n", 1)[0],
        url=url,
        canonical_url=url,
        sitename="Site",
        dates=settle({"feed": "2020-01-01"}),
        language="en",
        score=0.5,
        reason="seed words: huawei 20%",
        found_via="feed",
        found_on="http://127.0.0.1/feed",
        shingles=frozenset(shingle_sample(text)),
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(tmp_path / "storage")
    yield opened
    opened.close()


def test_database_is_in_wal_mode_and_schema_is_repeatable(tmp_path: Path) -> None:
    first = Store(tmp_path)
    assert first.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    first.close()
    again = Store(tmp_path)  # applying migrations twice is harmless
    assert {"documents", "urls", "feeds", "runs", "copies", "shingles"} <= set(again.db.table_names())
    again.close()


def test_candidate_row_and_queue_file_are_written_together(store: Store) -> None:
    run = store.start_run("sources.toml")
    path = store.add_candidate(make_doc(), run)
    assert path.name == f"000_{content_hash(TEXT)[:16]}.txt"
    assert path.read_text(encoding="utf-8") == TEXT
    [row] = store.pending()
    assert row["queue_file"] == path.name and row["text"] == TEXT
    second = store.add_candidate(make_doc(TEXT.replace("Huawei", "ZTE").replace("lawmakers", "senators")), run)
    assert second.name.startswith("001_")


def test_failed_queue_write_rolls_the_row_back(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    run = store.start_run("sources.toml")

    def disk_full(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "write_seed", disk_full)
    with pytest.raises(OSError):
        store.add_candidate(make_doc(), run)
    assert store.pending() == []
    assert store.db.table("shingles").count == 0
    assert store.db.table("documents").count == 0
    assert list(store.queue_dir.iterdir()) == []


def test_reconcile_moves_stray_files_aside_and_restores_missing_ones(store: Store) -> None:
    run = store.start_run("sources.toml")
    kept = store.add_candidate(make_doc(), run)
    kept.unlink()  # as if the rename never reached the disk
    stray = store.queue_dir / "005_abcdefabcdefabcd.txt"
    stray.write_text("orphan")  # as if a crash came before the commit
    leftover = store.queue_dir / "006_0123456701234567.txt"
    leftover.write_text(TEXT)  # a second copy of a text the database holds
    (store.queue_dir / ".tmp-x.part").write_text("half")
    assert store.reconcile_queue() == (1, 1, 1)
    assert kept.read_text(encoding="utf-8") == TEXT
    assert sorted(p.name for p in store.queue_dir.iterdir()) == [kept.name]
    # A file whose text the database does not hold is never deleted (issue 18).
    assert (store.storage_dir / "orphans" / stray.name).read_text() == "orphan"


def test_exact_and_near_copies_are_found_distinct_stories_are_not(store: Store) -> None:
    run = store.start_run("sources.toml")
    store.add_candidate(make_doc(), run)
    exact = store.find_duplicate(content_hash(TEXT), frozenset(shingle_sample(TEXT)))
    assert exact is not None and exact.kind == "exact"
    copy = "Republished\n\n" + TEXT.split("\n\n", 1)[1] + "\n\nSubscribe to our newsletter for more."
    near = store.find_duplicate(content_hash(copy), frozenset(shingle_sample(copy)))
    assert near is not None and near.kind == "near" and near.digest == content_hash(TEXT)
    other = read_seed(sorted(SEEDS.glob("*.txt"))[1]).text
    assert store.find_duplicate(content_hash(other), frozenset(shingle_sample(other))) is None


def test_unusable_storage_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open the corpus database") as info:
        Store(blocker / "storage")
    assert "\n" not in str(info.value)


def test_a_reader_sees_committed_rows_while_a_writer_holds_the_database(store: Store, tmp_path: Path) -> None:
    run = store.start_run("sources.toml")
    store.add_candidate(make_doc(), run)
    store.db.execute("begin immediate")  # a crawl in the middle of a write
    reader = sqlite3.connect(tmp_path / "storage" / "corpus.db")
    assert reader.execute("select count(*) from documents where status = 'pending'").fetchone()[0] == 1
    reader.close()
    store.db.execute("rollback")


def test_transient_failures_are_retried_final_ones_are_not(store: Store) -> None:
    run = store.start_run("sources.toml")
    store.record_url("http://127.0.0.1/read", "offtopic", run, http_status=200)
    store.record_url("http://127.0.0.1/gone", "error", run, http_status=404, detail="http_404")
    store.record_url("http://127.0.0.1/busy", "error", run, http_status=503, detail="http_503")
    store.record_url("http://127.0.0.1/slow", "error", run, detail="TimeoutError")
    assert store.is_known_url("http://127.0.0.1/read")
    assert store.is_known_url("http://127.0.0.1/gone")
    assert not store.is_known_url("http://127.0.0.1/busy")
    assert not store.is_known_url("http://127.0.0.1/slow")
    assert not store.is_known_url("http://127.0.0.1/never")


def test_a_sites_chrome_stops_being_indexed_and_never_makes_two_stories_one(store: Store) -> None:
    """Issue 19: boilerplate shingles made postings lists grow with the corpus
    and, in a short text, could outvote the story's own."""
    import dataclasses

    from crawler import dedup

    chrome = list(range(1, 31))  # a site's menu and footer: 30 sampled shingles on every page
    run = store.start_run("sources.toml")
    for n in range(dedup.MAX_POSTINGS + 6):
        own = range(1000 * (n + 1), 1000 * (n + 1) + 10)
        doc = dataclasses.replace(make_doc(f"Story {n}\n\nText {n}.", url=f"http://127.0.0.1/{n}"),
                                  shingles=frozenset([*chrome, *own]))  # fmt: skip
        store.add_document(doc, "offtopic", run)
    postings = store.db.execute("select count(*) from shingles where shingle = 1").fetchone()[0]
    assert postings == dedup.MAX_POSTINGS
    another = frozenset([*chrome, *range(900_000, 900_010)])  # a new story of the same site
    assert store.find_duplicate("f" * 64, another) is None
    copy = frozenset([*chrome, *range(5000, 5010)])  # story 4 again, on the same site
    match = store.find_duplicate("e" * 64, copy)
    assert match is not None and match.kind == "near"


@pytest.mark.parametrize("killed", [False, True], ids=["older", "killed-mid-migration"])
def test_an_older_database_indexes_its_edits_once_migrated(tmp_path: Path, killed: bool, caplog) -> None:
    """A storage made before m021: its reviewer's edits become searchable, and
    a score written afterwards leaves the index in step with the documents.
    Killed mid-migration (the new index created, its filling rolled back),
    the next start builds it again in full."""
    import sqlite_utils

    from crawler.store.schema import migrations

    old = sqlite_utils.Database(tmp_path / "corpus.db")
    migrations.apply(old, stop_before="m021_search_edits")
    old.execute("insert into documents (hash, status, title, text, edited_text) values "
                "('h1', 'pending', 'Phone review', 'The camera impresses.', 'Shenzhen handset review')")  # fmt: skip
    old.conn.commit()
    if killed:
        old.table("documents").disable_fts()
        old.execute('create virtual table "documents_fts" using fts5 ("title", "text", "edited_text", '
                    "tokenize='porter', content=\"documents\")")  # fmt: skip
    old.close()
    store = Store(tmp_path)
    [said] = [r.getMessage() for r in caplog.records if "upgrading" in r.getMessage()]  # before the wait, once
    assert said.endswith("upgrading the database to this version of seedcrawl (m021_search_edits, m022_author, "
                         "m023_seed_headlines, m024_copy_site_names); once, may take a while")  # fmt: skip
    assert store.search("shenzhen")[0]["hash"] == "h1"
    assert store.search("camera")[0]["hash"] == "h1"
    store.db.execute("update documents set score = 0.7 where hash = 'h1'")
    store.db.execute("insert into documents_fts (documents_fts, rank) values ('integrity-check', 1)")
    store.close()
    Store(tmp_path).close()
    assert sum("upgrading" in r.getMessage() for r in caplog.records) == 1


def test_seeds_stored_by_their_first_line_are_called_by_their_headline_once_migrated(tmp_path: Path) -> None:
    """A storage made before m023 listed a seed saved with its page's chrome
    as "By October 9, 2012"; a title the reviewer gave, and a crawled page's,
    stay as they are."""
    import sqlite_utils

    from crawler.store.schema import migrations

    old = sqlite_utils.Database(tmp_path / "corpus.db")
    migrations.apply(old, stop_before="m023_seed_headlines")
    chrome = (
        "By October 9, 2012\n\nZTE say they pose no threat to the USA\n\nZTE today reiterated its support for "
        "its Trusted Delivery Model and renewed its commitment to work with the US government."
    )
    rows = [("s1", "seed", "By October 9, 2012", chrome), ("s2", "seed", "ZTE's answer to the committee", chrome),
            ("p1", "pending", "By October 9, 2012", chrome)]  # fmt: skip
    old.execute("insert into documents (hash, status, title, text) values " + ", ".join(["(?, ?, ?, ?)"] * 3),
                [value for row in rows for value in row])  # fmt: skip
    old.conn.commit()
    old.close()
    store = Store(tmp_path)
    titles = {r["hash"]: r["title"] for r in store.db.query("select hash, title from documents")}
    assert titles == {"s1": "ZTE say they pose no threat to the USA", "s2": "ZTE's answer to the committee",
                      "p1": "By October 9, 2012"}  # fmt: skip
    assert store.search("threat")[0]["title"] in titles.values()
    store.close()
