"""The first pass: pages judged on a cheap preview before the full extraction."""

from __future__ import annotations

import gzip
import json

import pytest

from crawler import analysis
from crawler.analysis import analyse
from crawler.relevance import TopicModel
from crawler.sources import SCHEMA

from . import chrome
from .conftest import DATA, SEEDS

TRUTH = json.loads((DATA / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
OFF_TOPIC_PAGE = "06ee193de4bd611f7fafbab0c59b0f6fe3495093516720632cd093b24c7a0e98"  # a market report
THRESHOLD = SCHEMA["relevance"]["threshold"].default


def page(page_id: str) -> bytes:
    return gzip.decompress((DATA / "aeb" / f"{page_id}.html.gz").read_bytes())


def with_article(page_id: str, text: str, tag: str = "p") -> bytes:
    html = chrome.with_article(page(page_id), TRUTH[page_id]["articleBody"], text, tag)
    assert html is not None
    return html


@pytest.fixture(scope="module")
def model() -> TopicModel:
    return TopicModel.from_seeds(SEEDS, THRESHOLD)


@pytest.fixture
def relevant_text(labelled: list[dict]) -> str:
    row = next(r for r in labelled if r["label"] == "relevant" and r["lang"] == "en")
    return row["title"] + "\n" + row["text"]


@pytest.fixture
def no_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the full extraction ran")

    monkeypatch.setattr(analysis, "draft_article", refuse)
    monkeypatch.setattr(analysis, "confirm", refuse)


@pytest.fixture
def confirmed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """URLs of the pages the second extractor was asked about."""
    calls: list[str] = []
    real = analysis.confirm

    def spy(article, html):  # noqa: ANN001, ANN202
        calls.append(article.url)
        return real(article, html)

    monkeypatch.setattr(analysis, "confirm", spy)
    return calls


def test_an_off_topic_page_is_dropped_on_its_preview_with_a_reason(model: TopicModel, no_extraction: None) -> None:
    result = analyse(page(OFF_TOPIC_PAGE).decode(), "http://127.0.0.1/report", model, ("en",), first_pass=True)
    assert result.first_pass and result.article is None
    assert result.error_reason == "offtopic"
    assert result.verdict.score < model.first_pass_cutoff
    assert result.error_detail.startswith(f"first pass {result.verdict.score:.3f} < {model.first_pass_cutoff:.3f}")
    assert "seed words:" in result.error_detail


def test_a_relevant_article_in_real_page_chrome_passes_and_is_queued(model: TopicModel, relevant_text: str) -> None:
    html = with_article(OFF_TOPIC_PAGE, relevant_text).decode()
    preview = model.first_pass(analysis.previews(html)[0])
    # Judged by its best passage, the story is not diluted by the page's chrome.
    assert preview.relevant and preview.score >= model.threshold
    result = analyse(html, "http://127.0.0.1/story", model, ("en",), first_pass=True)
    assert not result.first_pass
    assert result.article is not None and result.verdict.relevant


def test_an_article_outside_paragraph_tags_is_read_in_full(model: TopicModel, relevant_text: str) -> None:
    # No <p> around the story: the paragraphs left are the page's teasers.
    html = with_article(OFF_TOPIC_PAGE, relevant_text, tag="div").decode()
    prose, body = analysis.previews(html)
    assert not model.first_pass(prose).relevant
    result = analyse(html, "http://127.0.0.1/story", model, ("en",), first_pass=True)
    assert not result.first_pass  # the body text let it through
    assert result.article is not None and result.verdict.relevant


def test_seed_pages_skip_the_first_pass(model: TopicModel) -> None:
    result = analyse(page(OFF_TOPIC_PAGE).decode(), "http://127.0.0.1/report", model, ("en",), first_pass=False)
    assert not result.first_pass
    assert result.article is not None and not result.verdict.relevant


def test_a_page_in_another_language_is_dropped_on_its_preview(model: TopicModel, no_extraction: None) -> None:
    german = (
        "Die Bundesregierung prüft seit Monaten, ob Bauteile chinesischer Hersteller aus dem Mobilfunknetz "
        "entfernt werden müssen. Die Netzbetreiber warnen vor hohen Kosten und Verzögerungen beim Ausbau. "
    ) * 4
    html = with_article(OFF_TOPIC_PAGE, german + "\n" + german).decode()
    result = analyse(html, "http://127.0.0.1/de", model, ("en",), first_pass=True)
    assert result.first_pass and result.error_reason == "language"
    assert result.error_detail == "language de (first pass)"


def test_only_pages_near_the_threshold_get_the_second_opinion(labelled: list[dict], confirmed: list[str]) -> None:
    # A security story (no vendor) passes the first pass, but its
    # trafilatura text scores far under the threshold, so readability is not
    # consulted; a story near it is.
    model = TopicModel.from_seeds(SEEDS, THRESHOLD)
    texts = {r["id"]: r["title"] + "\n" + r["text"] for r in labelled}
    # Two security stories without the vendor, one page: past the first pass.
    negative = with_article(OFF_TOPIC_PAGE, texts["cyber-1018"] + "\n" + texts["cyber-0042"]).decode()
    positive = with_article(OFF_TOPIC_PAGE, texts["ukban-058"]).decode()
    off = analyse(negative, "http://127.0.0.1/negative", model, ("en",), first_pass=True)
    on = analyse(positive, "http://127.0.0.1/positive", model, ("en",), first_pass=True)
    assert not off.first_pass and off.article is not None  # read, judged, recorded
    assert off.verdict.score < analysis.SECOND_OPINION_SHARE * model.threshold
    assert on.verdict.score >= analysis.SECOND_OPINION_SHARE * model.threshold and on.shingles
    assert confirmed == ["http://127.0.0.1/positive"]
    seed = analyse(negative, "http://127.0.0.1/seed", model, ("en",), first_pass=False)
    assert seed.article is not None and confirmed[-1] == "http://127.0.0.1/seed"  # seed pages: always


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<p>Caf\u00e9 \u201cquoted\u201d</p>".encode("cp1252"), "text/html"),  # no charset: Scrapy infers one
        ("<p>Caf\u00e9</p>".encode(), "text/html; charset=iso-8859-1"),  # declared wrong
        ("<p>Caf\u00e9</p>".encode("utf-16"), "text/html"),  # a BOM says it
        ("<meta charset='gbk'><p>\u534e\u4e3a</p>".encode("gbk"), "text/html"),  # the page says it
        (b"<p>caf\xc3\xa9 caf\xe9</p>", "text/html; charset=utf-8"),  # mixed bytes
        (b"<p>bogus</p>", "text/html; charset=x-no-such-charset"),
    ],
)
def test_workers_decode_a_page_as_scrapy_would(body: bytes, content_type: str):
    """Workers get the raw body and Scrapy's encoding, and must read the same text."""
    from scrapy.http import HtmlResponse

    response = HtmlResponse("http://127.0.0.1/page", body=body, headers={"Content-Type": content_type})
    assert analysis.decode(response.body, response.encoding) == response.text


def test_a_story_the_first_extractor_misses_still_gets_the_second_opinion(
    labelled: list[dict], confirmed: list[str]
) -> None:
    """A story set in <div>s on a real page whose own article trafilatura
    takes instead: its draft scores 0.00, its preview (the page's text) well
    above the threshold. Judged on the draft alone it was dropped unread by
    readability, which finds the story: 13 of the 298 pages bench/relevance.py
    queues were lost that way."""
    model = TopicModel.from_seeds(SEEDS, THRESHOLD)
    row = next(r for r in labelled if r["id"] == "ukban-058")
    html = with_article(MISSED_BY_DRAFT, row["title"] + "\n" + row["text"], tag="div").decode()
    result = analyse(html, "http://127.0.0.1/story", model, ("en",), first_pass=True)
    assert confirmed == ["http://127.0.0.1/story"]
    assert result.article is not None and result.verdict.relevant, result.verdict


MISSED_BY_DRAFT = "5f03fc173ebc6abdfae50b96ce0b05a6137b7d3f2ef379be35a9bb8ca9f49e87"  # a meal-prep blog post
