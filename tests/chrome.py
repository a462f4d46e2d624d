"""Real page chrome around another article: for the first-pass test and bench."""

from __future__ import annotations

import lxml.html


def with_article(html: bytes, body: str, text: str, tag: str = "p") -> bytes | None:
    """The page with its own article paragraphs (those found in ``body``, its
    hand-checked text) replaced by the lines of ``text`` as ``tag`` elements;
    navigation, teasers and footer stay. None when the page's article is not
    in <p> elements."""
    tree = lxml.html.fromstring(html)
    body = " ".join(body.split())
    texts = [(p, " ".join(p.text_content().split())) for p in tree.iter("p")]
    own = [p for p, words in texts if len(words) > 40 and words in body]
    if len(own) < 2:
        return None
    parent, at = own[0].getparent(), own[0].getparent().index(own[0])
    for p in own:
        p.getparent().remove(p)
    for i, paragraph in enumerate(line for line in text.split("\n") if line.strip()):
        element = lxml.html.Element(tag)
        element.text = paragraph
        parent.insert(at + i, element)
    return lxml.html.tostring(tree)
