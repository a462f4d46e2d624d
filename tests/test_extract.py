import gzip
import json
import re

import pytest

from crawler.extract import ExtractionError, detect_language, extract_article
from crawler.seedfile import content_hash

from .conftest import DATA

TRUTH = json.loads((DATA / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
# Each page's day of publication as its metadata says it (either side of midnight UTC).
PUBLISHED = {
    "06ee193de4bd611f7fafbab0c59b0f6fe3495093516720632cd093b24c7a0e98": {"2019-11-19", "2019-11-20"},
    "098bb3e96c0acdf36efdcde45fb9cca3f8c82c7cb2071b76097a1b96155f1eb2": {"2019-11-19", "2019-11-20"},
    "5f03fc173ebc6abdfae50b96ce0b05a6137b7d3f2ef379be35a9bb8ca9f49e87": {"2018-10-07"},  # 09:00:35-08:00
}


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text)
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


@pytest.mark.parametrize("page_id", sorted(TRUTH))
def test_real_page_gives_its_article_and_metadata(page_id: str) -> None:
    html = gzip.decompress((DATA / "aeb" / f"{page_id}.html.gz").read_bytes())
    truth = TRUTH[page_id]
    article = extract_article(html, truth["url"])
    # Most of the hand-checked body is found, and little else (4-word shingles).
    expected, found = _shingles(truth["articleBody"]), _shingles(article.body)
    assert len(expected & found) / len(expected) >= 0.9
    assert len(expected & found) / len(found) >= 0.9
    assert article.language == "en"
    assert article.published in PUBLISHED[page_id]
    assert article.canonical_url.startswith("https://www.")
    assert article.text.split("\n", 1)[0] == article.title
    assert article.digest == content_hash(article.text)


def test_seed_format_of_extracted_text() -> None:
    html = (
        b"<html><head><title>T</title></head><body><article><h1>Huawei hearing</h1>"
        + b"".join(
            b"<p>Paragraph %d says something long enough to be an article paragraph about telecom.</p>" % i
            for i in range(6)
        )
        + b"</article></body></html>"
    )
    article = extract_article(html, "http://127.0.0.1/a")
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0] == "Huawei hearing"
    assert paragraphs[1].startswith("Paragraph 0 says")
    assert len(paragraphs) == 7


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<html><body><p>Too short.</p></body></html>", "no_text"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "no_text"),
    ],
)
def test_pages_without_an_article_say_why(body: bytes, reason: str) -> None:
    with pytest.raises(ExtractionError) as info:
        extract_article(body, "http://127.0.0.1/x")
    assert info.value.reason in (reason, "too_short", "no_text", "unparsable")


def test_language_is_detected_from_the_text() -> None:
    assert detect_language("The government said the telecom equipment posed a security risk to networks.") == "en"
    assert detect_language("Die Regierung sagte, die Ausrüstung sei ein Sicherheitsrisiko für die Netze.") == "de"
    assert detect_language("ok") is None
