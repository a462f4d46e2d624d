"""Words the queue uses that no positive text does: what the model cannot know yet.

The relevance model learns the topic's words from the seeds and the accepted
candidates only (crawler/relevance.py). Coverage that speaks of the topic in
words none of them uses (a *ban*, years after seeds about spying) scores
lower than it should, and the model cannot tell. The queue shows it: a word
that many candidates, from more than one site, use and no positive text
does is the topic's new vocabulary (accepting candidates that use it
teaches it) or the mark of a kind of page to reject (which teaches that).
The crawl counts them at its end; `seedcrawl queue`, the browser's list and
the report name them, counting only the candidates still pending (a
reviewer who rejects the pages that used a word sees it go).
"""

from __future__ import annotations

import json
import math
import re
import shlex
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

from .words import WORD, stem, terms

if TYPE_CHECKING:
    from .store import Store

# A word is new vocabulary when at least this many candidates use it, at
# least this share of the candidates read, from at least this many sites (one
# site's chrome is not the topic's vocabulary).
MIN_CANDIDATES = 3
MIN_SHARE = 1 / 3
MIN_SITES = 2
SHOWN = 6  # words named
# Words kept at the crawl's end: more than are named, since decisions can
# leave some with too few pending candidates.
KEPT_WORDS = 3 * SHOWN
# The queue's best candidates read for them (a year's queue need not be read whole).
READ = 200
# Where the store keeps the last count (beside the model's kept word counts).
KEPT = "new_words"
# The next word on the same line, after spaces: its first letter (see ``_forename``).
_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_])")
# The word just before, on the same line, spaces between (see ``_name_before``).
_PREVIOUS_WORD = re.compile(r"([^\W\d_][\w'’-]*)[ \t]+$")


def new_words(
    candidates: Iterable[tuple[str, str]], known: Collection[str], language: str = "en", limit: int = SHOWN
) -> list[tuple[str, int]]:
    """(word, candidates using it), commonest first: the words of the
    candidates (``(site, text)`` pairs) whose stems are not in ``known`` (the
    stems the positive texts use), function words aside."""
    return [(word, len(users)) for word, users in new_word_users(candidates, known, language, limit)]


def new_word_users(
    candidates: Iterable[tuple[str, str]], known: Collection[str], language: str = "en", limit: int = SHOWN
) -> list[tuple[str, list[int]]]:
    """The new words (see ``new_words``), each with the candidates that use
    it: their positions in ``candidates``."""
    # Here, not at the top: the review commands that show the words need not
    # import wordfreq (0.1 s), which the relevance model and the crawl do.
    from .frequencies import word_frequency
    from .relevance import FUNCTION_WORD_FREQUENCY

    def common(word: str) -> bool:
        return word_frequency(word.lower(), language) > FUNCTION_WORD_FREQUENCY

    users: defaultdict[str, list[int]] = defaultdict(list)
    sites: defaultdict[str, set[str]] = defaultdict(set)
    forms: defaultdict[str, Counter[str]] = defaultdict(Counter)
    alone: set[str] = set()  # words seen at least once other than as a forename (see ``_forename``)
    before: defaultdict[str, Counter[str | None]] = defaultdict(Counter)  # see ``_name_before``
    read = 0
    for position, (site, text) in enumerate(candidates):
        read += 1
        found: set[str] = set()
        for match in WORD.finditer(text):
            written = match.group()
            word = written.lower()
            key = stem(word, language)
            if key in known or word_frequency(word, language) > FUNCTION_WORD_FREQUENCY:
                continue
            found.add(key)
            forms[key][written] += 1
            before[key][_name_before(text, match, common)] += 1
            if key not in alone and not _forename(text, match):
                alone.add(key)
        for key in found:
            users[key].append(position)
            sites[key].add(site)
    enough = max(MIN_CANDIDATES, math.ceil(MIN_SHARE * read))
    kept = [
        (key, using)
        for key, using in users.items()
        if len(using) >= enough and len(sites[key]) >= MIN_SITES and key in alone
    ]
    kept.sort(key=lambda item: (-len(item[1]), item[0]))
    return [(_with_forename(shown_form(forms[key]), before[key]), using) for key, using in kept[:limit]]


def _forename(text: str, match: re.Match[str]) -> bool:
    """Is this word, written with a capital, the first of a name's words
    (*Mike* Pompeo, *Mike* Pence, *Boris* Johnson)? A word candidates only
    ever write so is the forename of whoever they quote, not vocabulary: the
    surname says who it is (the demo's queue named *Mike*, of two people)."""
    if not match.group()[0].isupper():
        return False
    after = _NEXT_WORD.match(text, match.end())
    return bool(after and after.group(1).isupper())


def _name_before(text: str, match: re.Match[str], common: Callable[[str], bool]) -> str | None:
    """The name word written directly before this one, both with a capital
    (*Hong* Kong, *Dominic* Raab), if any: a ``common`` word (*The* UK, *In*
    London) is none."""
    if not match.group()[0].isupper():
        return None
    found = _PREVIOUS_WORD.search(text, max(0, match.start() - 40), match.start())
    if found is None or not found.group(1)[0].isupper() or common(found.group(1)):
        return None
    return found.group(1)


def _with_forename(shown: str, before: Counter[str | None]) -> str:
    """A word the candidates only ever write after the same name is named
    with it: *Hong Kong*, not *Kong* (its first word, a forename to
    ``_forename``, is not named on its own)."""
    [(first, _), *others] = before.most_common() or [(None, 0)]
    return f"{first} {shown}" if first is not None and not others else shown


def shown_form(forms: Counter[str]) -> str:
    """How a word is named: in lower case if the candidates ever write it
    so (*ban*, though a headline says *Ban*), else as they write it most
    (*UK*, *Britain*: a name)."""
    lower = Counter({form: n for form, n in forms.items() if form == form.lower()})
    return (lower or forms).most_common(1)[0][0]


def count_in_queue(store: Store, candidates: int = READ) -> tuple[list[tuple[str, int]], int]:
    """Count the new words of the ``candidates`` best pending candidates of
    the queue's main language, keep them in the store, and return them with
    how many were read. The crawl calls this at its end, when it has the
    word frequencies loaded (a review command would spend 0.1 s importing
    them). What the positives use is read from the counts the crawl's fit
    kept, and from the candidates accepted since."""
    from .refit import KeptCounts, kept_name  # the crawl's modules (see new_words)
    from .report import site_name  # the report imports this module

    decision = store.latest_decision_number()
    rows = store.pending_texts(candidates)
    language = Counter(row["language"] or "en" for row in rows).most_common(1)[0][0] if rows else "en"
    kept = store.kept_counts(kept_name(language))
    found: list[tuple[str, list[int]]] = []
    read: list[dict] = []
    sites: list[str] = []
    if kept is not None:
        positives = KeptCounts.from_json(kept).positives
        known = set(positives.used_by)
        accepted = [digest for digest, status in store.decided_identities() if status == "accepted"]
        for text in store.texts_by_hash(d for d in accepted if d not in positives.members).values():
            known.update(terms(text, language))
        read = [row for row in rows if (row["language"] or "en") == language]
        sites = [site_name(row) for row in read]
        found = new_word_users(zip(sites, (row["text"] for row in read), strict=True), known, language, KEPT_WORDS)
    using = sorted({k for _, users in found for k in users})  # the candidates that use any of them
    position = {k: n for n, k in enumerate(using)}
    body = {
        "language": language, "read": len(read), "decision": decision,
        "candidates": [[read[k]["hash"], sites[k]] for k in using],
        "words": [[word, [position[k] for k in users]] for word, users in found],  # positions in candidates
    }  # fmt: skip
    store.keep_counts(KEPT, json.dumps(body))
    return [(word, len(users)) for word, users in found[:SHOWN]], len(read)


def in_queue(store: Store, limit: int = SHOWN) -> tuple[list[tuple[str, int]], int]:
    """The new words the last crawl counted (see ``count_in_queue``) with the
    candidates using them that are still pending (decided ones no longer
    count, and a word left with too few is no longer named), less those a
    candidate accepted since, or a seed added since, uses (no longer new:
    the next fit counts them),
    and how many candidates the crawl read; nothing before a crawl counted
    them."""
    kept = store.kept_counts(KEPT)
    try:
        found = json.loads(kept) if kept is not None else {}
        language, words, read, decision = found["language"], found["words"], found["read"], found["decision"]
        candidates = [(digest, site) for digest, site in found["candidates"]]
        users = {word: [candidates[k] for k in positions] for word, positions in words}
    except (ValueError, KeyError, TypeError, IndexError):  # none yet, or not what count_in_queue keeps
        return [], 0
    if not users:  # nothing to look up (every queue and report page asks)
        return [], read
    used = {key for text in store.positives_after(decision) for key in terms(text, language)}
    pending = store.still_pending(digest for digest, _ in candidates)
    named = []
    for word, using in users.items():
        left = [site for digest, site in using if digest in pending]
        last = word.split()[-1]  # a name of two words (Hong Kong) is new while its last one is
        if stem(last.lower(), language) not in used and len(left) >= MIN_CANDIDATES and len(set(left)) >= MIN_SITES:
            named.append((word, len(left)))
    named.sort(key=lambda item: -item[1])  # stable: the crawl's order among equals
    return named[:limit], read


def sentence(words: list[tuple[str, int]], read: int) -> str:
    """One paragraph for a person: the words, and what to do about them."""
    listed = ", ".join(f"{word} {n}" for word, n in words)
    walk = f" `seedcrawl review --search {shlex.quote(words[0][0])}` walks the candidates that use it." if words else ""
    return f"{HEADING} {read} best): {listed}. {ADVICE}{walk}"


HEADING = "New words in the queue at the last crawl (candidates using them, of the"


ADVICE = (
    "None of your seeds or accepted texts uses them, so the model does not count them yet: accepting candidates "
    "that use them teaches it (rejecting them, if they mark pages you do not want)."
)
