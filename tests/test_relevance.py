from pathlib import Path

from crawler.relevance import TopicModel, tokenize

from .conftest import SEEDS

THRESHOLD = 0.28


def model() -> TopicModel:
    return TopicModel.from_seeds(SEEDS, THRESHOLD)


def test_related_coverage_scores_above_threshold_unrelated_below(labelled: list[dict]) -> None:
    topic = model()
    for row in labelled:
        if row["lang"] != "en":
            continue
        verdict = topic.judge(row["title"] + "\n" + row["text"])
        assert 0 <= verdict.score <= 1
        assert verdict.relevant == (row["label"] == "relevant"), (row["id"], verdict.score)


def test_reason_names_the_words_that_earned_the_score(labelled: list[dict]) -> None:
    row = next(r for r in labelled if r["label"] == "relevant" and r["lang"] == "en")
    verdict = model().judge(row["text"])
    assert verdict.reason.startswith("seed words: huawei")
    assert "%" in verdict.reason
    assert model().judge("Recipe: bake the bread for forty minutes").score < 0.1


def test_the_model_follows_the_seeds_not_a_word_list(tmp_path: Path) -> None:
    (tmp_path / "000_0000000000000000.txt").write_text(
        "Coral reefs bleach\n\nOcean warming bleaches coral reefs; marine biologists count bleached corals."
    )
    reefs = TopicModel.from_seeds(tmp_path, THRESHOLD)
    assert reefs.judge("Marine biologists report coral reef bleaching after ocean warming.").relevant
    assert not reefs.judge("Huawei and ZTE telecom equipment raises security concerns.").relevant


def test_links_that_look_on_topic_come_first() -> None:
    topic = model()
    on = topic.link_priority(0.4, "Huawei security concerns in US networks", "http://127.0.0.1/2019/huawei-ban")
    off = topic.link_priority(0.4, "Football results", "http://127.0.0.1/sport/football")
    assert on > off
    assert topic.link_priority(0.1, "Football results", "http://127.0.0.1/sport/x") < off


def test_tokenize_keeps_inner_punctuation() -> None:
    assert tokenize("U.S. officials: ZTE's 5G gear") == ["u.s", "officials", "zte's", "gear"]
