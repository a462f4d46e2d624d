"""`seedcrawl serve`: the review queue in a browser, on this machine.

A Flask application with server-rendered pages (crawler/web/templates) and
one small script for keyboard shortcuts (crawler/web/static/keys.js): no
build step, nothing fetched from other sites. Every decision goes through
crawler.review, as the terminal's do: one transaction each, safe while a
crawl runs. See crawler/web/app.py.
"""

from .app import create_app

__all__ = ["create_app"]
