# ruff: noqa: E501  (a table of cases reads best one case a line)
"""A hostile web on 127.0.0.1: every kind of bad input a crawl meets, one path each.

``PAGES`` and ``FEEDS`` map a path to a handler that writes the raw response
(so it can lie about lengths, drip, or reset the connection). The seed page
links every page; the feeds are listed in sources.toml.
"""

from __future__ import annotations

import gzip
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler

from crawler.sampleweb import LoopbackServer

from .conftest import SEEDS

OFFTOPIC = " ".join(f"The recipe needs flour, butter and sugar; bake batch {i} for forty minutes." for i in range(20))


def offtopic(name: str) -> str:
    """Unrelated text, different for each page (so they are not copies of each other)."""
    return " ".join(
        f"{name} {word} recipe step {i}: fold the {word} dough." for i, word in enumerate(OFFTOPIC.split()[:60])
    )


BOMB = (
    """<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">"""
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + """]><rss version="2.0"><channel><title>&i;</title><item><title>&i;</title>
<link>/never</link></item></channel></rss>"""
)
XXE = """<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&x;</title><item><title>&x;</title><link>/xxe-target</link></item></channel></rss>"""


def html(body: str) -> bytes:
    return f"<html><head><title>t</title></head><body>{body}</body></html>".encode()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "text/html",
         headers: dict[str, str] | None = None, length: int | None = None) -> None:  # fmt: skip
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def chunked(handler: BaseHTTPRequestHandler, size: int) -> None:
    """An HTML body of ``size`` bytes in chunks, its length announced nowhere."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"<p>" + b"x" * 65_000 + b"</p>"
    try:
        for _ in range(size // len(chunk) + 1):
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        handler.wfile.write(b"0\r\n\r\n")
    except OSError:
        pass  # the crawler hung up at its limit
    handler.close_connection = True


def reset(handler: BaseHTTPRequestHandler) -> None:
    """Close with RST instead of FIN: a connection reset by peer."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def drip(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    try:
        for _ in range(20):
            handler.wfile.write(b"<p>.</p>")
            handler.wfile.flush()
            time.sleep(0.5)
    except OSError:
        pass  # the crawler gave up, as it should


def gzip_bomb() -> bytes:
    return gzip.compress(b"\0" * 50_000_000, compresslevel=9)


GZIP_BOMB = gzip_bomb()

# path -> (what it is, handler)
PAGES = {
    "/malformed": (
        "malformed HTML",
        lambda h: send(h, 200, b"<html><body><div><p>" + offtopic("malformed").encode() + b"<p><div></span></td>"),
    ),
    "/truncated": (
        "truncated HTML",
        lambda h: send(h, 200, b"<html><body><p>" + offtopic("truncated").encode()[:900] + b"<a hre"),
    ),
    "/wrong-charset": (
        "UTF-8 declared as latin-1",
        lambda h: send(h, 200, html("<p>Caf\u00e9 " + offtopic("wrong") + "</p>"), "text/html; charset=iso-8859-1"),
    ),
    "/no-charset": (
        "cp1252 without a charset",
        lambda h: send(
            h, 200, html("<p>\u201cquoted\u201d " + offtopic("cp") + "</p>").decode().encode("cp1252"), "text/html"
        ),
    ),
    "/mixed-encoding": (
        "UTF-8 and latin-1 bytes mixed",
        lambda h: send(
            h,
            200,
            html("<p>caf\u00e9 " + offtopic("mixed") + "</p>") + "<p>caf\u00e9</p>".encode("latin-1"),
            "text/html; charset=utf-8",
        ),
    ),
    "/bogus-charset": (
        "an unknown charset",
        lambda h: send(h, 200, html("<p>" + offtopic("bogus") + "</p>"), "text/html; charset=x-no-such-charset"),
    ),
    "/binary-as-html": (
        "PNG bytes labelled text/html",
        lambda h: send(h, 200, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40),
    ),
    "/nul-bytes": (
        "HTML full of NUL bytes",
        lambda h: send(h, 200, html("<p>" + offtopic("nul").replace(" ", "\0 ") + "</p>")),
    ),
    "/deep-nesting": (
        "50,000 nested elements",
        lambda h: send(
            h,
            200,
            b"<html><body>" + b"<div>" * 50000 + offtopic("nested").encode() + b"</div>" * 50000 + b"</body></html>",
        ),
    ),
    "/pdf": ("a PDF", lambda h: send(h, 200, b"%PDF-1.4\n" + b"0" * 5000, "application/pdf")),
    "/image": ("an image", lambda h: send(h, 200, b"\xff\xd8\xff" + b"0" * 5000, "image/jpeg")),
    "/gzip-bomb": ("a gzip bomb", lambda h: send(h, 200, GZIP_BOMB, "text/html", {"Content-Encoding": "gzip"})),
    "/huge": ("a page over the size limit", lambda h: send(h, 200, html("<p>" + "x" * 3_000_000 + "</p>"))),
    "/huge-unannounced": ("a page over the size limit, sent without a Content-Length", lambda h: chunked(h, 3_000_000)),
    "/empty": ("an empty 200", lambda h: send(h, 200, b"")),
    "/whitespace": ("a 200 of whitespace", lambda h: send(h, 200, b"   \n\n\t  ")),
    "/loop-a": ("a redirect loop", lambda h: send(h, 302, b"", headers={"Location": "/loop-b"})),
    "/loop-b": ("(the loop's other half)", lambda h: send(h, 302, b"", headers={"Location": "/loop-a"})),
    "/chain-0": ("too many redirects", lambda h: send(h, 302, b"", headers={"Location": "/chain-1"})),
    **{
        f"/chain-{i}": ("(chain)", lambda h, i=i: send(h, 302, b"", headers={"Location": f"/chain-{i + 1}"}))
        for i in range(1, 12)
    },
    "/slow-drip": ("a slow-drip response", drip),
    "/reset": ("a connection reset", reset),
    "/short-body": (
        "a body shorter than its Content-Length",
        lambda h: send(h, 200, html("<p>cut</p>"), length=100000),
    ),
    "/server-error": ("a 500", lambda h: send(h, 500, b"oops")),
    "/gone": ("a 404", lambda h: send(h, 404, b"not here")),
    "/calendar/2031/01": ("a calendar page", lambda h: send(h, 200, html("<p>January</p>"))),
    "/d/1/2/3/4/5/6/7/8/9/10/11/12/13/14": ("a very deep path", lambda h: send(h, 200, html("<p>deep</p>"))),
    "/feed-as-page": (
        "a feed linked as an article",
        lambda h: send(h, 200, b"<rss version='2.0'></rss>", "application/rss+xml"),
    ),
}
FEEDS = {
    "/feed-invalid": (
        "invalid XML feed",
        lambda h: send(h, 200, b"<rss><channel><title>x</titl><item>", "application/rss+xml"),
    ),
    "/feed-bomb": ("a billion-laughs feed", lambda h: send(h, 200, BOMB.encode(), "application/rss+xml")),
    "/feed-xxe": ("a feed with an external entity", lambda h: send(h, 200, XXE.encode(), "application/rss+xml")),
    "/feed-self": (
        "a feed that links to itself",
        lambda h: send(
            h,
            200,
            b"<?xml version='1.0'?><rss version='2.0'><channel><title>s</title><item><title>me</title><link>/feed-self</link></item></channel></rss>",
            "application/rss+xml",
        ),
    ),
    "/feed-html": ("HTML served as a feed", lambda h: send(h, 200, html("<p>not a feed</p>"))),
    "/feed-empty": ("an empty feed response", lambda h: send(h, 200, b"", "application/rss+xml")),
    "/feed-binary": ("binary bytes as a feed", lambda h: send(h, 200, bytes(range(256)) * 10, "application/rss+xml")),
}
ODD_LINKS = {
    "javascript:void(0)": "a javascript: link",
    "mailto:editor@example.org": "a mailto: link",
    "data:text/html,<p>hi</p>": "a data: link",
    "/" + "a" * 3000: "an absurdly long link",
    "/list?page=1": "endless query variants",
}


def seed_page() -> bytes:
    text = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    links = [p for p in PAGES if p == "/chain-0" or not p.startswith(("/loop-b", "/chain-"))] + list(ODD_LINKS)
    links += [f"/list?page={i}" for i in range(2, 40)]
    anchors = "".join(f'<li><a href="{u}">story</a></li>' for u in links)
    return f"<html><body><article><h1>Seed</h1>{paragraphs}</article><ul>{anchors}</ul></body></html>".encode()


class HostileServer(LoopbackServer):
    """The hostile site: every case in PAGES and FEEDS, a seed page linking to them."""

    def __init__(self) -> None:
        self.seed = seed_page()
        super().__init__(self.respond, http11=True)

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0] if handler.path.startswith("/list") else handler.path
        if path == "/seed":
            return send(handler, 200, self.seed)
        if path == "/robots.txt":
            return send(handler, 404, b"")
        if path == "/list":
            return send(handler, 200, html("<p>list</p>"))
        entry = PAGES.get(path) or FEEDS.get(path)
        if entry is None:
            return send(handler, 404, b"")
        entry[1](handler)

    def __enter__(self) -> HostileServer:
        self.start()
        return self
