"""`seedcrawl demo`: the offline sample web shows discovery beyond links (issue 14, item 7)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.demo import run_demo
from crawler.store import Store

from .conftest import SEEDS
from .pdfs import text_pdf


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    run = run_demo(tmp_path_factory.mktemp("demo") / "demo", seeds_from=SEEDS)
    assert run.returncode == 0
    return run


def test_the_demo_finds_stories_through_search_and_a_news_sitemap(demo, tmp_path: Path) -> None:
    run = demo
    hosts = {base.split("//")[1].split(":")[0] for base, _ in run.web.requests}
    assert hosts <= {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}  # search included: nothing leaves
    store = Store(run.storage, create=False)
    try:
        rows = {row["kind"]: row for row in store.source_yields() if row["kind"] in ("search", "site")}
    finally:
        store.close()
    assert rows["search"]["entries"] == 3 and rows["search"]["queued"] >= 1  # a story found through search
    assert rows["site"]["entries"] == 2  # the news sitemap's two stories (both dated now)
    result = CliRunner().invoke(cli, ["demo", "--folder", str(tmp_path / "again")])
    assert result.exit_code == 0
    assert "Sources:" in result.output and "search (huawei OR zte" in result.output
    assert "New words in the queue at the last crawl (candidates using them, of the 8 best): ban 8" in " ".join(
        result.output.split()
    )
    assert f"seedcrawl review --storage {tmp_path / 'again' / 'storage'}" in " ".join(result.output.split())
    # The sample web's news brief is on topic in words the seeds do not use: judged off topic, kept, and named.
    assert (
        "Judged off topic and kept: 1 page(s); the best, 0.339: “China hits US with blame for 'poisoned' relations "
        f"with UK over failed Huawei deal”. `seedcrawl misses --storage {tmp_path / 'again' / 'storage'}` lists them"
    ) in " ".join(result.output.split())


def test_the_demos_candidates_carry_their_own_pages_dates(demo) -> None:
    """Every related article of the sample web is dated by its page or, where
    the page states none, by the feed and news search that list it: none shows
    the day of the crawl (the Forbes report did: "2026-12-02" beside "Oct 1, 2020")."""
    store = Store(demo.storage, create=False)
    try:
        queued = [row for row in store.documents() if row["queue_seq"] is not None]
    finally:
        store.close()
    assert len(queued) == 8
    dated = {row["title"][:40]: (row["published"], row["published_witness"]) for row in queued}
    assert all(published < "2021" for published, _ in dated.values()), dated
    forbes = dated["Huawei Has Failed To Resolve Security Fl"]  # its page states no date of its own
    assert forbes in {("2020-10-01", "search"), ("2020-10-01", "feed")}, forbes  # both say so; ties go to the feed


def test_every_source_that_lists_the_undated_forbes_report_dates_it_as_published() -> None:
    """The Atom feed and the news search both list the Forbes report, and
    either may lead to it first: the feed dated it 2024-01-01 (CI's run took
    that date, beside a text saying "Oct 1, 2020")."""
    import feedparser

    from crawler.sampleweb.render import build_site
    from crawler.sampleweb.site import PLACEMENT, SEARCH_PATH, B, D

    web = build_site([f"http://127.0.0.1:{port}" for port in range(8001, 8005)], SEEDS)
    forbes = web.url(*PLACEMENT["ukban-040"])
    atom = feedparser.parse(web.pages[(B, "/atom.xml")].body)
    [entry] = [e for e in atom.entries if e.link == forbes]
    search = json.loads(web.pages[(D, SEARCH_PATH)].body)
    [hit] = [h for h in search["articles"] if h["url"] == forbes]
    assert (entry.updated[:10], hit["seendate"][:8]) == ("2020-10-01", "20201001")


def test_each_news_story_of_the_sample_web_goes_by_its_own_headline() -> None:
    """The data paired the Guardian's story on the Chinese ambassador (15 July
    2020) with the Mirror's title and date of 30 June ("Boris Johnson paves
    way for a U-turn ..."): the demo's card showed one story under another's
    headline and date."""
    from dateparser import parse

    from crawler.sampleweb.site import load_articles

    stories = [a for key, a in load_articles().items() if key.startswith("ukban-")]
    assert len(stories) == 9
    for story in stories:
        assert story["title"] == story["text"].split("\n", 1)[0].strip(), story["id"]
        datelines = re.findall(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w* \d+, 20\d\d|\d+ \w+ 20\d\d",
                               story["text"][:800])  # fmt: skip
        if datelines and story["published"]:  # the day it gives is one its text states
            assert story["published"] in {parse(d).date().isoformat() for d in datelines}, story["id"]


ROOT = Path(__file__).resolve().parents[1]
# README commands not run here, and where they are tested instead.
ELSEWHERE = {
    ".venv/bin/scrapy crawl related": "crawls seeds/sources.toml's web (tests/test_crawl.py runs the spider)",
    ".venv/bin/scrapy crawl related -O new.jsonl": "as above; the feed exports: test_crawl.py::test_feed_exports_*",
}


def readme_commands() -> list[str]:
    """Every line of the README's shell blocks that runs seedcrawl, sqlite-utils or scrapy, comments cut."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[1]  # after the quick start (test_readme.py)
    lines = [line for block in re.findall(r"```sh\n(.*?)\n```", section, re.S) for line in block.splitlines()]
    return [line.split("  #")[0].strip() for line in lines if line.startswith(".venv/bin/") and "python" not in line]


def test_every_command_the_readme_shows_runs_against_the_demo_storage(demo) -> None:
    """Issue 15: `sqlite-utils tables storage/corpus.db --counts --views` failed (no such option)."""
    folder = demo.storage.parent  # holds seeds/ and storage/, as a user's clone does
    bin_dir = Path(sys.executable).parent
    environment = {**os.environ, "EDITOR": "true", "COLUMNS": "80"}  # `edit` opens an editor that changes nothing
    # The documents `seedcrawl add` is shown adding: a note, a page saved from a browser, a PDF, a folder.
    (folder / "notes").mkdir(exist_ok=True)
    (folder / "notes" / "huawei-ban.txt").write_text(
        "A note on the ban\n\nThe UK said Huawei must leave its 5G networks.\n"
    )
    (folder / "saved").mkdir(exist_ok=True)
    story = "".join(
        f"<p>Paragraph {i}: ministers debated the telecom equipment ban at length today.</p>" for i in range(9)
    )
    page = (
        f"<html><head><title>UK bans Huawei</title></head><body><nav>Home</nav><article>{story}</article></body></html>"
    )
    (folder / "saved" / "uk-ban.html").write_text(page)
    report = [["Investigative report on Huawei and ZTE", "", "Their equipment could be used to spy on US networks."]]
    (folder / "hpsci-report.pdf").write_bytes(text_pdf(report))
    (folder / "reports" / "2020").mkdir(parents=True, exist_ok=True)  # and a folder of them
    (folder / "reports" / "2020" / "ncsc.txt").write_text("NCSC advice\n\nThe NCSC said Huawei kit is a risk.\n")
    ran = []
    for command in readme_commands():
        if command.split("  ")[0].strip() in ELSEWHERE:
            continue
        line = command.replace(".venv/bin/", f"{bin_dir}/").split(" > ~")[0]  # `service > ~/...`: printed here
        if " serve" in line:
            server = subprocess.Popen(  # exec: the server is the process terminated below, not a shell around it
                "exec " + line, shell=True, cwd=folder, env=environment, stdout=subprocess.PIPE, text=True
            )
            try:
                assert server.stdout.readline().startswith("Review page: http://127.0.0.1:8765/"), command
            finally:
                server.terminate()
                server.wait(timeout=10)
            ran.append(command)
            continue
        result = subprocess.run(
            line, shell=True, cwd=folder, env=environment, input="q\n", capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"{command}: {result.stdout[-500:]} {result.stderr[-500:]}"
        ran.append(command)
    assert len(ran) >= 14 and any("sqlite-utils tables" in c for c in ran) and any("accept" in c for c in ran)
    store = Store(demo.storage, create=False)
    try:
        decided = {row["queue_seq"]: row["status"] for row in store.documents() if row["queue_seq"] in (3, 4, 5)}
    finally:
        store.close()
    assert decided == {3: "accepted", 4: "rejected", 5: "pending"}  # accept 3 5, reject 4, undo 5


def test_show_says_what_came_of_a_page_named_by_its_url(demo) -> None:
    """ "Why is this article not in my queue?": the crawl's record of the page,
    found from the address as a reader pastes it, then the document it gave."""
    import sqlite_utils

    first: dict[str, dict] = {}
    for row in sqlite_utils.Database(demo.storage / "corpus.db").query("select * from urls order by url"):
        first.setdefault(row["outcome"], row)

    def show(url: str, *extra: str):
        return CliRunner().invoke(cli, ["show", url, "--storage", str(demo.storage), *extra])

    queued = first["queued"]
    pasted = show(queued["url"] + "?utm_source=newsletter&utm_medium=email#comments")
    assert pasted.exit_code == 0, pasted.output
    flat = " ".join(pasted.output.split())
    assert f"outcome queued: {queued['detail']}" in flat and f"({queued['detail']})" in flat  # then its card
    assert re.search(r"status (pending|accepted|rejected)", flat) and "fetched run 1" in flat  # (other tests decide)
    dropped = show(first["offtopic"]["url"])
    flat = " ".join(dropped.output.split())
    assert dropped.exit_code == 0 and "outcome offtopic: first pass 0." in flat and "status" not in flat
    repeated = show(first["duplicate"]["url"])
    flat = " ".join(repeated.output.split())
    assert "outcome duplicate:" in flat and "document below: the stored story it repeats" in flat and "status" in flat
    feed = show(sqlite_utils.Database(demo.storage / "corpus.db").execute("select url from feeds").fetchone()[0])
    assert feed.exit_code == 0 and re.search(r"feed last read \S+: HTTP 200, \d+ entries", feed.output)
    db = sqlite_utils.Database(demo.storage / "corpus.db")
    [original] = db.query("select q.url from urls q join urls d on d.hash = q.hash and d.outcome = 'duplicate' "
                          "where q.outcome = 'queued' limit 1")  # fmt: skip
    assert "document below: the document it gave" in " ".join(show(original["url"]).output.split())  # not a copy
    raw = show(queued["url"], "--raw")
    assert raw.output.startswith("HTTP/1.1 200") and "outcome" not in raw.output  # the response as archived
    never = show("https://example.org/a-story-no-link-led-to")
    assert never.exit_code == 1 and len(never.output.splitlines()) == 1
    assert never.output.startswith("Error: no crawl has met https://example.org/a-story-no-link-led-to: pages are")


def test_show_names_a_link_still_waiting_and_an_aggregators_lead(tmp_path: Path) -> None:
    from crawler.store import FrontierLink

    store = Store(tmp_path / "storage")
    run = store.start_run("sources.toml")
    store.add_to_frontier([FrontierLink("http://127.0.0.9/later", "link", "http://127.0.0.9/", 1, 40)])
    store.record_lead("https://news.google.com/rss/articles/CBMiXyz", "http://127.0.0.9/gn.xml", run,
                      title="UK bans Huawei", publisher="Reuters")  # fmt: skip
    store.close()
    waiting = CliRunner().invoke(cli, ["show", "http://127.0.0.9/later", "--storage", str(tmp_path / "storage")])
    assert waiting.exit_code == 0, waiting.output
    assert "waiting found by link on http://127.0.0.9/" in " ".join(waiting.output.split())
    lead = CliRunner().invoke(
        cli, ["show", "https://news.google.com/rss/articles/CBMiXyz", "--storage", str(tmp_path / "storage")]
    )
    assert "lead “UK bans Huawei” (Reuters) in http://127.0.0.9/gn.xml" in " ".join(lead.output.split())
