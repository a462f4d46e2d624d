"""`seedcrawl serve`: the review queue in a browser (issue 15, item 4)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.cli import cli
from crawler.web.app import BindRefused, check_bind, create_app

from .browser import MISSING, chromium, serving
from .test_review import make_storage


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_storage(tmp_path)


@pytest.fixture
def client(folder: Path):
    app = create_app(folder / "storage", folder / "seeds")
    return app.test_client()


def csrf_of(page: bytes) -> str:
    return re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()


def statuses(folder: Path) -> dict[int, tuple]:
    db = sqlite_utils.Database(folder / "storage" / "corpus.db")
    return {r["queue_seq"]: (r["status"], r["decision_reason"]) for r in db.query("select * from documents")}


def test_the_queue_page_lists_filters_and_searches(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Review queue: 3 candidate(s)" in page and "Huawei hearing" in page and "Phone review" in page
    found = client.get("/", query_string={"q": '"camera and battery"'}).get_data(as_text=True)
    assert "1 candidate(s)" in found and "Phone review" in found and "Huawei hearing" not in found
    bad = client.get("/", query_string={"q": 'quote" AND ('}, follow_redirects=True).get_data(as_text=True)
    assert "cannot search for" in bad  # one line, on the page
    assert "0 candidate(s)" in client.get("/", query_string={"since": "2021-01-01"}).get_data(as_text=True)


def test_the_reading_view_shows_score_reason_copies_and_decides(client, folder: Path) -> None:
    page = client.get("/c/0")
    text = page.get_data(as_text=True)
    for expected in ("Huawei hearing", "0.500", "seed words: huawei 20%", "Paragraph 7: lawmakers", "Accept (a)"):
        assert expected in text
    token = csrf_of(page.data)
    assert client.post("/c/0/accept", data={}).status_code == 403  # not from this server's page
    moved = client.post("/c/0/accept", data={"csrf": token})
    assert moved.status_code == 302 and moved.location.endswith("/c/1?undo=0")
    assert statuses(folder)[0][0] == "accepted" and len(list((folder / "seeds").glob("005_*.txt"))) == 1
    client.post("/c/1/reject", data={"csrf": token, "reason": "not about security"})
    assert statuses(folder)[1] == ("rejected", "not about security")
    client.post("/c/1/undo", data={"csrf": token})
    assert statuses(folder)[1] == ("pending", None)
    client.post("/c/2/edit", data={"csrf": token, "text": "Phone review, trimmed\nThe camera impresses."})
    assert "version 2 by" in client.get("/c/2").get_data(as_text=True)
    for path in ("/sources", "/timeline"):
        assert client.get(path).status_code == 200


def test_a_filtered_queue_is_walked_in_its_own_order_to_its_end(client, folder: Path) -> None:
    """Opened from a search, accept/reject/skip/undo/back stay in that search's list (#1 is not in it)."""
    walk = {"q": "huawei OR camera"}
    listed = client.get("/", query_string=walk).get_data(as_text=True)
    assert "2 candidate(s)" in listed and 'href="/c/0?q=huawei+OR+camera"' in listed
    page = client.get("/c/0", query_string=walk)
    text = page.get_data(as_text=True)
    assert "1 of 2 in the queue (search “huawei OR camera”)" in text
    assert 'href="/c/2?q=huawei+OR+camera" id="skip"' in text and 'href="/?q=huawei+OR+camera" id="back"' in text
    token = csrf_of(page.data)
    accepted = client.post("/c/0/accept", query_string=walk, data={"csrf": token})
    assert accepted.location == "/c/2?undo=0&q=huawei+OR+camera"  # unfiltered, #1 would come next
    assert "1 of 1 in the queue" in client.get(accepted.location).get_data(as_text=True)
    rejected = client.post("/c/2/reject", query_string=walk, data={"csrf": token})
    assert rejected.location == "/?undo=2&q=huawei+OR+camera"  # the list is done: back to it
    assert "Nothing waiting for review with these filters" in client.get(rejected.location).get_data(as_text=True)
    undone = client.post("/c/2/undo", query_string=walk, data={"csrf": token})
    assert undone.location == "/c/2?q=huawei+OR+camera" and statuses(folder)[2] == ("pending", None)
    weakest = client.get("/c/1", query_string={"order": "uncertain"}).get_data(as_text=True)
    assert "(weakest verdicts first)" in weakest


def test_a_filtered_list_is_decided_at_once_after_a_confirmation_and_undone_at_once(client, folder: Path) -> None:
    walk = {"q": "huawei OR camera"}
    assert "Reject all" not in client.get("/").get_data(as_text=True)  # the whole queue at once is not offered
    assert "Reject all 2…" in client.get("/", query_string=walk).get_data(as_text=True)
    asked = client.get("/decide", query_string={**walk, "action": "reject"})
    page = asked.get_data(as_text=True)
    assert "Reject these 2 candidate(s)?" in page and "Huawei hearing" in page and "Phone review" in page
    assert "ZTE hearing" not in page and 'name="ids" value="0,2"' in page and statuses(folder)[0][0] == "pending"
    token = csrf_of(asked.data)
    assert client.post("/decide", data={"action": "reject", "ids": "0,2"}).status_code == 403  # not from this page
    done = client.post("/decide", query_string=walk, data={"csrf": token, "action": "reject", "ids": "0,2",
                                                           "reason": "not this"})  # fmt: skip
    assert re.fullmatch(r"/\?batch=[\w-]{8}&q=huawei\+OR\+camera", done.location)  # a short name, not the ids
    assert statuses(folder) == {0: ("rejected", "not this"), 1: ("pending", None), 2: ("rejected", "not this")}
    after = client.get(done.location).get_data(as_text=True)
    assert "rejected 2 candidate(s) (not this)" in after and "Undo these 2 decisions" in after
    assert 'name="ids" value="0,2"' in after
    client.post("/undo-batch", query_string=walk, data={"csrf": token, "ids": "0,2"})
    assert statuses(folder) == {0: ("pending", None), 1: ("pending", None), 2: ("pending", None)}
    client.post("/c/2/reject", data={"csrf": token})  # decided meanwhile, after the list was shown
    accepted = client.post("/decide", data={"csrf": token, "action": "accept", "ids": "0,2"}, follow_redirects=True)
    assert "accepted 1 candidate(s); passed over 1: candidate 2 is already rejected" in accepted.get_data(True)
    assert [p.name[:4] for p in (folder / "seeds").glob("005_*.txt")] == ["005_"]
    unfiltered = client.get("/decide", query_string={"action": "reject"}, follow_redirects=True).get_data(True)
    assert "filter the list first" in unfiltered and statuses(folder)[1] == ("pending", None)


def test_the_queue_is_ranked_by_the_reviewers_decisions_from_the_page(client, folder: Path) -> None:
    page = client.get("/")
    assert "Rank by my decisions" in page.get_data(as_text=True)
    token = csrf_of(page.data)
    client.post("/c/2/reject", data={"csrf": token, "reason": "phone review"})
    ranked = client.post("/rescore", data={"csrf": token}, follow_redirects=True).get_data(as_text=True)
    assert "judged 2 candidate(s) again by the model of your decisions: 2 score(s) changed" in ranked
    db = sqlite_utils.Database(folder / "storage" / "corpus.db")
    rows = {r["queue_seq"]: (r["score"], r["crawl_score"]) for r in db.query("select * from documents")}
    assert rows[2] == (0.5, None) and rows[0][1] == rows[1][1] == 0.5 and rows[0][0] != 0.5  # decided: untouched
    assert "when crawled" in client.get("/c/0").get_data(as_text=True)


def test_the_queue_page_filters_by_language_and_end_date(client) -> None:
    def count(**query: str) -> str:
        return re.search(r"Review queue: (\d+)", client.get("/", query_string=query).get_data(as_text=True))[1]

    assert (count(lang="en"), count(lang="de"), count(until="2020-01-01"), count(until="2019-12-31")) == (
        "3", "0", "3", "0",
    )  # fmt: skip


def test_a_filter_that_is_not_a_date_or_a_number_is_said_not_applied(client) -> None:
    """A hand-edited address: `since=notadate` compared as text and listed
    nothing, `min_score=abc` was dropped unsaid, a page past the end said the
    queue was empty."""
    for query, said in (({"since": "notadate"}, "since: 'notadate' is not a date like 2020-07-01"),
                        ({"until": "2020-13-45"}, "until: '2020-13-45' is not a date"),
                        ({"min_score": "abc"}, "score at least: 'abc' is not a number")):  # fmt: skip
        page = html.unescape(client.get("/", query_string=query, follow_redirects=True).get_data(as_text=True))
        assert said in page and "Review queue: 3 candidate(s)" in page, query
    past = client.get("/", query_string={"page": "999"}).get_data(as_text=True)
    assert "Huawei hearing" in past and "Nothing waiting" not in past
    year = client.get("/", query_string={"since": "2020"}, follow_redirects=True).get_data(as_text=True)
    assert "Review queue: 3 candidate(s)" in year and "is not a date" not in year  # YYYY is a date, as in the CLI


def test_the_weakest_first_walk_needs_the_storages_sources_file_and_says_so(folder: Path, monkeypatch) -> None:
    """Served from another folder, the threshold comes from the sources file
    beside the storage's seeds; with none, the page says so in one line."""
    from crawler.store import Store

    store = Store(folder / "storage")
    store.record_corpus(folder / "seeds")
    store.close()
    (folder / "elsewhere").mkdir()
    monkeypatch.chdir(folder / "elsewhere")
    client = create_app(folder / "storage", folder / "seeds").test_client()
    missing = client.get("/c/1", query_string={"order": "uncertain"})
    text = missing.get_data(as_text=True)
    assert missing.status_code == 500 and "the sources file cannot be used" in text and "file not found" in text
    assert "Traceback" not in text and "Back to the queue" in text
    (folder / "seeds" / "sources.toml").write_text("[relevance]\nthreshold = 0.48\n")
    found = client.get("/c/1", query_string={"order": "uncertain"})
    assert found.status_code == 200 and "(weakest verdicts first)" in found.get_data(as_text=True)


def test_another_address_needs_a_flag_and_a_token(folder: Path) -> None:
    assert check_bind("127.0.0.1", False, None) is None and check_bind("::1", False, None) is None
    with pytest.raises(BindRefused, match="--allow-remote"):
        check_bind("0.0.0.0", False, None)
    assert check_bind("0.0.0.0", True, "s3cret") == "s3cret" and len(check_bind("192.0.2.7", True, None)) > 20
    refused = CliRunner().invoke(cli, ["serve", "--storage", str(folder / "storage"), "--host", "0.0.0.0"])
    assert refused.exit_code == 2 and "add --allow-remote (it needs a token)" in refused.output
    client = create_app(folder / "storage", folder / "seeds", access_token="s3cret").test_client()
    assert client.get("/").status_code == 403
    assert client.get("/?token=s3cret").status_code == 200
    assert client.get("/c/0").status_code == 200  # the token is kept in a cookie


@pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
def test_a_reviewer_decides_with_the_keyboard_in_a_real_browser(folder: Path) -> None:
    """Open the page, accept one candidate with the keyboard, reject one with a reason."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    app = create_app(folder / "storage", folder / "seeds")
    with serving(app) as base, chromium() as browser:
        wait = WebDriverWait(browser, 10)
        browser.get(base + "/")
        body = browser.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.ENTER)  # the first row is selected: open it
        wait.until(ready.title_contains("#0"))
        browser.find_element(By.TAG_NAME, "body").send_keys("a")
        wait.until(ready.title_contains("#1"))
        assert "accepted #0 “Huawei hearing”" in browser.find_element(By.CLASS_NAME, "flash").text
        browser.find_element(By.TAG_NAME, "body").send_keys("r")  # focuses the reason
        browser.switch_to.active_element.send_keys("only about hearings", Keys.ENTER)
        wait.until(ready.title_contains("#2"))
        assert "rejected #1 “ZTE hearing” (only about hearings)" in browser.find_element(By.CLASS_NAME, "flash").text
        browser.get(base + "/?q=camera")  # a search's list: q on a candidate goes back to it
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ENTER)
        wait.until(ready.title_contains("#2"))
        browser.find_element(By.TAG_NAME, "body").send_keys("q")
        wait.until(ready.url_contains("/?q=camera"))
        assert "Review queue: 1 candidate(s)" in browser.find_element(By.TAG_NAME, "h1").text
    seeds = list((folder / "seeds").glob("005_*.txt"))
    assert len(seeds) == 1 and seeds[0].read_text(encoding="utf-8").startswith("Huawei hearing\n\n")
    assert statuses(folder) == {0: ("accepted", None), 1: ("rejected", "only about hearings"), 2: ("pending", None)}


@pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
def test_a_publication_date_stays_on_one_line_beside_long_titles(tmp_path: Path) -> None:
    """The lists' date column was the narrowest and wrapped (2020-07- / 14)."""
    import dataclasses

    from crawler.store import Store

    from .test_store import make_doc

    store = Store(tmp_path / "storage")
    run = store.start_run("sources.toml")
    for n in range(3):
        title = f"Story {n}: " + " ".join(["After months of pressure the government bans the vendor"] * 2)
        doc = make_doc(f"{title}\n\nThe paragraph of story {n}.", url=f"http://127.0.0.1/{n}")
        store.add_candidate(dataclasses.replace(doc, sitename="Telecom Trade Weekly and Business Daily Asia"), run)
    store.close()
    lines = "r = document.createRange(); r.selectNodeContents(arguments[0]); return r.getClientRects().length"
    with serving(create_app(tmp_path / "storage", tmp_path / "seeds")) as base, chromium(1024, 800) as browser:
        browser.get(base + "/")
        cells = browser.find_elements("css selector", "tr.row td.date")
        assert [cell.text for cell in cells] == ["2020-01-01"] * 3
        assert [browser.execute_script(lines, cell) for cell in cells] == [1, 1, 1]


def test_a_refused_edit_comes_back_in_its_form_as_the_reviewer_left_it(client, folder: Path) -> None:
    """A slip (the paragraphs deleted) or a candidate decided in the terminal
    meanwhile: the form is shown again with the error and the reviewer's own
    text, not the crawled text again (a redirect to the form would lose it)."""
    token = csrf_of(client.get("/c/2/edit").data)
    slip = client.post("/c/2/edit", data={"csrf": token, "text": "Phone review, trimmed by hand"})
    page = slip.get_data(as_text=True)
    assert slip.status_code == 422 and "the edit needs a title line and at least one paragraph" in page
    assert re.search(r"<textarea[^>]*>Phone review, trimmed by hand</textarea>", page)
    CliRunner().invoke(cli, ["reject", "2", "--storage", str(folder / "storage"), "--seeds", str(folder / "seeds")])
    late = client.post("/c/2/edit", data={"csrf": token, "text": "Phone review <b>\nThe camera, trimmed."})
    page = late.get_data(as_text=True)
    assert late.status_code == 422 and "candidate 2 is already rejected" in page
    assert "Phone review &lt;b&gt;\nThe camera, trimmed.</textarea>" in page  # kept, and escaped
    assert statuses(folder)[2][0] == "rejected"


def test_a_title_fixed_in_the_edit_form_is_the_pages_title_and_the_lists(client) -> None:
    """The reading view printed the crawled title and hid the text's first
    line (the title): a fixed title was nowhere to be seen."""
    token = csrf_of(client.get("/c/2/edit").data)
    client.post("/c/2/edit", data={"csrf": token, "text": "Shenzhen handset reviewed\nThe camera impresses."})
    page = client.get("/c/2").get_data(as_text=True)
    assert "<h1>Shenzhen handset reviewed</h1>" in page and "<p>The camera impresses.</p>" in page
    assert "crawled title: Phone review" in page
    assert "Shenzhen handset reviewed</a>" in client.get("/").get_data(as_text=True)
    rejected = client.post("/c/2/reject", data={"csrf": token}, follow_redirects=True).get_data(as_text=True)
    assert "rejected #2 “Shenzhen handset reviewed”" in rejected


@pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
def test_a_long_decision_on_a_list_says_it_is_working_and_cannot_be_sent_twice(folder: Path, monkeypatch) -> None:
    """Rejecting thousands by a filter takes a while (a year's queue: about a
    minute for 5,000): the page says so at once and its button stops taking
    clicks, instead of a page that looks idle and invites a second click."""
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    from crawler.review import Review

    decide = Review.reject

    def slow_reject(self, *args, **kw):
        time.sleep(0.6)  # a large batch, in little
        return decide(self, *args, **kw)

    monkeypatch.setattr(Review, "reject", slow_reject)
    app = create_app(folder / "storage", folder / "seeds")
    # WebDriver waits for the next page before any command, so the page notes
    # what it shows 100 ms after the click, while the server is still deciding.
    look = """document.getElementById("decide-all").addEventListener("submit", function () {
      setTimeout(function () {
        var status = document.querySelector("#decide-all [role=status]");
        var button = document.querySelector("#decide-all button[type=submit]");
        sessionStorage.setItem("seen", (status ? status.textContent : "no status") + " | disabled " + button.disabled);
      }, 100);
    });"""
    with serving(app) as base, chromium() as browser:
        browser.get(base + "/decide?q=huawei+OR+camera&action=reject")
        browser.execute_script(look)
        started = time.monotonic()
        browser.find_element(By.CSS_SELECTOR, "#decide-all button[type=submit]").click()
        WebDriverWait(browser, 10).until(ready.title_contains("Queue"))
        assert time.monotonic() - started > 1.0  # the look was taken while the server decided
        seen = browser.execute_script("return sessionStorage.getItem('seen')")
        assert seen.startswith("Rejecting 2 candidate(s)… the list comes back") and seen.endswith("disabled true")
        assert "rejected 2 candidate(s)" in browser.find_element(By.CLASS_NAME, "flash").text
    assert [status for status, _ in statuses(folder).values()] == ["rejected", "pending", "rejected"]


def test_a_seed_named_in_the_address_is_shown_to_read_with_nothing_to_decide(client, folder: Path) -> None:
    """By its file name (as `seedcrawl search` names it) or its hash: the page
    answered 500 (a seed has no queue number to build its buttons from)."""
    from crawler.seedfile import read_seed
    from crawler.store import Document, Store

    path = next((folder / "seeds").glob("000_*.txt"))
    store = Store(folder / "storage")
    store.register_seed(Document.from_seed(read_seed(path), path), path.name)  # as a crawl does
    digest = next(store.db.query("select hash from documents where status = 'seed'"))["hash"]
    store.close()
    for ident in (path.name, digest[:12]):
        answer = client.get(f"/c/{ident}", follow_redirects=True)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200 and "a seed text" in page and "change or remove it in the seeds folder" in page
        assert html.escape(read_seed(path).text.split("\n\n")[1]) in page and "Accept (a)" not in page


def test_the_corpus_page_lists_the_seeds_folder_newest_first(client, folder: Path, monkeypatch) -> None:
    """Seeds and accepted candidates were nowhere in the browser: the folder
    as it is, each file to read, an accepted one with the way back to its decision."""
    from crawler.seedfile import read_seed, seed_names

    token = csrf_of(client.get("/c/1").data)
    assert client.post("/c/1/accept", data={"csrf": token}).status_code == 302
    seeds = folder / "seeds"
    (seeds / "006_0123456789abcdef.txt").write_text("A note put here by hand\n\nThe UK ban, in my words.\n")
    removed = sorted(seeds.glob("001_*.txt"))[0]
    removed.unlink()  # taken out of the corpus by hand
    page = client.get("/corpus").get_data(as_text=True)
    assert "Corpus: 6 document(s)" in page
    listed = re.findall(r'<a href="/seed/([^"]+)">', page)
    assert listed == seed_names(seeds)[::-1] and removed.name not in listed  # the folder, newest first
    row = page.split('href="/seed/006_0123456789abcdef.txt"')[1].split("</tr>")[0]
    assert "A note put here by hand" in row and "no crawl has read it yet" in row
    accepted = page.split(f'href="/seed/{listed[1]}"')[1].split("</tr>")[0]
    assert "ZTE hearing" in accepted and 'href="/c/1"' in accepted and "accepted #1" in accepted
    db = sqlite_utils.Database(folder / "storage" / "corpus.db")
    with db.conn:
        db.execute("update documents set author = 'Jane Doe' where queue_seq = 1")
    shown = client.get(f"/seed/{listed[1]}").get_data(as_text=True)
    assert html.escape(read_seed(seeds / listed[1]).text.split("\n\n")[1]) in shown and "(undo it there)" in shown
    assert "Site · Jane Doe · 2020-01-01" in shown and 'href="http://127.0.0.1/1"' in shown  # what a citation needs
    from crawler.web import app as web_app

    monkeypatch.setattr(web_app, "PAGE_ROWS", 4)  # a page of 4: the 6 documents on two
    first, second = (client.get("/corpus", query_string={"page": n}).get_data(as_text=True) for n in (1, 2))
    assert "1-4 of 6" in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert re.findall(r'<a href="/seed/([^"]+)">', second) == listed[4:] and 'rel="prev"' in second
    for wrong in ("../storage/corpus.db", "notes.txt", removed.name):
        assert client.get(f"/seed/{wrong}").status_code == 404


def test_a_seed_in_the_corpus_names_the_page_the_crawl_found_it_at(client, folder: Path) -> None:
    """A seed file has no address of its own; the crawl fetches each seed's
    URL (seeds/sources.toml) and records the page as the seed's copy. The
    corpus list showed no site for a seed and its page listed it as "also at"."""
    from crawler.seedfile import read_seed, seed_files
    from crawler.store import Document, Store

    store = Store(folder / "storage")
    path = seed_files(folder / "seeds")[3]  # as each crawl registers the seeds
    store.register_seed(Document.from_seed(read_seed(path), path), path.name)
    store.close()
    db = sqlite_utils.Database(folder / "storage" / "corpus.db")
    seed = next(db.query("select hash, seed_file from documents where status = 'seed'"))
    page_url = "https://www.example-news.com/2012/10/09/zte-no-threat.html"
    with db.conn:
        for digit, url, via in (("0", page_url, "seed"), ("1", "https://mirror.example.org/zte", "link")):
            db["copies"].insert({"hash": seed["hash"], "copy_hash": digit * 64, "url": url, "kind": "near",
                                 "similarity": 0.98, "found_via": via, "seen": "2026-12-01T02:30:00Z"})  # fmt: skip
    corpus = client.get("/corpus").get_data(as_text=True)
    row = corpus.split(f'href="/seed/{seed["seed_file"]}"')[1].split("</tr>")[0]
    assert "<td>www.example-news.com</td>" in row, row
    shown = client.get(f"/seed/{seed['seed_file']}").get_data(as_text=True)
    assert f'<dt>address</dt><dd><a href="{page_url}"' in shown and "www.example-news.com" in shown
    assert f"also at</dt><dd>{page_url}" not in shown and "also at</dt><dd>https://mirror.example.org/zte" in shown


def test_the_corpus_lists_seeds_saved_with_their_pages_chrome_by_their_headlines(client, folder: Path) -> None:
    """Four of the five seeds start with page chrome; the corpus listed them
    as "Latest News:", "News Videos", "By October 9, 2012" and a dateline,
    registered by a crawl or not yet."""
    from crawler.seedfile import read_seed, seed_files
    from crawler.store import Document, Store

    store = Store(folder / "storage")
    for path in seed_files(folder / "seeds")[:3]:  # as a crawl registers them; the last two it has not read
        store.register_seed(Document.from_seed(read_seed(path), path), path.name)
    store.close()
    corpus = client.get("/corpus").get_data(as_text=True)
    titles = re.findall(r'<a href="/seed/[^"]+">([^<]+)</a>', corpus)
    assert titles[::-1] == [html.escape(t, quote=True) for t in (
        "ZTE, Huawei address U.S. IT security concerns", "Huawei calls for cybersecurity cooperation",
        "ZTE, Huawei slam US, say we’re not spies", "ZTE say they pose no threat to the USA",
        "Beijing slams spying on Huawei")], titles  # fmt: skip
    found = CliRunner().invoke(cli, ["search", "cybersecurity cooperation", "--storage", str(folder / "storage")],
                               env={"COLUMNS": "200"})  # fmt: skip
    assert "Huawei calls for cybersecurity cooperation" in found.output and "News Videos" not in found.output


def test_a_decision_from_the_page_finishes_an_accept_cut_off_elsewhere_first(client, folder: Path) -> None:
    """Pages that only show do not look for crash leftovers (a year's folders:
    80-100 ms a page); the decision does, so a candidate whose accept another
    process left half-done (its seed file written, its row still pending) is
    never accepted twice."""
    from crawler.seedfile import content_hash, file_name, next_sequence

    from .test_review import TEXTS

    seeds = folder / "seeds"
    (seeds / file_name(next_sequence(seeds), content_hash(TEXTS[0]))).write_text(TEXTS[0], encoding="utf-8")
    page = client.get("/c/0")
    assert page.status_code == 200 and statuses(folder)[0][0] == "pending"  # shown as the database has it
    answer = client.post("/c/0/accept", data={"csrf": csrf_of(page.data)}, follow_redirects=True)
    assert "candidate 0 is already accepted" in answer.get_data(as_text=True)
    assert statuses(folder)[0][0] == "accepted" and len(list(seeds.glob("005_*.txt"))) == 1
    assert not list(seeds.glob("006_*.txt"))


def test_an_address_in_the_search_box_shows_what_became_of_that_page(client, folder: Path) -> None:
    """As `seedcrawl show URL`: "why is this article not in my queue?", asked
    where the reviewer already is."""
    from crawler.dedup import canonical_url
    from crawler.store import Store

    store = Store(folder / "storage")
    run = store.start_run("sources.toml")
    row = next(store.db.query("select hash, queue_file from documents where queue_seq = 1"))
    store.record_url(canonical_url("http://127.0.0.1/1"), "queued", run, hash=row["hash"], detail=row["queue_file"],
                     http_status=200, found_via="feed", found_on="http://127.0.0.1/feed.xml")  # fmt: skip
    store.record_url(canonical_url("http://127.0.0.1/dropped"), "offtopic", run, http_status=200,
                     detail="first pass 0.010 < 0.240; seed words: world 61%; none of the seeds' names")  # fmt: skip
    store.close()
    went = client.get("/", query_string={"q": " http://127.0.0.1/1?utm_source=newsletter "})
    assert went.status_code == 302 and "/page?url=" in went.location
    page = client.get(went.location).get_data(as_text=True)
    assert "queued: " + row["queue_file"] in page and "feed http://127.0.0.1/feed.xml" in page
    assert 'href="/c/1"' in page and "the document it gave" in page  # on to its candidate page
    dropped = client.get("/page", query_string={"url": "http://127.0.0.1/dropped"}).get_data(as_text=True)
    assert "offtopic: first pass 0.010 &lt; 0.240" in dropped and 'href="/c/' not in dropped
    never = client.get("/page", query_string={"url": "https://example.org/x"}, follow_redirects=True)
    assert "no crawl has met https://example.org/x" in never.get_data(as_text=True)  # one line, on the queue page


def test_documents_of_ones_own_are_added_from_the_corpus_page(client, folder: Path) -> None:
    """As `seedcrawl add`: a text becomes the next seed, a file that is not
    one is a line saying why, and the decision log says where each came from."""
    import io

    page = client.get("/corpus")
    note = b"UK orders Huawei out of 5G\n\nThe UK said Huawei must leave its 5G networks by 2027.\n"
    photo = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    answer = client.post(
        "/corpus/add", content_type="multipart/form-data", follow_redirects=True,
        data={"csrf": csrf_of(page.data), "documents": [(io.BytesIO(note), "note.txt"), (io.BytesIO(photo), "p.png")]},
    )  # fmt: skip
    text = answer.get_data(as_text=True)
    [added] = [p.name for p in (folder / "seeds").glob("005_*.txt")]
    assert f"added 1 seed(s): {added} (from note.txt)" in text
    assert "p.png: not added: an image (.png), not text: run OCR on it, then add the text" in text
    assert re.findall(r'<a href="/seed/([^"]+)">', text)[0] == added  # the newest, first
    db = sqlite_utils.Database(folder / "storage" / "corpus.db")
    assert [(r["action"], r["reason"]) for r in db.query("select action, reason from decisions")] == [
        ("add", "from upload note.txt")
    ]
    address = "https://news.example.org/2020/07/14/uk-bans-huawei.html"
    story = "".join(
        f"<p>Paragraph {i}: ministers debated the ban on the vendor's equipment today.</p>" for i in range(9)
    )
    saved = f"<!-- saved from url=(0055){address} -->\n<html><body><article>{story}</article></body></html>"
    answer = client.post(
        "/corpus/add",
        content_type="multipart/form-data",
        follow_redirects=True,
        data={"csrf": csrf_of(page.data), "documents": (io.BytesIO(saved.encode()), "saved.html")},
    )
    assert html.escape(f"saved from {address}: list it under [seeds] urls in {folder / 'seeds' / 'sources.toml'}") in (
        answer.get_data(as_text=True)
    )  # as `seedcrawl add` says it
    none = client.post("/corpus/add", data={"csrf": csrf_of(page.data)}, follow_redirects=True)
    assert "choose the files to add first" in none.get_data(as_text=True)
    assert client.post("/corpus/add", data={"documents": (io.BytesIO(note), "again.txt")}).status_code == 403


def test_uploads_too_large_are_one_line_each_and_the_others_are_added(client, folder: Path, monkeypatch) -> None:
    """A text larger than a seed may be is refused by its size, as `seedcrawl add`
    refuses it (a PDF was read to its cut and called unreadable); a request
    larger than the server takes gave Werkzeug's bare "Request Entity Too Large" page."""
    import io

    import crawler.given

    monkeypatch.setattr(crawler.given, "MAX_SEED_BYTES", 2_000)
    monkeypatch.setattr(crawler.given, "MAX_REPORT_BYTES", 3_000)
    csrf = csrf_of(client.get("/corpus").data)
    note = b"UK orders Huawei out of 5G\n\nThe UK said Huawei must leave its 5G networks by 2027.\n"
    long_note = note + b"More of the same.\n" * 150
    pdf = b"%PDF-1.4\n" + b"0" * 3_500
    answer = client.post(
        "/corpus/add", content_type="multipart/form-data", follow_redirects=True,
        data={"csrf": csrf, "documents": [(io.BytesIO(long_note), "long.txt"), (io.BytesIO(pdf), "big.pdf"),
                                          (io.BytesIO(note), "note.txt")]},
    )  # fmt: skip
    text = answer.get_data(as_text=True)
    assert "long.txt: not added: larger than 2,000 bytes; this is not one article" in text
    assert "big.pdf: not added: larger than 3,000 bytes; this is not one article" in text
    assert "added 1 seed(s)" in text and "(from note.txt)" in text
    client.application.config["MAX_CONTENT_LENGTH"] = 1_000_000
    answer = client.post(
        "/corpus/add", content_type="multipart/form-data", follow_redirects=True,
        data={"csrf": csrf, "documents": (io.BytesIO(b"x" * 1_200_000), "huge.txt")},
    )  # fmt: skip
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Corpus" in text
    assert "the files chosen are more than 1 MB together: add them a few at a time, or with seedcrawl add" in text
    assert len(list((folder / "seeds").glob("*.txt"))) == 6  # the five seeds and note.txt


def test_a_storage_fault_during_a_decision_is_one_line_and_changes_nothing(client, folder: Path, monkeypatch) -> None:
    """A full disk during an accept from the page gave Flask's "Internal Server Error"."""
    import sqlite3

    from crawler.store import Store

    page = client.get("/c/0")
    before = statuses(folder)

    def full(self, *args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "set_decision", full)
    answer = client.post("/c/0/accept", data={"csrf": csrf_of(page.data)})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 503 and "Internal Server Error" not in text
    assert "disk is full" in text and "Nothing was changed" in text
    assert statuses(folder) == before and not list((folder / "seeds").glob("005_*.txt"))


def test_the_card_names_the_pages_address_and_its_source_apart_and_marks_a_doubtful_date(tmp_path: Path) -> None:
    """The browser's card labelled the page's address and the source that led
    to it both "source", and said nothing of a date its witnesses disagree on
    (the terminal's card and `show` do: "DOUBTFUL: witnesses disagree")."""
    import dataclasses

    from crawler.dates import settle
    from crawler.store import Store

    from .test_store import make_doc

    folder = make_storage(tmp_path)
    store = Store(folder / "storage")
    doc = dataclasses.replace(
        make_doc("Huawei report\nHuawei has failed to resolve security flaws, a report says.", "http://127.0.0.4/r"),
        dates=settle({"htmldate": "2020-10-01", "search": "2024-05-01"}),
        source="search: huawei security",
        found_via="search",
        found_on="http://127.0.0.4/api/v2/doc/doc?query=huawei",
    )
    store.add_candidate(doc, store.start_run("sources.toml"))
    seq = next(store.db.query("select queue_seq from documents where url = 'http://127.0.0.4/r'"))["queue_seq"]
    store.close()
    client = create_app(folder / "storage", folder / "seeds").test_client()
    card = html.unescape(client.get(f"/c/{seq}").get_data(as_text=True).split('<div class="actions">')[0])
    labels = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>(.*?)</dd>", card))
    assert 'href="http://127.0.0.4/r"' in labels["url"] and labels["source"] == "search: huawei security"
    assert labels["date"] == "2020-10-01 (htmldate; search 2024-05-01)  DOUBTFUL: witnesses disagree by 1308 days"
    assert "<dt>date</dt>" not in client.get("/c/0").get_data(as_text=True)  # one witness: nothing to doubt
