"""Aggregators' links that carry no publisher URL: leads, never fetched.

Wrappers that carry the publisher's URL in their query (Bing News
``/news/apiclick.aspx?...&url=``, Google's ``/url?q=``, click trackers) are
unwrapped by ``dedup.unwrap_url`` wherever a URL is canonicalised, so the
publisher's page is what gets fetched; the spider records the wrapper as
an alias of it. Google News' RSS links (``news.google.com/rss/articles/<id>``)
have carried no publisher URL since 2024 and answer with a JavaScript page,
not a redirect: such an entry is a *lead* (its title, the publisher named by
the feed's ``<source>``, its date), kept and counted. Recovering its URL
would need Google's private endpoints, which this crawler does not call.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# Hosts whose article links are opaque ids with no publisher URL in them.
OPAQUE_HOSTS = ("news.google.com",)


def is_opaque(url: str) -> bool:
    """A wrapper that carries no publisher URL (Google News' article ids)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").rstrip(".").lower()
    on_aggregator = any(host == known or host.endswith("." + known) for known in OPAQUE_HOSTS)
    return on_aggregator and "/articles/" in parts.path
