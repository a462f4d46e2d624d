"""A seed file's headline: what the corpus, search and a citation call it.

The seed format makes a document's first line its title, and for the pages
seedcrawl writes it is one (the headline it extracted). A file a researcher
saved from a browser starts with whatever the page started with: "Latest
News:", a section's name, a dateline, a byline. Listed as the title, that
line says nothing about the article. Where the first line is such page
chrome, the headline is the last headline-like line above the article's
first paragraph, where a page prints its headline. When in doubt, the
first line: the format's own rule.
"""

from __future__ import annotations

import re

# A line of this many words is the article's prose (or a photo's caption):
# the headline stands above it.
PROSE_WORDS = 20
# A headline has at least this many words ("About Us", "News Videos" are a menu's).
HEADLINE_MIN_WORDS = 3
# Words of a dateline or a byline's date: numbers, months, weekdays, times,
# "Published"/"Updated", "3 hours ago". A line of these and at most one
# other word ("By", a place) names a date, not the article.
_DATE_WORD = re.compile(
    r"\d[\d:./-]*(st|nd|rd|th|am|pm)?|jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?"
    r"|sep(t|tember)?|oct(ober)?|nov(ember)?|dec(ember)?|mon(day)?|tue(s|sday)?|wed(nesday)?|thu(rs|rsday)?"
    r"|fri(day)?|sat(urday)?|sun(day)?|[ap]\.?m\.?|gmt|utc|[ecmp][sd]t|bst|cet|published|updated|posted|last"
    r"|on|at|ago|hours?|minutes?|mins?|days?|read|\W*",
    re.IGNORECASE,
)


def headline(text: str) -> str:
    """The text's headline: its first line, unless that is page chrome and
    a headline-like line stands below it, above the first paragraph (a
    text of short lines, a note, has no such paragraph: its first line)."""
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if not is_chrome(first):
        return first
    nearest = first  # the headline-like line nearest above the paragraph so far
    for line in lines[1:]:
        if len(line.split()) >= PROSE_WORDS:
            return nearest
        if not is_chrome(line) and not line.endswith("."):  # a sentence, not a headline
            nearest = line
    return first


def is_chrome(line: str) -> bool:
    """A menu's item ("News Videos"), a label ("Latest News:"), a credit
    ("(Xinhua)"), a byline ("By Chen Weihua ...") or a dateline: a line a
    page prints around its headline, never a headline (long ones can be)."""
    words = line.split()
    if len(words) < HEADLINE_MIN_WORDS:
        return True
    if line.endswith(":") or (line.startswith("(") and line.endswith(")")) or words[0].lower() == "by":
        return True
    named = [word for word in words if not _DATE_WORD.fullmatch(word.strip(",.;:|()"))]
    return len(named) < 2
