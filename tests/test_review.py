"""Review decisions: accept, reject, undo, and their safety."""

import multiprocessing
import shutil
from pathlib import Path

import pytest

from crawler.review import Review, ReviewError
from crawler.seedfile import content_hash, seed_files, write_seed
from crawler.store import Store

from .conftest import SEEDS
from .test_store import TEXT, make_doc

TEXTS = [
    TEXT,
    TEXT.replace("Huawei", "ZTE").replace("lawmakers", "senators").replace("ties", "links to Beijing"),
    "Phone review\n\n" + "\n\n".join(f"Part {i}: the camera and battery of the new handset impress." for i in range(8)),
]


def make_storage(folder: Path) -> Path:
    store = Store(folder / "storage")
    run = store.start_run("sources.toml")
    for number, text in enumerate(TEXTS):
        store.add_candidate(make_doc(text, url=f"http://127.0.0.1/{number}"), run)
    store.close()
    shutil.copytree(SEEDS, folder / "seeds")
    return folder


@pytest.fixture
def review(tmp_path: Path):
    make_storage(tmp_path)
    opened = Review(Store(tmp_path / "storage"), tmp_path / "seeds")
    yield opened
    opened.store.close()


def snapshot(review: Review) -> tuple:
    files = {p.name: p.read_bytes() for p in review.seeds_dir.iterdir()}
    queue = {p.name: p.read_bytes() for p in review.store.queue_dir.iterdir()}
    rows = list(review.db.query("select hash, status, seed_file from documents order by hash"))
    return files, queue, rows, review.db.table("decisions").count


def test_accept_copies_the_queue_file_into_seeds_under_the_next_number(review: Review) -> None:
    queued = review.store.queue_dir / review.resolve("0")["queue_file"]
    original = queued.read_bytes()
    decision = review.accept("0")
    assert decision.seed_file == f"005_{content_hash(TEXTS[0])[:16]}.txt"
    assert (review.seeds_dir / decision.seed_file).read_bytes() == original
    assert not queued.exists()
    assert review.resolve("0")["status"] == "accepted"
    assert review.accept("1").seed_file.startswith("006_")
    [log] = list(review.db.query("select * from decision_log where seed_file like '005_%'"))
    assert log["action"] == "accept" and log["undone"] == 0


def test_candidates_are_found_by_number_file_name_or_hash(review: Review) -> None:
    row = review.resolve("2")
    assert review.resolve("002")["hash"] == row["hash"]
    assert review.resolve(row["queue_file"])["hash"] == row["hash"]
    assert review.resolve(row["hash"][:8])["hash"] == row["hash"]


@pytest.mark.parametrize("ident, message", [("99", "no candidate 99"), ("what?", "is not a candidate id")])
def test_unknown_id_is_one_line_and_changes_nothing(review: Review, ident: str, message: str) -> None:
    before = snapshot(review)
    with pytest.raises(ReviewError, match=message) as info:
        review.accept(ident)
    assert "\n" not in str(info.value)
    assert snapshot(review) == before


def test_a_decided_candidate_cannot_be_decided_again(review: Review) -> None:
    review.reject("2", "phone review")
    before = snapshot(review)
    with pytest.raises(ReviewError, match="candidate 2 is already rejected on .*; `seedcrawl undo 2` first"):
        review.accept("2")
    assert snapshot(review) == before


def test_reject_keeps_the_text_as_a_negative_example(review: Review) -> None:
    queued = review.store.queue_dir / review.resolve("2")["queue_file"]
    review.reject("2", "phone review")
    assert not queued.exists()
    row = review.resolve("2")
    assert row["status"] == "rejected" and row["text"] == TEXTS[2] and row["decision_reason"] == "phone review"
    assert not any(content_hash(p.read_text()) == row["hash"] for p in seed_files(review.seeds_dir))


def test_undo_a_rejection_puts_the_candidate_back(review: Review) -> None:
    name = review.resolve("2")["queue_file"]
    review.reject("2")
    review.undo("2")
    assert review.resolve("2")["status"] == "pending"
    assert (review.store.queue_dir / name).read_text(encoding="utf-8") == TEXTS[2]


def test_undo_an_accept_takes_the_newest_unchanged_file_back(review: Review) -> None:
    decision = review.accept("0")
    review.undo("0")
    assert not (review.seeds_dir / decision.seed_file).exists()
    assert review.resolve("0")["status"] == "pending"
    assert review.accept("1").seed_file.startswith("005_")  # numbering stays dense


def test_undo_refuses_when_the_seed_is_no_longer_the_newest(review: Review) -> None:
    first = review.accept("0")
    review.accept("1")
    before = snapshot(review)
    with pytest.raises(ReviewError, match=f"{first.seed_file} is no longer the newest seed"):
        review.undo("0")
    assert snapshot(review) == before


def test_undo_refuses_a_seed_edited_by_hand(review: Review) -> None:
    decision = review.accept("0")
    path = review.seeds_dir / decision.seed_file
    write_seed(path, path.read_text(encoding="utf-8") + " (edited)")
    before = snapshot(review)
    with pytest.raises(ReviewError, match="was edited by hand since it was accepted; it is left in place"):
        review.undo("0")
    assert snapshot(review) == before


def test_accept_refuses_a_queue_file_edited_by_hand(review: Review) -> None:
    queued = review.store.queue_dir / review.resolve("0")["queue_file"]
    queued.write_text(TEXTS[0] + " plus a note", encoding="utf-8")
    before = snapshot(review)
    with pytest.raises(ReviewError, match="was edited by hand"):
        review.accept("0")
    assert snapshot(review) == before


def test_an_accept_interrupted_before_commit_is_completed_not_lost(review: Review) -> None:
    # What a crash between writing the seed file and committing leaves behind.
    row = review.resolve("1")
    write_seed(review.seeds_dir / f"005_{row['hash'][:16]}.txt", row["text"])
    assert review.reconcile() == [f"005_{row['hash'][:16]}.txt"]
    row = review.resolve("1")
    assert row["status"] == "accepted" and row["seed_file"].startswith("005_")
    assert not (review.store.queue_dir / row["queue_file"]).exists()
    assert review.accept("0").seed_file.startswith("006_")


def _accept_in_process(folder: str, ident: str, barrier, results) -> None:
    review = Review(Store(Path(folder) / "storage"), Path(folder) / "seeds")
    barrier.wait()
    try:
        results.put(("ok", ident, review.accept(ident).seed_file))
    except ReviewError as exc:
        results.put(("refused", ident, str(exc)))


@pytest.mark.parametrize("idents", [("0", "1", "2"), ("1", "1", "1")], ids=["different", "same"])
def test_reviewers_at_the_same_time_never_share_a_number_or_lose_a_decision(tmp_path: Path, idents) -> None:
    make_storage(tmp_path)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(idents)), context.Queue()
    workers = [context.Process(target=_accept_in_process, args=(str(tmp_path), i, barrier, results)) for i in idents]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    outcomes = [results.get(timeout=5) for _ in workers]
    accepted = [o for o in outcomes if o[0] == "ok"]
    assert len(accepted) == len(set(idents))
    numbers = [name[:3] for _, _, name in accepted]
    assert sorted(numbers) == [f"{5 + i:03d}" for i in range(len(accepted))]
    store = Store(tmp_path / "storage")
    rows = {r["seed_file"] for r in store.db.query("select seed_file from documents where status = 'accepted'")}
    files = {p.name for p in seed_files(tmp_path / "seeds")} - {p.name for p in SEEDS.glob("*.txt")}
    assert rows == files  # every file has its row and every row its file
    store.close()


def test_reviewing_while_a_crawl_runs(tmp_path: Path) -> None:
    """A crawl writes to the database while every candidate is decided."""
    import sqlite3
    import subprocess
    import time

    from crawler.demo import crawl_command, prepare_folder, run_crawl
    from crawler.lock import CrawlLock
    from crawler.sampleweb import SampleWebServer

    with SampleWebServer(SEEDS) as web:
        sources = prepare_folder(tmp_path / "site", SEEDS, web)
        storage = tmp_path / "storage"
        assert run_crawl(sources, storage, tmp_path / "first.log", "-a", "max_depth=0") == 0
        # The second crawl follows links (new pages to store) and goes slowly.
        crawl = subprocess.Popen(crawl_command(sources, storage, tmp_path / "second.log", "-s", "DOWNLOAD_DELAY=0.3"))
        deadline = time.time() + 60
        while CrawlLock.for_storage(storage).holder() is None and time.time() < deadline:
            time.sleep(0.1)
        review = Review(Store(storage), sources.parent)
        decided = []
        for row in review.store.pending():
            if CrawlLock.for_storage(storage).holder() is None:
                break
            if row["queue_seq"] % 2:
                review.reject(str(row["queue_seq"]), "test")
            else:
                review.accept(str(row["queue_seq"]))
            decided.append(row["queue_seq"])
        crawl_was_running = CrawlLock.for_storage(storage).holder() is not None
        assert crawl.wait(120) == 0
    assert crawl_was_running and len(decided) >= 3
    db = sqlite3.connect(storage / "corpus.db")
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    statuses = dict(db.execute("select status, count(*) from documents group by status").fetchall())
    assert statuses.get("accepted", 0) + statuses.get("rejected", 0) == len(decided)
    pending = {r[0] for r in db.execute("select queue_file from documents where status = 'pending'")}
    assert pending == {p.name for p in (storage / "queue").iterdir()}
    accepted = {r[0] for r in db.execute("select seed_file from documents where status = 'accepted'")}
    assert accepted == {p.name for p in seed_files(sources.parent)} - {p.name for p in SEEDS.glob("*.txt")}
    runs = db.execute("select status from runs order by id").fetchall()
    assert runs == [("finished",), ("finished",)]
