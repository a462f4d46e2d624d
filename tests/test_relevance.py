from pathlib import Path

from crawler.refit import corpus_model
from crawler.relevance import TopicModel, squash
from crawler.sources import SCHEMA
from crawler.words import tokenize

from .conftest import DATA, SEEDS

THRESHOLD = SCHEMA["relevance"]["threshold"].default


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


# Two reviews of the same kind (a vendor's phone, not its network gear): the
# kind of page a Google Alert for "Huawei" floods a researcher with.
PHONE_REVIEWS = [
    "Huawei P30 Pro review\n\nThe Huawei P30 Pro camera is superb in low light, the battery lasts two days and the "
    "screen is bright. Huawei's phone also brings fast charging and a zoom lens; the Chinese maker's handset is a "
    "rival to Samsung and Apple. Security updates arrive monthly.",
    "Huawei Mate 20 review\n\nHuawei's Mate 20 handset has a big battery, a triple camera and a fast chip. The "
    "Chinese phone maker's software skin is busy, but the screen and battery life impress. Security patches and "
    "Android updates are promised for two years.",
]
NEW_PHONE_REVIEW = (
    "Huawei Mate 30 review\n\nThe Mate 30 from Huawei is a phone with a great camera, a huge battery and a curved "
    "screen. The Chinese maker's handset charges fast; security updates are promised."
)


def test_a_rejected_kind_of_article_scores_lower_afterwards(tmp_path: Path) -> None:
    from crawler.store import Store

    from .test_store import make_doc

    store = Store(tmp_path / "storage")
    before = corpus_model(SEEDS, store, THRESHOLD).judge(NEW_PHONE_REVIEW).score
    run = store.start_run("sources.toml")
    for text in PHONE_REVIEWS:
        store.add_candidate(make_doc(text, url=f"http://127.0.0.1/{len(text)}"), run)
    store.db.execute("update documents set status = 'rejected'")
    after = corpus_model(SEEDS, store, THRESHOLD)
    store.close()
    assert after.judge(NEW_PHONE_REVIEW).score < before * 0.8
    # while real coverage of the topic keeps its standing
    seeds_only = TopicModel.from_seeds(SEEDS, THRESHOLD)
    related = (DATA / "relevance" / "sample.jsonl").read_text(encoding="utf-8").splitlines()[0]
    text = __import__("json").loads(related)["text"]
    assert after.judge(text).relevant and after.judge(text).score >= seeds_only.judge(text).score * 0.95


# An accepted story about the topic that mentions the vendor's phones in passing.
ACCEPTED_IN_PASSING = (
    "Huawei ban widens\n\nThe government barred Huawei equipment from the 5G network over security concerns. "
    "Officials said the threat of spying through telecom gear outweighs the cost; Huawei, also known for its phone's "
    "camera and battery, denied the allegations."
)


def test_words_rejected_pages_use_far_more_than_accepted_ones_still_count_against_a_page() -> None:
    before = TopicModel.from_corpus(SEEDS, ([ACCEPTED_IN_PASSING], []), THRESHOLD).judge(NEW_PHONE_REVIEW).score
    after = TopicModel.from_corpus(SEEDS, ([ACCEPTED_IN_PASSING], PHONE_REVIEWS), THRESHOLD)
    # one accepted story uses camera and battery once; every rejected review does
    assert after.judge(NEW_PHONE_REVIEW).score < before * 0.8
    assert {"camera", "battery"} & {w for w, _ in after.judge(NEW_PHONE_REVIEW).like_rejected}
    coverage = "Huawei gear barred\n\nSecurity officials barred Huawei telecom equipment over spying concerns."
    assert after.judge(coverage).relevant


def test_accepted_candidates_count_as_positives(tmp_path: Path, labelled: list[dict]) -> None:
    from crawler.store import Store

    from .test_store import make_doc

    row = next(r for r in labelled if r["id"] == "ukban-018")  # relevant, the weakest of the sample
    store = Store(tmp_path / "storage")
    before = corpus_model(SEEDS, store, THRESHOLD).judge(row["text"]).score
    other = next(r for r in labelled if r["id"] == "ukban-068")
    store.add_candidate(make_doc(other["text"]), store.start_run("x"))
    store.db.execute("update documents set status = 'accepted'")
    assert corpus_model(SEEDS, store, THRESHOLD).judge(row["text"]).score > before
    store.close()


def test_reason_leaves_out_common_words() -> None:
    verdict = model().judge("Huawei said its network equipment is safe, and the government agreed.")
    words = [w for w, _ in verdict.terms]
    assert "huawei" in words and "its" not in words and "the" not in words


# -- what the seeds are about, not just their words (issue 13) ---------------------------------

PHONE_LAUNCH = (
    "Huawei launches the Mate 70 with a bigger battery\n\nHuawei on Tuesday launched its new flagship phone, the "
    "Mate 70, with a 6.8-inch display, a 50MP camera and a 5,500 mAh battery. The Chinese company said the handset "
    "goes on sale in China next week at a lower price than its predecessor, and that sales of its phones rose 20% "
    "last quarter."
)


def test_a_wire_brief_is_judged_like_the_article_it_summarises(labelled: list[dict]) -> None:
    """A title and a two-sentence lead (a brief, a feed entry) is one passage:
    it needs as much evidence as a seed passage, not as a whole article."""
    row = next(r for r in labelled if r["id"] == "ukban-004")
    body = [line for line in row["text"].split("\n") if len(line.split()) > 12]
    brief = row["title"] + "\n\n" + " ".join(body[0].split(". ")[:2])
    assert len(brief.split()) < 80
    assert model().judge(brief).relevant


def test_the_vendor_without_the_concern_is_off_topic_and_says_why() -> None:
    verdict = model().judge(PHONE_LAUNCH)
    assert not verdict.relevant and verdict.score < 0.5 * THRESHOLD
    assert "huawei" in dict(verdict.terms) and verdict.reason.endswith("few of the seeds' other words")


def test_a_reason_names_only_words_that_earned_part_of_the_score() -> None:
    """Words that earned under 1% of the score explain nothing ("tuesday 0%")."""
    verdict = model().judge(PHONE_LAUNCH)
    assert verdict.reason.startswith("seed words: huawei ")
    assert all(share >= 0.01 for _, share in verdict.terms) and " 0%" not in verdict.reason
    assert "tuesday" not in verdict.reason and len(verdict.terms) >= 3


def test_the_concern_without_the_vendor_is_off_topic_and_says_why(labelled: list[dict]) -> None:
    row = next(r for r in labelled if r["id"] == "cyber-0042")  # a university's data breach
    verdict = model().judge(row["title"] + "\n" + row["text"])
    assert not verdict.relevant and "security" in dict(verdict.terms)
    assert "none of the seeds' names" in verdict.reason


def test_a_story_is_judged_by_its_best_passage_not_diluted_by_the_rest(labelled: list[dict]) -> None:
    row = next(r for r in labelled if r["id"] == "ukban-004")
    text = row["title"] + "\n" + row["text"]
    padding = "\n".join(f"Recipe {i}: fold the butter into the flour; bake the dough for an hour." for i in range(80))
    alone, padded = model().judge(text), model().judge(text + "\n" + padding)
    assert padded.relevant and abs(padded.score - alone.score) < 0.05


def test_verdicts_near_the_threshold_are_marked_borderline() -> None:
    topic = TopicModel.from_seeds(SEEDS, THRESHOLD, band=0.1)
    # (Until short texts were held to the seeds' short passages, "to remove Huawei
    # equipment from its telecoms networks" was this weak; it is now clearly on topic.)
    brief = "Huawei and the UK\n\nBritain decided to buy less Huawei equipment for its networks"
    weak, strong = topic.judge(brief + "."), topic.judge(brief + " over security concerns.")
    assert weak.borderline and abs(weak.score - THRESHOLD) <= 0.1
    assert not strong.borderline and strong.relevant and strong.score > weak.score


def test_a_verdict_is_fast_enough_to_stay_in_the_crawl() -> None:
    """Not a timing test: the work a verdict does is bounded by the text, and
    the model holds only the seeds' weighted words (a few thousand)."""
    topic = model()
    assert len(topic.centroid) < 5_000
    assert topic.judge("").score == 0.0 and not topic.judge("x " * 10).relevant


# A headline and a sentence or two: what a brief, a teaser or a feed entry holds.
BRIEFS = {
    # Forbes, 2019 (bench/relevance.py's UK-ban set): the headline and the page's first lines.
    "Huawei Has Failed To Resolve Security Flaws, U.K. Government Report Says\n\n"
    "Covering breaking news and tech policy stories at Forbes. This article is more than 3 years old.": True,
    "Huawei unveils Mate 30 phone with a curved screen\n\n"
    "The Chinese company showed the phone at an event in Munich on Thursday. It goes on sale next month.": False,
    "Huawei reports record revenue despite sanctions\n\n"
    "The Chinese company said its sales rose 18 percent in the first half. Its phone business grew fastest.": False,
    "Hackers breach hospital network in ransomware attack\n\n"
    "The attackers encrypted patient records and demanded payment. Officials said the network was restored.": False,
}


def test_a_brief_is_held_to_what_the_seeds_short_passages_carry() -> None:
    """A two-sentence brief on the concern is on topic (held to the seeds'
    60-word passages it scored 0.45); the vendor's product and business
    briefs and a security brief without the vendor stay off topic."""
    judged = {text.split("\n")[0]: model().judge(text).relevant for text in BRIEFS}
    assert judged == {text.split("\n")[0]: expected for text, expected in BRIEFS.items()}


def test_facets_say_which_of_the_two_a_text_lacks(labelled: list[dict]) -> None:
    """bench/relevance.py prints them beside each error: the vendor's phone has
    the names of a seed passage and few of its other words, a university's
    breach the other way round, and the score is the lesser of the two."""
    topic = model()
    names, concerns = topic.facets(PHONE_LAUNCH)
    assert names >= 0.9 and concerns < 0.5 * names
    breach = next(r for r in labelled if r["id"] == "cyber-0042")
    names, concerns = topic.facets(breach["title"] + "\n" + breach["text"])
    assert concerns >= 0.5 and names < 0.5 * concerns
    assert topic.judge(PHONE_LAUNCH).score == round(squash(min(topic.facets(PHONE_LAUNCH))), 4)


def test_the_reason_is_the_same_in_every_process(tmp_path: Path) -> None:
    """Words of equal weight (the seeds' "allegations" and "assurance") are
    named in one order, whatever the process's hash seed: the reason stored
    at crawl time is the one `score --explain` prints later."""
    import os
    import subprocess
    import sys

    from .mockserver import sources_for

    sources = sources_for(tmp_path, [])
    text = tmp_path / "brief.txt"
    text.write_text("Huawei security allegations\nThe telecom company Huawei offered an assurance on the allegations "
                    "of spying, and the committee gave its assurance on national security.\n")  # fmt: skip
    reasons = set()
    for seed in range(1, 7):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        run = subprocess.run([sys.executable, "-m", "crawler.cli", "score", "--explain", str(text), "--sources",
                              str(sources)], capture_output=True, text=True, env=env, check=True)  # fmt: skip
        reasons.add(run.stdout.split("\t")[-1])
    assert len(reasons) == 1 and "allegations 2%, assurance 2%" in reasons.pop()


def test_words_are_weighed_against_the_background_given_or_language_at_large() -> None:
    """bench/relevance.py --background weighs the seeds' words against the
    text the crawl sees; a word that text uses as much as the seeds loses
    its weight there, and nothing changes for the shipped model."""
    from crawler.relevance import _frequency, specific_words
    from crawler.topic_counts import Counts

    seeds = [path.read_text() for path in sorted(SEEDS.glob("*.txt"))]
    counted = Counts.of(seeds, "en")
    shipped, _ = specific_words(counted, "en")
    assert specific_words(counted, "en", against=_frequency)[0] == shipped
    telecom_everywhere, _ = specific_words(
        counted, "en", against=lambda word, language: 0.01 if word == "telecom" else _frequency(word, language)
    )
    assert shipped["telecom"] > 1.0 and "telecom" not in telecom_everywhere
    assert telecom_everywhere["huawei"] == shipped["huawei"]
