import pytest

from crawler.dedup import MIN_CONTAINMENT, UrlError, canonical_url, containment, shingle_sample
from crawler.seedfile import read_seed

from .conftest import SEEDS


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTP://Example.COM:80/a/b?utm_source=x&id=3&fbclid=abc#frag", "http://example.com/a/b?id=3"),
        ("https://www.example.com:443/x/?b=2&a=1&gclid=1", "https://www.example.com/x/?a=1&b=2"),
        ("http://en.people.cn./90778/8254649.html", "http://en.people.cn/90778/8254649.html"),
        ("http://127.0.0.1:8080/p?utm_medium=rss", "http://127.0.0.1:8080/p"),
    ],
)
def test_url_spellings_collapse_to_one(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", ["javascript:void(0)", "mailto:a@b.c", "ftp://x.org/f", "http://"])
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(UrlError):
        canonical_url(url)


def _shared(a: str, b: str) -> float:
    sa, sb = shingle_sample(a), shingle_sample(b)
    return containment(len(sa & sb), len(sa), len(sb))


def test_body_only_copy_of_a_seed_is_contained_in_it() -> None:
    seed = read_seed(sorted(SEEDS.glob("000_*.txt"))[0]).text
    lines = [line for line in seed.split("\n") if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("GUANGZHOU"))
    end = next(i for i, line in enumerate(lines) if line.startswith("We Recommend"))
    body = "\n\n".join(lines[start:end])
    edited = body.replace("U.S.", "US")
    assert _shared(seed, body) >= 0.9
    assert _shared(seed, edited) >= MIN_CONTAINMENT


def test_different_seed_stories_are_not_merged() -> None:
    texts = [read_seed(p).text for p in sorted(SEEDS.glob("*.txt"))]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert _shared(a, b) < 0.2
