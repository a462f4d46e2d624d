"""The private-address guard: refused before any connection is made.

Addresses outside 127.0.0.0/8 are only ever checked as values here; no
test sends them a packet. The end-to-end test uses loopback addresses that
are not on the allow-list, with a listening socket that counts connections.
"""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlite_utils
from scrapy import Request

from crawler.demo import run_crawl
from crawler.guard import AddressGuardMiddleware, AddressRefused, GuardedResolver, ResolvedToPrivate, refusal

from .conftest import SEEDS


@pytest.mark.parametrize(
    "address, reason",
    [
        ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
        ("169.254.169.254", "link_local"), ("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"),
        ("224.0.0.251", "multicast"), ("0.0.0.0", "unspecified"), ("100.64.0.1", "private"),
        ("::1", "loopback"), ("fe80::1", "link_local"), ("fc00::1", "private"), ("::ffff:10.0.0.1", "private"),
        ("[::1]", "loopback"), ("240.0.0.1", "reserved"),
        ("93.184.216.34", None), ("2606:2800:220:1:248:1893:25c8:1946", None), ("example.org", None),
    ],
)  # fmt: skip
def test_which_addresses_are_refused(address: str, reason: str | None) -> None:
    assert refusal(address) == reason


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str) -> None:
        self.values[key] = self.values.get(key, 0) + 1


@pytest.mark.parametrize(
    "url",
    ["http://10.1.2.3/admin", "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/", "http://127.0.0.1/"],
)
def test_ip_literals_are_refused_by_the_middleware_before_download(url: str) -> None:
    stats = Stats()
    guard = AddressGuardMiddleware(frozenset(), stats)
    with pytest.raises(AddressRefused, match="refused"):
        guard.process_request(Request(url))
    assert sum(stats.values.values()) == 1


def test_allow_list_and_public_addresses_pass() -> None:
    guard = AddressGuardMiddleware(frozenset({"127.0.0.1"}), Stats())
    assert guard.process_request(Request("http://127.0.0.1:8000/")) is None
    assert guard.process_request(Request("http://93.184.216.34/")) is None  # checked, not fetched
    assert guard.process_request(Request("http://example.org/")) is None  # names: the resolver checks


def test_resolver_refuses_names_that_resolve_to_private_addresses() -> None:
    GuardedResolver.allowed = frozenset()
    with pytest.raises(ResolvedToPrivate, match="refused intranet: resolves to 10.0.0.7, a private address"):
        GuardedResolver._check("10.0.0.7", "intranet")
    assert GuardedResolver._check("93.184.216.34", "example.org") == "93.184.216.34"


class Listener:
    """A socket on a loopback address that counts the connections it gets."""

    def __init__(self, address: str) -> None:
        self.sock = socket.create_server((address, 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def test_a_crawl_refuses_links_to_local_addresses_without_connecting(tmp_path: Path) -> None:
    hidden = Listener("127.0.0.5")  # loopback, but not on the allow-list
    local = Listener("127.0.0.1")  # reached below only by the name "localhost"
    seed_text = (SEEDS / "000_9ad82b52b9520743.txt").read_text(encoding="utf-8")
    links = [f"http://127.0.0.5:{hidden.port}/admin", f"http://localhost:{local.port}/router"]
    page = (
        "<html><body><article><h1>ZTE, Huawei address U.S. IT security concerns</h1>"
        + "".join(f"<p>{line}</p>" for line in seed_text.splitlines() if line.strip())
        + "".join(f'<a href="{u}">link</a>' for u in links)
        + "</article></body></html>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page if self.path == "/seed.html" else b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in SEEDS.glob("*.txt"):
        (seeds / path.name).write_bytes(path.read_bytes())
    sources = seeds / "sources.toml"
    sources.write_text(
        f'[seeds]\nurls = ["http://127.0.0.1:{server.server_address[1]}/seed.html"]\n'
        '[network]\nallow_hosts = ["127.0.0.1"]\n'
    )
    try:
        assert run_crawl(sources, tmp_path / "storage", tmp_path / "log") == 0
    finally:
        server.shutdown()
        hidden.close()
        local.close()
    assert hidden.connections == 0 and local.connections == 0
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    refused = {r["url"]: r["detail"] for r in db.query("select url, detail from urls where outcome = 'refused'")}
    assert refused[f"http://127.0.0.5:{hidden.port}/admin"].startswith("refused 127.0.0.5: loopback address")
    assert refused[f"http://localhost:{local.port}/router"].startswith("refused localhost: resolves to 127.0.0.1")
