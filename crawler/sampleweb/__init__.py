"""A small, real-text sample of the web, served on loopback addresses.

``site``: the layout (four sites, which article goes where, the copies);
``render``: the pages and feeds built from it; ``server``: one loopback
HTTP server class, used by the demo, the tests and the benches.
"""

from __future__ import annotations

from .render import build_site
from .server import LoopbackServer, SampleWebServer, send
from .site import ADDRESSES, SEED_PAGES, SITE_NAMES, Page, SampleWeb, load_articles

__all__ = [
    "ADDRESSES", "SEED_PAGES", "SITE_NAMES", "LoopbackServer", "Page", "SampleWeb", "SampleWebServer", "build_site",
    "load_articles", "send",
]  # fmt: skip
