"""`seedcrawl rescore`: the queue ranked by what the reviewer taught, the crawl's verdict kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlite_utils
from click.testing import CliRunner

from crawler.cli import cli
from crawler.store import Store

from .conftest import SEEDS
from .test_store import TEXT, make_doc


def _review_text(title: str, sentence: str) -> str:
    return title + "\n\n" + "\n\n".join(f"Part {i}: {sentence}" for i in range(8))


SECURITY = "its network security is sound."
TEXTS = {
    "hearing": TEXT,
    "phone review": _review_text(
        "Huawei phone review", "the camera and battery of the new handset impress; " + SECURITY
    ),
    "handset test": _review_text("Huawei handset tested", "battery and camera of the handset delight; " + SECURITY),
}


def _scores(folder: Path) -> dict[str, tuple]:
    db = sqlite_utils.Database(folder / "storage" / "corpus.db")
    return {r["title"]: (r["score"], r["crawl_score"], r["status"]) for r in db.query("select * from documents")}


def _run(folder: Path, *args: str) -> str:
    seeds = ["--seeds", str(folder / "seeds")] if args[0] in ("rescore", "reject") else []
    result = CliRunner().invoke(cli, [*args, "--storage", str(folder / "storage"), *seeds], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_rejections_sink_the_queues_lookalikes_and_the_crawls_verdict_stays_beside(tmp_path: Path) -> None:
    store = Store(tmp_path / "storage")
    run = store.start_run("sources.toml")
    for number, text in enumerate(TEXTS.values()):
        store.add_candidate(make_doc(text, url=f"http://127.0.0.1/{number}"), run)  # scored 0.5 "by the crawl"
    store.close()
    shutil.copytree(SEEDS, tmp_path / "seeds")
    first = _run(tmp_path, "rescore")  # no decision yet: the seeds' model's verdicts
    assert "Judged 3 pending candidate(s) again" in first and "(0 accepted, 0 rejected): 3 score(s) changed" in first
    before = _scores(tmp_path)
    assert all(crawled == 0.5 for _, crawled, _ in before.values())
    assert before["Huawei handset tested"][0] >= 0.48  # the vendor and a security word: in the queue
    _run(tmp_path, "reject", "1", "--reason", "phone review")  # "Huawei phone review"
    dry = _run(tmp_path, "rescore", "--dry-run")
    assert "(0 accepted, 1 rejected): 1 score(s) would change; 1 fell below the threshold" in dry
    assert _scores(tmp_path) == {**before, "Huawei phone review": (*before["Huawei phone review"][:2], "rejected")}
    applied = " ".join(_run(tmp_path, "rescore").split())
    assert (
        "1 fell below the threshold 0.48" in applied and "`seedcrawl reject --max-score 0.4799` rejects them" in applied
    )
    after = _scores(tmp_path)
    assert after["Huawei handset tested"][0] < 0.2  # looks like the rejected: at the bottom, still pending
    assert after["Huawei handset tested"][2] == "pending"
    assert after["Huawei hearing"] == before["Huawei hearing"]  # shares nothing with it: untouched
    assert after["Huawei handset tested"][1] == 0.5  # the crawl's own verdict, kept through both
    assert after["Huawei phone review"][:2] == before["Huawei phone review"][:2]  # decided: never judged again
    shown = " ".join(_run(tmp_path, "show", "2").split())
    assert (
        "looking like rejected pages (handset, battery, camera" in shown and "when crawled 0.500: seed words" in shown
    )
    below = _run(tmp_path, "queue", "--max-score", "0.4799")  # as rescore advises
    assert "Huawei handset tested" in below and "Huawei hearing" not in below
    exported = {row["title"]: row for row in map(json.loads, _run(tmp_path, "export").splitlines())}
    assert exported["Huawei handset tested"]["crawl_score"] == 0.5 and exported["Huawei handset tested"]["rescored_at"]


def test_rescore_of_an_empty_queue_says_so(tmp_path: Path) -> None:
    Store(tmp_path / "storage").close()
    shutil.copytree(SEEDS, tmp_path / "seeds")
    assert _run(tmp_path, "rescore") == "Nothing waiting for review: the queue is empty.\n"


def test_a_stop_between_transactions_leaves_the_queue_as_far_as_it_got(tmp_path: Path, monkeypatch) -> None:
    from crawler import rescore
    from crawler.relevance import TopicModel

    monkeypatch.setattr(rescore, "CHUNK", 2)

    store = Store(tmp_path / "storage")
    run = store.start_run("sources.toml")
    for number in range(5):
        store.add_candidate(make_doc(TEXT + f" {number}", url=f"http://127.0.0.1/{number}"), run)
    model = TopicModel.from_seeds(SEEDS, 0.48)
    asked: list[int] = []
    done = rescore.rescore_pending(store, model, stopping=lambda: len(asked) > 0 or bool(asked.append(1)))
    assert (done.judged, done.changed) == (2, 2)  # the first transaction, then the stop was heard
    assert sorted(r["crawl_score"] is None for r in store.db.query("select crawl_score from documents")) == [
        False, False, True, True, True,
    ]  # fmt: skip
    assert rescore.rescore_pending(store, model, stopping=lambda: True) == rescore.Rescored()
    store.close()


def test_a_candidate_decided_while_the_queue_is_judged_is_left_alone_and_not_counted(tmp_path: Path) -> None:
    """The browser rejects a candidate while `rescore` judges the queue: its score stays, and the
    count of those that fell below the threshold (the `reject --max-score` the command suggests)
    does not include it."""
    from crawler import rescore
    from crawler.relevance import TopicModel

    store = Store(tmp_path / "storage")
    run = store.start_run("sources.toml")
    for number, text in enumerate(TEXTS.values()):
        store.add_candidate(make_doc(text, url=f"http://127.0.0.1/{number}"), run)
    store.db.execute("update documents set score = 0.9")  # all three were queued well above the threshold
    seeds_model = TopicModel.from_seeds(SEEDS, 0.6)  # the two reviews score below it, the hearing above
    phone = next(r["hash"] for r in store.db.query("select hash from documents where title = 'Huawei phone review'"))

    class DecidedMeanwhile:
        threshold = seeds_model.threshold

        def judge(self, text: str):  # the reviewer's reject lands while the queue is being judged
            store.set_decision(phone, "rejected", decided_at="2026-12-01T00:00:00+00:00")
            return seeds_model.judge(text)

    fell_without = sum(seeds_model.judge(text).score < 0.6 for text in TEXTS.values())
    done = rescore.rescore_pending(store, DecidedMeanwhile())  # type: ignore[arg-type]
    rows = {r["title"]: r for r in store.db.query("select title, score, status from documents")}
    assert rows["Huawei phone review"]["score"] == 0.9 and rows["Huawei phone review"]["status"] == "rejected"
    assert done.changed == 2 and done.fell_below == fell_without - 1 and fell_without >= 2
    store.close()
