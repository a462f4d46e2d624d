"""Load and validate seeds/sources.toml: where a crawl starts and how far it goes.

Every key is declared once in ``SCHEMA`` with its type, default and meaning;
the loader, the error messages and the README's key table all come from it.
A broken or unknown key stops the crawl with one line naming the file, the
key and what is expected, because a typo silently ignored would mean a
crawl that quietly does something else.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_SOURCES = Path("seeds") / "sources.toml"
# The sources file `seedcrawl add` writes into a seeds folder it creates: a
# new corpus starts from news search (derived from its documents) until the
# researcher names the pages and feeds it knows.
STARTER = """\
# seedcrawl sources for a new corpus: where the nightly crawl starts and how
# far it goes. Every key is explained in the README ("sources.toml keys").

[seeds]
# The pages your seed documents were taken from: fetched every run, and the
# links out of them followed.
urls = []

[feeds]
# RSS or Atom feeds of the sites that cover your topic.
urls = []

[search]
# News search (GDELT, free, no key) with queries derived from your seeds and
# accepted candidates: `seedcrawl sources --queries` prints them.
gdelt = true
"""


class SourcesError(ValueError):
    """sources.toml cannot be used; the message is one line for a person."""


@dataclass(frozen=True)
class Key:
    check: Callable[[Any], bool]
    expected: str
    default: Any
    meaning: str
    # The largest value accepted: TOML reads a 20-digit number happily, and a
    # limit no crawl could reach is a typo that would otherwise fail deep
    # inside one.
    most: int | None = None


def _is_url_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(u, str) and urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc for u in value
    )


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_non_negative_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_fraction(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _is_language_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and 2 <= len(v) <= 3 for v in value)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_url_or_empty(value: Any) -> bool:
    return value == "" or _is_url_list([value])


def _is_host_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _is_clock_time(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        return False
    hour, minute = map(int, value.split(":"))
    return hour < 24 and minute < 60


def _is_timezone(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if value == "":
        return True  # the machine's own zone
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


URLS = "a list of http(s) URLs"
# Ten million pages is months of polite crawling; more is a typo.
MAX_PAGES = 10_000_000

SCHEMA: dict[str, dict[str, Key]] = {
    "seeds": {
        "urls": Key(
            _is_url_list, URLS, [], "pages the seed documents came from; fetched every run and their links followed"
        ),
    },
    "feeds": {
        "urls": Key(_is_url_list, URLS, [], "RSS/Atom feeds whose entries are fetched as candidate articles"),
    },
    "limits": {
        "max_pages": Key(
            _is_positive_int,
            "a positive integer",
            300,
            "article pages fetched per run at most (the page budget)",
            most=MAX_PAGES,
        ),
        "max_pages_per_site": Key(
            _is_positive_int, "a positive integer", 100, "pages fetched from one site per run at most", most=MAX_PAGES
        ),
        "max_depth": Key(
            _is_non_negative_int,
            "an integer >= 0",
            2,
            "link hops followed from a seed page or feed entry (0: none)",
            most=100,
        ),
        "per_domain_concurrency": Key(
            _is_positive_int, "a positive integer", 2, "parallel requests to one site at most", most=100
        ),
        "download_timeout": Key(
            _is_positive_int, "a positive integer (seconds)", 30, "seconds before a request is given up", most=3600
        ),
        "max_body_bytes": Key(
            _is_positive_int,
            "a positive integer (bytes)",
            5_000_000,
            "responses larger than this are cut off and counted",
            most=1_000_000_000,
        ),
    },
    "relevance": {
        "threshold": Key(
            _is_fraction,
            "a number from 0 to 1",
            0.48,
            "score at or above which a page is on topic (queued, links followed)",
        ),
        "band": Key(
            _is_fraction,
            "a number from 0 to 1",
            0.1,
            "scores this close to the threshold are borderline: marked so, and queued even just below it",
        ),
        "languages": Key(
            _is_language_list,
            'a list of language codes like ["en"]',
            ["en"],
            "languages kept; pages in others are recorded and dropped",
        ),
        "rescore_nightly": Key(
            _is_bool,
            "true or false",
            True,
            "after each nightly crawl, judge the waiting candidates and the pages judged off topic again by the "
            "model your decisions made (`seedcrawl rescore --misses`), so the queue and `seedcrawl misses` "
            "rank by them",
        ),
    },
    "sites": {
        "urls": Key(
            _is_url_list,
            URLS,
            [],
            "sites read through their sitemaps (robots.txt Sitemap: lines, else /sitemap.xml); new entries are fetched",
        ),
        "first_days": Key(
            _is_positive_int,
            "a positive integer (days)",
            2,
            "sitemap entries this new are fetched on the first run; later runs take those since the last finished one",
            most=90,
        ),
    },
    "search": {
        "gdelt": Key(
            _is_bool,
            "true or false",
            False,
            "every run, search the news (GDELT DOC 2.0 API) with queries derived from the seeds and accepted "
            "candidates, and fetch the results",
        ),
        "queries": Key(_is_text_list, "a list of search queries", [], "queries run as given, besides the derived one"),
        "exclude": Key(_is_text_list, "a list of words", [], "words kept out of the derived queries"),
        "max_records": Key(_is_positive_int, "a positive integer", 75, "results asked for per query", most=250),
        "max_requests": Key(
            _is_positive_int,
            "a positive integer",
            4,
            "requests per query and run at most: while GDELT's answer is full (max_records results, newest "
            "first), the rest of the window is asked for, older results next",
            most=20,
        ),
        "first_days": Key(
            _is_positive_int,
            "a positive integer (days)",
            3,
            "how far back the first run searches; later runs search since the last finished one",
            most=90,
        ),
    },
    "network": {
        "allow_hosts": Key(
            _is_host_list,
            "a list of host names or IP addresses",
            [],
            "hosts let through although they are private or local addresses (the demo lists 127.0.0.1-4)",
        ),
    },
    "archive": {
        "offtopic": Key(
            _is_bool,
            "true or false",
            False,
            "also archive the responses of off-topic and other-language pages (every candidate's, feed's and "
            "search's response is archived anyway)",
        ),
    },
    "notify": {
        "command": Key(
            _is_text,
            "a command line",
            "",
            "run after a crawl that queued new candidates; gets the announcement as JSON on stdin",
        ),
        "webhook": Key(
            _is_url_or_empty,
            "an http(s) URL",
            "",
            "gets the announcement as a JSON POST after a crawl that queued new candidates",
        ),
    },
    "housekeeping": {
        "frontier_days": Key(
            _is_positive_int,
            "a positive integer (days)",
            90,
            "`seedcrawl gc` removes frontier links (links over a run's budget, not yet fetched) older than this",
            most=3650,
        ),
        "nightly": Key(_is_bool, "true or false", False, "run `seedcrawl gc` after each nightly crawl"),
    },
    "schedule": {
        "time": Key(_is_clock_time, 'a time of day "HH:MM"', "02:30", "when the nightly crawl starts"),
        "timezone": Key(
            _is_timezone,
            'an IANA zone like "Europe/London", or "" for the machine\'s',
            "",
            "time zone of schedule.time",
        ),
        "shutdown_timeout": Key(
            _is_positive_int,
            "a positive integer (seconds)",
            120,
            "on SIGTERM, seconds a running crawl gets to close before it is killed",
            most=86_400,
        ),
    },
}


@dataclass(frozen=True)
class Sources:
    """A validated sources.toml; ``path`` and ``seeds_dir`` say where it lives."""

    path: Path
    seed_urls: list[str]
    feed_urls: list[str]
    max_pages: int
    max_pages_per_site: int
    max_depth: int
    per_domain_concurrency: int
    download_timeout: int
    max_body_bytes: int
    threshold: float
    band: float
    languages: list[str]
    rescore_nightly: bool
    allow_hosts: list[str]
    site_urls: list[str]
    site_first_days: int
    gdelt: bool
    queries: list[str]
    exclude: list[str]
    max_records: int
    max_requests: int
    first_days: int
    archive_offtopic: bool
    notify_command: str
    notify_webhook: str
    frontier_days: int
    gc_nightly: bool
    time: str
    timezone: str
    shutdown_timeout: int

    @property
    def seeds_dir(self) -> Path:
        """The seed documents live beside their sources.toml."""
        return self.path.parent

    @property
    def queue_cut(self) -> float:
        """The lowest score the crawl queues (a weak "no" within the borderline
        band too), to the four places scores are kept."""
        return round(self.threshold - self.band, 4)

    def with_overrides(self, **values: Any) -> Sources:
        """A copy with some limits replaced (e.g. from ``-a max_pages=``)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


_FIELD_OF = {
    ("seeds", "urls"): "seed_urls",
    ("network", "allow_hosts"): "allow_hosts",
    ("feeds", "urls"): "feed_urls",
    ("sites", "urls"): "site_urls",
    ("sites", "first_days"): "site_first_days",
    ("archive", "offtopic"): "archive_offtopic",
    ("notify", "command"): "notify_command",
    ("notify", "webhook"): "notify_webhook",
    ("housekeeping", "nightly"): "gc_nightly",
}


def field_name(section: str, key: str) -> str:
    return _FIELD_OF.get((section, key), key)


def listed_seed_urls(path: Path) -> set[str]:
    """The seed pages a sources file lists; none if it cannot be read (adding
    a document is not the place to say so): is a saved page's address new?"""
    try:
        return set(load_sources(path).seed_urls)
    except (SourcesError, OSError):
        return set()


def saved_from_hint(url: str, path: Path) -> str:
    """What to do with the address a saved page came from, when the sources file does not list it."""
    return f"saved from {url}: list it under [seeds] urls in {path} for the crawl to start there"


def load_sources(path: Path | str = DEFAULT_SOURCES) -> Sources:
    """Read and validate a sources file; raise SourcesError with one clear line."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        begin = "`seedcrawl add FILE...` starts a corpus"
        start = "" if path.parent.is_dir() else f"no {path.parent}/ folder here: {begin}; "
        raise SourcesError(
            f"{path}: file not found ({start}create it, or name another: --sources PATH, or -a sources=PATH to "
            "scrapy crawl)"
        ) from None
    except UnicodeDecodeError:
        raise SourcesError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read: {exc.strerror}") from None

    # Defaults first so a partial file only overrides the keys it sets.
    values: dict[str, Any] = {
        field_name(section, key): spec.default for section, keys in SCHEMA.items() for key, spec in keys.items()
    }
    for section, body in raw.items():
        if section not in SCHEMA:
            raise SourcesError(f"{path}: unknown section [{section}] (expected one of: {', '.join(SCHEMA)})")
        if not isinstance(body, dict):
            raise SourcesError(f"{path}: '{section}' must be a table, written [{section}]")
        for key, value in body.items():
            spec = SCHEMA[section].get(key)
            if spec is None:
                known = ", ".join(SCHEMA[section])
                raise SourcesError(f"{path}: unknown key '{section}.{key}' (expected one of: {known})")
            if not spec.check(value):
                raise SourcesError(f"{path}: '{section}.{key}' must be {spec.expected}, got {value!r}")
            if spec.most is not None and value > spec.most:
                raise SourcesError(f"{path}: '{section}.{key}' must be at most {spec.most:_}, got {value}")
            values[field_name(section, key)] = value
    return Sources(path=path, **values)


def whole_number(name: str, value: str, low: int = 0, high: int = MAX_PAGES) -> int:
    """A whole number given on a command line (``-a max_pages=``), range-checked."""
    try:
        number = int(value)
    except ValueError:
        raise SourcesError(f"{name}={value}: expected a whole number") from None
    if not low <= number <= high:
        raise SourcesError(f"{name}={value}: expected a whole number from {low} to {high:_}")
    return number
