"""The crawl's model is refitted from counts kept in the store: the same
model as counting every text again, whatever happened to the corpus."""

import shutil
from pathlib import Path

import pytest

from crawler import topic_counts
from crawler.refit import corpus_model, fit_corpus, kept_name
from crawler.relevance import TopicModel
from crawler.seedfile import content_hash, read_seed
from crawler.store import Document, Store

from .conftest import SEEDS
from .test_relevance import NEW_PHONE_REVIEW, PHONE_REVIEWS
from .test_store import make_doc

THRESHOLD = 0.48
ON_TOPIC = (
    "Germany weighs Huawei ban\n\nGerman officials debated whether Huawei equipment in 5G networks is a national "
    "security risk, as US intelligence agencies warned allies about spying by the Chinese telecom vendor."
)


def same(a: TopicModel, b: TopicModel) -> None:
    assert a.names == b.names and a.concepts == b.concepts and a.rejected == b.rejected
    assert (a.name_reference, a.concept_reference) == (b.name_reference, b.concept_reference)
    assert a.concept_scale == b.concept_scale and len(a.concept_scale) > 1  # the short passages' scale too
    assert a.judge(NEW_PHONE_REVIEW) == b.judge(NEW_PHONE_REVIEW) and a.judge(ON_TOPIC) == b.judge(ON_TOPIC)


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Store]:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    return seeds, Store(tmp_path / "storage")


def decide(store: Store, text: str, status: str) -> None:
    doc = make_doc(text, url=f"http://127.0.0.1/{len(text)}")
    store.add_candidate(doc, store.start_run("sources.toml"))
    store.db.execute("update documents set status = ? where hash = ?", [status, doc.hash])
    store.db.conn.commit()


def adds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hashes of the texts counted from now on."""
    counted: list[str] = []
    add = topic_counts.Counts.add

    def spy(self: topic_counts.Counts, digest: str, text: str, language: str = "en") -> None:
        counted.append(digest)
        add(self, digest, text, language)

    monkeypatch.setattr(topic_counts.Counts, "add", spy)
    return counted


def test_a_refit_counts_only_the_new_texts_and_gives_the_full_fits_model(
    corpus: tuple[Path, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds, store = corpus
    counted = adds(monkeypatch)
    first = corpus_model(seeds, store, THRESHOLD)
    assert len(counted) == 5  # the five seeds, the first time
    counted.clear()
    second = corpus_model(seeds, store, THRESHOLD)
    assert counted == []  # nothing new: nothing read for the counts
    same(first, TopicModel.from_corpus(seeds, threshold=THRESHOLD))
    same(second, first)

    decide(store, PHONE_REVIEWS[0], "rejected")
    decide(store, PHONE_REVIEWS[1], "rejected")
    decide(store, ON_TOPIC, "accepted")
    (seeds / "005_0000000000000005.txt").write_text(NEW_PHONE_REVIEW.replace("Mate 30", "Mate 40") + "\n")
    counted.clear()
    refit = corpus_model(seeds, store, THRESHOLD)
    assert len(counted) == 4  # two rejections, one acceptance, one new seed file
    full = TopicModel.from_corpus(seeds, ([ON_TOPIC], PHONE_REVIEWS), THRESHOLD)
    same(refit, full)
    assert refit.rejected  # the rejections count against pages


def test_a_seed_removed_or_edited_is_taken_out_of_the_model(corpus: tuple[Path, Store]) -> None:
    seeds, store = corpus
    corpus_model(seeds, store, THRESHOLD)
    first, *_, last = sorted(seeds.glob("*.txt"))
    last.unlink()
    same(corpus_model(seeds, store, THRESHOLD), TopicModel.from_corpus(seeds, threshold=THRESHOLD))
    first.write_text(first.read_text(encoding="utf-8") + "\nCoral reefs bleach as the ocean warms.\n")
    edited = corpus_model(seeds, store, THRESHOLD)
    same(edited, TopicModel.from_corpus(seeds, threshold=THRESHOLD))
    assert "reef" in edited.centroid


def test_a_removed_text_is_subtracted_when_the_store_holds_it(
    corpus: tuple[Path, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds, store = corpus
    fit_corpus(seeds, store, THRESHOLD)
    for path in sorted(seeds.glob("*.txt")):  # as a crawl registers them
        store.register_seed(Document.from_seed(read_seed(path), path), path.name)
    counted = adds(monkeypatch)
    max(seeds.glob("*.txt")).unlink()
    refit = corpus_model(seeds, store, THRESHOLD)
    assert counted == []  # taken out, not every text counted again
    same(refit, TopicModel.from_corpus(seeds, threshold=THRESHOLD))


def test_counts_of_a_text_added_then_removed_are_gone() -> None:
    texts = [read_seed(path).text for path in sorted(SEEDS.glob("*.txt"))]
    counts = topic_counts.Counts.of(texts[:3])
    counts.add("x", texts[3])
    counts.remove("x", texts[3])
    assert counts == topic_counts.Counts.of(texts[:3])


def test_an_undone_decision_is_taken_out_of_the_model(corpus: tuple[Path, Store]) -> None:
    seeds, store = corpus
    decide(store, PHONE_REVIEWS[0], "rejected")
    assert corpus_model(seeds, store, THRESHOLD).rejected
    store.db.execute("update documents set status = 'pending'")
    store.db.conn.commit()
    undone = corpus_model(seeds, store, THRESHOLD)
    assert undone.rejected == {}
    same(undone, TopicModel.from_corpus(seeds, threshold=THRESHOLD))


def test_an_edited_text_whose_decision_is_undone_is_taken_out_by_its_edit(
    corpus: tuple[Path, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reviewer's version is what was counted; only the edits table holds it."""
    seeds, store = corpus
    decide(store, PHONE_REVIEWS[0], "rejected")
    [row] = store.db.query("select * from documents where status = 'rejected'")
    edited = PHONE_REVIEWS[0] + "\nThe reviewer adds: the zoom lens is superb."
    with store.write():
        store.record_edit(row, edited, content_hash(edited), "editor")
    assert "zoom" in corpus_model(seeds, store, THRESHOLD).rejected
    store.db.execute("update documents set status = 'pending'")
    store.db.conn.commit()
    counted = adds(monkeypatch)
    undone = corpus_model(seeds, store, THRESHOLD)
    assert counted == []  # subtracted with the edit's text, not every text counted again
    assert undone.rejected == {}
    same(undone, TopicModel.from_corpus(seeds, threshold=THRESHOLD))


@pytest.mark.parametrize("body", ["{not json", '{"positives": {"version": 0}}', "[]"])
def test_unreadable_kept_counts_are_counted_again(corpus: tuple[Path, Store], body: str) -> None:
    seeds, store = corpus
    corpus_model(seeds, store, THRESHOLD)
    store.keep_counts(kept_name("en"), body)
    same(corpus_model(seeds, store, THRESHOLD), TopicModel.from_corpus(seeds, threshold=THRESHOLD))
    assert store.kept_counts(kept_name("en")) != body  # and kept again
