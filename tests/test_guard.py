"""The private-address guard: refused before any connection is made.

Addresses outside 127.0.0.0/8 are only ever checked as values here; no
test sends them a packet. The end-to-end test uses loopback addresses that
are not on the allow-list, with a listening socket that counts connections.
"""

import json
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_twisted
import sqlite_utils
from scrapy import Request
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import defer

from crawler.config import crawl_command
from crawler.demo import prepare_folder, run_crawl
from crawler.guard import (
    AddressGuardMiddleware,
    AddressRefused,
    GuardedResolver,
    ResolvedToPrivate,
    check_address,
    refusal,
)

from .conftest import SEEDS, wait_for

ROOT = Path(__file__).resolve().parents[1]


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


def stub_resolver(answers: dict[str, str]):
    """host -> address, as the reactor's resolver answers (no lookup leaves the machine)."""
    asked: list[str] = []

    def resolve(host: str):
        asked.append(host)
        error = check_address(answers[host], host)
        return defer.fail(error) if error else defer.succeed(answers[host])

    resolve.asked = asked
    return resolve


async def run(awaitable) -> None:
    """Await what the guard returned, as Scrapy does (None: nothing to wait for),
    on the reactor the tests run on (pytest-twisted)."""
    if awaitable is not None:
        await deferred_from_coro(awaitable)


@pytest_twisted.ensureDeferred
async def test_allow_list_and_public_addresses_pass() -> None:
    resolve = stub_resolver({"example.org": "93.184.216.34"})
    guard = AddressGuardMiddleware(frozenset({"127.0.0.1"}), Stats(), resolve)
    assert guard.process_request(Request("http://127.0.0.1:8000/")) is None
    assert guard.process_request(Request("http://93.184.216.34/")) is None  # checked, not fetched
    await run(guard.process_request(Request("http://example.org/")))  # names: looked up first, then let through
    assert resolve.asked == ["example.org"]


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://localhost./", "loopback"), ("http://LOCALHOST/", "loopback"), ("http://a.b.localhost/", "loopback"),
        ("http://127.0.0.5./x", "loopback"), ("http://169.254.169.254./latest", "link_local"),
        ("http://[::1]/", "loopback"), ("http://10.0.0.1.:8080/", "private"),
    ],
)  # fmt: skip
def test_host_names_are_normalised_and_refused_without_a_lookup(url: str, reason: str) -> None:
    """What a redirect or a meta refresh can hand the downloader: trailing
    dots, upper case. Refused by name, before any lookup or connection."""
    resolve = stub_resolver({})
    stats = Stats()
    guard = AddressGuardMiddleware(frozenset(), stats, resolve)
    with pytest.raises(AddressRefused, match="refused"):
        guard.process_request(Request(url))
    assert stats.values == {f"seedcrawl/refused/{reason}": 1}
    assert resolve.asked == []


@pytest_twisted.ensureDeferred
async def test_a_name_that_resolves_to_a_private_address_is_refused_by_the_guard() -> None:
    resolve = stub_resolver({"intranet.example": "10.0.0.7"})
    guard = AddressGuardMiddleware(frozenset(), Stats(), resolve)
    with pytest.raises(AddressRefused, match="refused intranet.example: resolves to 10.0.0.7, a private address"):
        await run(guard.process_request(Request("http://INTRANET.example./robots.txt")))


def test_allowed_hosts_match_whatever_their_spelling() -> None:
    guard = AddressGuardMiddleware(frozenset({"127.0.0.1", "localhost"}), Stats(), stub_resolver({}))
    assert guard.process_request(Request("http://127.0.0.1.:8000/")) is None
    assert guard.process_request(Request("http://LocalHost./")) is None


def test_resolver_refuses_names_that_resolve_to_private_addresses() -> None:
    resolver = GuardedResolver(reactor=None, cache_size=0, timeout=1.0)
    with pytest.raises(ResolvedToPrivate, match="refused intranet: resolves to 10.0.0.7, a private address"):
        resolver._check("10.0.0.7", "intranet")
    assert resolver._check("93.184.216.34", "example.org") == "93.184.216.34"
    assert list(resolver.refusals) == ["intranet"]  # what the spider's records say of its failed download


def test_the_resolver_takes_its_allow_list_from_settings() -> None:
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(settings_dict={"SEEDCRAWL_ALLOW_HOSTS": ["Intranet.", "127.0.0.1"]})
    resolver = GuardedResolver.from_crawler(crawler, reactor=None)
    assert resolver.allowed == {"intranet", "127.0.0.1"}


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
    local = Listener("127.0.0.1")  # reached below only by names
    seed_text = (SEEDS / "000_9ad82b52b9520743.txt").read_text(encoding="utf-8")
    links = [f"http://127.0.0.5:{hidden.port}/admin", f"http://localhost:{local.port}/router", "/go-dotted",
             "/go-localhost"]  # fmt: skip
    # Where redirects lead: host names spelt with a trailing dot and in capitals.
    redirects = {
        "/go-dotted": f"http://127.0.0.5.:{hidden.port}/moved",
        "/go-localhost": f"http://LOCALHOST.:{local.port}/",
    }
    # A name of this machine that resolves to loopback (its host name, on most
    # machines) shows the lookup path; localhost is refused by its name alone.
    own = socket.gethostname()
    try:
        resolves_local = socket.gethostbyname(own).startswith("127.")
    except OSError:
        resolves_local = False
    if resolves_local:
        links.append(f"http://{own}:{local.port}/intranet")
    page = (
        "<html><body><article><h1>ZTE, Huawei address U.S. IT security concerns</h1>"
        + "".join(f"<p>{line}</p>" for line in seed_text.splitlines() if line.strip())
        + "".join(f'<a href="{u}">link</a>' for u in links)
        + "</article></body></html>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[self.path])
                self.end_headers()
                return
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
    assert refused[f"http://localhost:{local.port}/router"].startswith("refused localhost: loopback address")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    assert refused[f"{base}/go-dotted"].startswith("refused 127.0.0.5: loopback address")
    assert refused[f"{base}/go-localhost"].startswith("refused localhost: loopback address")
    if resolves_local:
        assert refused[f"http://{own.lower()}:{local.port}/intranet"].startswith(
            f"refused {own.lower()}: resolves to 127."
        )
    log = (tmp_path / "log").read_text()
    assert "robots.txt" not in log  # a refused host's robots.txt is never asked for
    assert "Traceback" not in log and " ERROR: " not in log


# -- no way in ------------------------------------------------------------------------------


def listening_sockets(pid: int) -> list[int]:
    """Inodes of the TCP sockets process ``pid`` listens on (/proc)."""
    listening = set()
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as rows:
            next(rows)
            listening |= {row.split()[9] for row in rows if row.split()[3] == "0A"}  # 0A: LISTEN
    held = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in listening:
            held.append(int(target[8:-1]))
    return held


def test_a_running_crawl_listens_on_no_port_and_leaves_no_key_behind(sample_web, tmp_path: Path) -> None:
    """Scrapy 2.19 starts an HTTP server that runs any Python code sent to it,
    and writes its key to a job file a killed crawl leaves behind."""
    sources = prepare_folder(tmp_path / "site", SEEDS, sample_web)
    storage, jobs = tmp_path / "storage", tmp_path / "job_files"
    command = crawl_command(
        sources, storage, tmp_path / "crawl.log", "-s", "DOWNLOAD_DELAY=0.5", "-s", f"REMOTE_CONTROL_JOBS_DIR={jobs}"
    )
    crawl = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    log = tmp_path / "crawl.log"
    try:
        # Some pages in: Scrapy's extensions have all started.
        assert wait_for(lambda: log.exists() and "Queued " in log.read_text(errors="replace"))
        assert listening_sockets(crawl.pid) == [] and not list(jobs.glob("*"))
    finally:
        crawl.kill()  # as the OOM killer would: nothing gets to clean up
        crawl.wait()
    assert not list(jobs.glob("*"))


class DeadNames:
    """The lookups under GuardedResolver (Twisted's threaded one), counted:
    names under dead.example fail as an unknown name does, without a
    packet; the others are looked up as before."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from twisted.internet.base import ThreadedResolver
        from twisted.internet.error import DNSLookupError

        self.asked: list[str] = []
        looked_up = ThreadedResolver.getHostByName

        def lookup(resolver, name, timeout=()):
            if not name.endswith("dead.example"):
                return looked_up(resolver, name, timeout)
            self.asked.append(name)
            return defer.fail(DNSLookupError(f"address {name!r} not found: [Errno -2] Name or service not known"))

        monkeypatch.setattr(ThreadedResolver, "getHostByName", lookup)


def test_a_name_that_does_not_resolve_fails_again_without_a_lookup_until_its_time_is_up(monkeypatch) -> None:
    from twisted.internet.error import DNSLookupError

    dead = DeadNames(monkeypatch)
    now = [1000.0]
    resolver = GuardedResolver(reactor=None, cache_size=100, timeout=1.0, failure_ttl=300, clock=lambda: now[0])
    failures = []
    for name in ("news.dead.example", "NEWS.dead.example.", "news.dead.example"):
        resolver.getHostByName(name).addErrback(failures.append)
    assert dead.asked == ["news.dead.example"] and resolver.lookups_spared == 2
    assert all(failure.check(DNSLookupError) for failure in failures) and len(failures) == 3
    now[0] += 301  # RFC 2308: a negative answer is kept for a time, not for ever
    resolver.getHostByName("news.dead.example").addErrback(failures.append)
    assert dead.asked == ["news.dead.example"] * 2 and len(failures) == 4
    every_time = GuardedResolver(reactor=None, cache_size=100, timeout=1.0, failure_ttl=0)
    for _ in range(2):
        every_time.getHostByName("news.dead.example").addErrback(failures.append)
    assert len(dead.asked) == 4


@pytest_twisted.ensureDeferred
async def test_a_dead_host_linked_three_times_is_looked_up_once_and_its_pages_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An old seed's links lead to hosts that are gone: their robots.txt,
    each page and each retry looked the name up again (24 lookups for these
    three links), each waiting up to DNS_TIMEOUT where the name server is slow."""
    from .inprocess import crawl
    from .mockserver import MockServer, seed_page, sources_for

    dead = DeadNames(monkeypatch)
    links = [f"http://www.dead.example/2013/story-{n}.html" for n in range(3)]
    with MockServer({"/robots.txt": (404, {}, b"")}) as server:
        server.routes["/seed"] = (200, {}, seed_page(links))
        assert await crawl(sources_for(tmp_path, [server.base + "/seed"]), tmp_path / "st", tmp_path / "log") == 0
    assert dead.asked == ["www.dead.example"]
    db = sqlite_utils.Database(tmp_path / "st" / "corpus.db")
    outcomes = {row["url"]: (row["outcome"], row["detail"]) for row in db.query("select * from urls")}
    assert [outcomes[link] for link in links] == [("error", "CannotResolveHostError")] * 3  # recorded, each
    [stats] = [json.loads(row["stats"]) for row in db.query("select stats from runs")]
    # robots.txt and three pages, each tried three times: 12 attempts, two lookups each (the guard's, the connection's)
    assert stats["downloader/exception_count"] == 12 and stats["seedcrawl/dns/lookups_spared"] == 23
