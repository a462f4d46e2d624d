"""Near misses: pages the crawl judged off topic, listed for the reviewer,
who can put one into the queue (and take it back out) and teach the model."""

import dataclasses
import shutil
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.review import Review, ReviewError
from crawler.seedfile import read_seed, seed_files
from crawler.sources import SCHEMA
from crawler.store import Store

from .browser import MISSING, chromium, serving
from .conftest import SEEDS
from .test_store import TEXT, make_doc

# Off-topic pages the crawl read in full: a brief in words the seeds do not
# use (the kind of page the model misses), and two that are off topic.
BRIEF = (
    "Britain bans Huawei from 5G by 2027\n\n"
    "London ordered mobile operators to strip the firm's kit out by 2027. "
    "Ministers cited the risk it poses to the country's infrastructure."
)
PHONE = "Phone review\n\nThe camera and battery of the new handset impress; the screen is bright and sharp."
RECIPE = "Lentil soup\n\nSimmer the lentils with onion, cumin and stock for forty minutes, then blend."


def make_storage(folder: Path) -> Path:
    """A storage folder with one candidate and three off-topic pages (0.29, 0.22, 0.05)."""
    store = Store(folder / "storage")
    run = store.start_run("sources.toml")
    store.add_candidate(make_doc(TEXT, url="http://127.0.0.1/candidate"), run)
    for text, score, path in ((BRIEF, 0.29, "brief"), (PHONE, 0.22, "phone"), (RECIPE, 0.05, "soup")):
        doc = dataclasses.replace(make_doc(text, url=f"http://127.0.0.1/{path}"), score=score,
                                  reason=f"few of the seeds' other words ({path})")  # fmt: skip
        store.add_document(doc, "offtopic", run)
        store.record_url(doc.url, "offtopic", run, hash=doc.hash, detail=f"score {score:.3f}", http_status=200)
    store.close()
    shutil.copytree(SEEDS, folder / "seeds")
    return folder / "storage"


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def fails(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code != 0, result.output
    return result.output


def hash_of(storage: Path, url: str) -> str:
    with closing(Store(storage)) as store:
        return next(store.db.query("select hash from documents where url = ?", [url]))["hash"]


def test_misses_lists_off_topic_pages_best_first_without_the_queue(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    output = run("misses", "--storage", str(storage))
    assert "Judged off topic: 3 page(s), best first" in output
    assert output.index("Britain bans Huawei") < output.index("Phone review") < output.index("Lentil soup")
    assert "0.290" in output and hash_of(storage, "http://127.0.0.1/brief")[:8] in output
    assert "Huawei faces" not in output  # the pending candidate is the queue's, not a miss


def test_misses_take_the_queue_filters_and_say_how_many_there_are(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    found = run("misses", "--storage", str(storage), "--search", "handset")
    assert "Phone review" in found and "Britain bans" not in found
    assert "Britain bans" not in run("misses", "--storage", str(storage), "--max-score", "0.25")
    first = run("misses", "--storage", str(storage), "--limit", "1")
    assert "3 page(s)" in first and "the first 1" in first and "Phone review" not in first
    none = run("misses", "--storage", str(storage), "--search", "zebra")
    assert none.strip() == "No off-topic page with these filters (3 in all)."


def test_requeue_puts_a_miss_in_the_queue_and_accepting_it_makes_a_seed(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    digest = hash_of(storage, "http://127.0.0.1/brief")
    output = run("requeue", "--storage", str(storage), digest[:8])
    assert f"queued {digest[:8]} as candidate 1 (001_{digest[:16]}.txt)" in output
    assert "`seedcrawl accept 1` makes it a seed" in output
    assert (storage / "queue" / f"001_{digest[:16]}.txt").read_text(encoding="utf-8") == BRIEF
    queue = run("queue", "--storage", str(storage))
    assert "Britain bans Huawei" in queue and "0.290" in queue  # the crawl's score stays
    assert "Britain bans" not in run("misses", "--storage", str(storage))
    with closing(Store(storage)) as store:
        [log] = list(store.db.query("select action, reason from decisions where hash = ?", [digest]))
    assert log == {"action": "requeue", "reason": "off topic at 0.290"}
    seeds = tmp_path / "seeds"
    run("accept", "--storage", str(storage), "--seeds", str(seeds), "1")
    assert read_seed(seed_files(seeds)[-1]).text == BRIEF


def test_accepting_a_requeued_brief_teaches_the_model_its_words(tmp_path: Path) -> None:
    """The loop the misses are for: a brief in words the seeds never use
    scores low; once requeued and accepted, a brief like it scores higher."""
    storage = make_storage(tmp_path)
    seeds = tmp_path / "seeds"
    other = tmp_path / "other-brief.txt"
    other.write_text(
        "UK bans Huawei 5G kit\n\nBritain told operators to rip out the firm's masts and switches by 2027, "
        "a reversal ministers blamed on the risk to infrastructure.",
        encoding="utf-8",
    )

    sources = seeds / "sources.toml"  # the crawl's settings, its defaults: the model of these seeds
    sources.write_text("", encoding="utf-8")

    def score() -> float:
        line = run("score", "--storage", str(storage), "--sources", str(sources), str(other)).splitlines()[0]
        return float(line.split("\t")[0])

    before = score()
    run("requeue", "--storage", str(storage), hash_of(storage, "http://127.0.0.1/brief")[:8])
    run("accept", "--storage", str(storage), "--seeds", str(seeds), "1")
    queued_from = SCHEMA["relevance"]["threshold"].default - SCHEMA["relevance"]["band"].default
    assert before < queued_from <= score()  # 0.20, then 0.39: within the band below the threshold, so queued


OTHER_BRIEF = (
    "UK bans Huawei 5G kit\n\nBritain told operators to rip out the firm's masts and switches by 2027, "
    "a reversal ministers blamed on the risk to infrastructure."
)


def test_rescore_misses_lifts_a_brief_like_the_one_accepted_up_the_off_topic_list(tmp_path: Path) -> None:
    """What the reviewer taught reaches the pages judged off topic: the other
    brief, last of the list at the crawl's score, comes first; it stays off
    topic, counted as one the crawl would now queue."""
    storage = make_storage(tmp_path)
    with closing(Store(storage)) as store:
        doc = dataclasses.replace(make_doc(OTHER_BRIEF, url="http://127.0.0.1/other"), score=0.04, reason="few")
        store.add_document(doc, "offtopic", store.start_run("sources.toml"))
    seeds = tmp_path / "seeds"
    other = hash_of(storage, "http://127.0.0.1/other")
    listed = run("misses", "--storage", str(storage))
    assert listed.index("Lentil soup") < listed.index(other[:8])  # last, at the crawl's score
    run("requeue", "--storage", str(storage), hash_of(storage, "http://127.0.0.1/brief")[:8])
    run("accept", "--storage", str(storage), "--seeds", str(seeds), "1")
    queue_only = run("rescore", "--storage", str(storage), "--seeds", str(seeds))
    assert "off topic" not in queue_only  # without --misses they keep the crawl's scores
    sources = seeds / "sources.toml"
    sources.write_text("", encoding="utf-8")

    def status() -> str:
        return " ".join(run("status", "--storage", str(storage), "--sources", str(sources)).split())

    assert "now score at least" not in status()
    assert run("misses", "--storage", str(storage), "--limit", "1").count(other[:8]) == 0
    cut = SCHEMA["relevance"]["threshold"].default - SCHEMA["relevance"]["band"].default
    dry = " ".join(run("rescore", "--misses", "--dry-run", "--storage", str(storage), "--seeds", str(seeds)).split())
    assert "Judged the 3 off-topic page(s) again" in dry and "Nothing was written" in dry
    assert run("misses", "--storage", str(storage), "--limit", "1").count(other[:8]) == 0
    said = " ".join(run("rescore", "--misses", "--storage", str(storage), "--seeds", str(seeds)).split())
    assert f"1 now reach {cut:g}, where the crawl queues a page" in said
    assert f"`seedcrawl misses --min-score {cut:g}` lists them" in said
    assert f"`seedcrawl requeue --min-score {cut:g}` queues them all (listed, then asked)" in said
    assert (
        f"1 of them now score at least {cut:g}, where the crawl queues a page (judged again by your decisions): "
        f"`seedcrawl requeue --min-score {cut:g}` puts them in the queue" in status()
    )
    listed = run("misses", "--storage", str(storage), "--min-score", f"{cut:g}")
    assert other[:8] in listed and "Phone review" not in listed  # the other brief first, the phone review sunk
    with closing(Store(storage)) as store:
        row = next(store.db.query("select status, score, crawl_score from documents where hash = ?", [other]))
    assert row["status"] == "offtopic" and row["crawl_score"] == 0.04 and row["score"] >= cut
    shown = " ".join(run("show", "--storage", str(storage), other[:8]).split())
    assert "when crawled 0.040" in shown


def test_the_browsers_off_topic_list_ranks_by_the_reviewers_decisions_at_a_button(tmp_path: Path) -> None:
    import html
    import re

    from crawler.web.app import create_app

    storage = make_storage(tmp_path)
    with closing(Store(storage)) as store:
        doc = dataclasses.replace(make_doc(OTHER_BRIEF, url="http://127.0.0.1/other"), score=0.04, reason="few")
        store.add_document(doc, "offtopic", store.start_run("sources.toml"))
    run("requeue", "--storage", str(storage), hash_of(storage, "http://127.0.0.1/brief")[:8])
    run("accept", "--storage", str(storage), "--seeds", str(tmp_path / "seeds"), "1")
    client = create_app(storage, tmp_path / "seeds").test_client()
    page = client.get("/misses", query_string={"q": "UK"}).get_data(as_text=True)
    assert "Rank by my decisions" in page and "0.040" in page
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    ranked = client.post("/misses/rescore?q=UK", data={"csrf": token}, follow_redirects=True)
    shown = html.unescape(ranked.get_data(as_text=True))
    cut = SCHEMA["relevance"]["threshold"].default - SCHEMA["relevance"]["band"].default
    assert f"judged 3 page(s) again by the model of your decisions: 3 score(s) changed, 1 now reach {cut:g}" in shown
    assert "Judged off topic: 1 page(s)" in shown and "0.040" not in shown  # the search kept, the new score shown


def test_requeue_by_the_filters_lists_asks_then_queues_every_page_they_select(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    brief, phone = hash_of(storage, "http://127.0.0.1/brief"), hash_of(storage, "http://127.0.0.1/phone")

    def requeue(*args: str, answer: str = "") -> str:
        result = CliRunner().invoke(cli, ["requeue", "--storage", str(storage), *args], input=answer)
        assert result.exit_code == 0, result.output
        return result.output

    declined = requeue("--min-score", "0.1", answer="n\n")
    assert "Judged off topic: 2 page(s), best first" in declined and "Lentil soup" not in declined
    assert "Put these 2 page(s) in the queue? [y/N]: n" in declined and "Nothing queued." in declined
    assert "Britain bans" in run("misses", "--storage", str(storage))  # nothing changed
    queued = requeue("--min-score", "0.1", answer="y\n")
    assert f"queued {brief[:8]} as candidate 1" in queued and f"queued {phone[:8]} as candidate 2" in queued
    assert "`seedcrawl accept 1 2` makes them seeds" in queued
    assert "Lentil soup" in run("misses", "--storage", str(storage)) and "Britain bans" in run(
        "queue", "--storage", str(storage)
    )
    assert requeue("--search", "zebra").strip() == "No off-topic page with these filters (1 in all)."
    both = CliRunner().invoke(cli, ["requeue", "--storage", str(storage), "--search", "soup", brief[:8]])
    assert both.exit_code == 2 and "by id or by the filters, not both" in both.output
    neither = CliRunner().invoke(cli, ["requeue", "--storage", str(storage)])
    assert neither.exit_code == 2 and "which pages? Give their ids" in neither.output


def test_the_browser_queues_a_filtered_off_topic_list_after_asking_and_undoes_it_at_once(tmp_path: Path) -> None:
    import html
    import re

    from crawler.web.app import create_app

    storage = make_storage(tmp_path)
    client = create_app(storage, tmp_path / "seeds").test_client()

    def page(path: str, **query: str) -> str:
        return html.unescape(client.get(path, query_string=query, follow_redirects=True).get_data(as_text=True))

    assert "Queue all" not in page("/misses")  # the whole list at once is not offered
    assert "filter the list first" in page("/misses/queue-all")
    listed = page("/misses", min_score="0.1")
    assert "Queue all 2…" in listed
    asked = page("/misses/queue-all", min_score="0.1")
    assert "Put these 2 page(s) in the queue?" in asked and "Britain bans" in asked and "Lentil soup" not in asked
    assert "Britain bans" in page("/misses")  # asking changed nothing
    token = re.search(r'name="csrf" value="([^"]+)"', asked).group(1)
    ids = re.search(r'name="ids" value="([^"]+)"', asked).group(1)
    queued = html.unescape(client.post("/misses/queue-all", data={"csrf": token, "ids": ids},
                                       follow_redirects=True).get_data(as_text=True))  # fmt: skip
    assert "queued 2 page(s) judged off topic: accept or reject them as any candidate" in queued
    assert "Review queue: 3 candidate(s)" in queued and "Undo these 2 decisions" in queued
    assert "Britain bans" not in page("/misses") and "Lentil soup" in page("/misses")
    batch = re.search(r'id="undo-batch".*?name="ids" value="([^"]+)"', queued, re.S).group(1)
    undone = html.unescape(client.post("/undo-batch", data={"csrf": token, "ids": batch},
                                       follow_redirects=True).get_data(as_text=True))  # fmt: skip
    assert "undone: 2 page(s) off topic again, out of the queue" in undone
    assert "Britain bans" in page("/misses") and "Review queue: 1 candidate(s)" in page("/")


def test_a_page_queued_meanwhile_is_passed_over_by_its_title_not_its_hash(tmp_path: Path) -> None:
    """Queue all passes over a page queued since its list was shown: it named
    the page by its 64-digit hash, twice ("passed over 1: #5f3a…: 5f3a… was
    not judged off topic")."""
    import html
    import re

    from crawler.web.app import create_app

    storage = make_storage(tmp_path)
    brief = hash_of(storage, "http://127.0.0.1/brief")
    client = create_app(storage, tmp_path / "seeds").test_client()
    asked = html.unescape(client.get("/misses/queue-all", query_string={"min_score": "0.1"}).get_data(as_text=True))
    token = re.search(r'name="csrf" value="([^"]+)"', asked).group(1)
    ids = re.search(r'name="ids" value="([^"]+)"', asked).group(1)
    run("requeue", "--storage", str(storage), brief[:8])  # in a terminal, meanwhile: candidate 1
    queued = html.unescape(client.post("/misses/queue-all", data={"csrf": token, "ids": ids},
                                       follow_redirects=True).get_data(as_text=True))  # fmt: skip
    said = "passed over 1: “Britain bans Huawei from 5G by 2027” was not judged off topic: it is in the queue as 1"
    assert "queued 1 page(s) judged off topic" in queued and said in queued, queued
    assert brief not in queued.replace(f'value="{ids}"', "")  # the hash is not what the reviewer reads


def test_requeue_refuses_what_is_not_off_topic_in_one_line_and_changes_nothing(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    pending = hash_of(storage, "http://127.0.0.1/candidate")
    output = fails("requeue", "--storage", str(storage), pending[:8])
    assert output.strip() == f"Error: {pending[:8]} was not judged off topic: it is in the queue as 0"
    output = fails("requeue", "--storage", str(storage), "0123456789")
    assert output.strip().splitlines() == ["Error: no off-topic page 0123456789 (see `seedcrawl misses`)"]
    assert sorted(p.name for p in (storage / "queue").iterdir()) == [f"000_{pending[:16]}.txt"]


def test_accept_by_hash_of_a_miss_says_how_to_queue_it(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    digest = hash_of(storage, "http://127.0.0.1/phone")
    output = fails("accept", "--storage", str(storage), "--seeds", str(tmp_path / "seeds"), digest[:8])
    assert "judged it off topic (`seedcrawl requeue` puts it in the queue)" in output
    assert len(seed_files(tmp_path / "seeds")) == 5


def test_show_names_a_miss_by_its_hash(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    digest = hash_of(storage, "http://127.0.0.1/phone")
    output = run("show", "--storage", str(storage), digest[:8])
    assert f"id {digest[:16]}" in output and "None" not in output
    assert "status offtopic" in output and "The camera and battery" in output
    said = " ".join(output.split())
    assert "not archived (not queued when crawled: `archive.offtopic = true` archives such pages)" in said
    run("requeue", "--storage", str(storage), digest[:8])
    card = " ".join(run("show", "--storage", str(storage), "1").split())
    assert "not queued when crawled" in card  # in the queue now, still not archived
    assert "requeued by " in card and "from the pages the crawl judged off topic (`seedcrawl misses`)" in card


def test_undo_takes_a_requeued_page_back_off_topic_keeping_a_hand_edit(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    digest = hash_of(storage, "http://127.0.0.1/brief")
    run("requeue", "--storage", str(storage), digest[:8])
    queue_file = storage / "queue" / f"001_{digest[:16]}.txt"
    queue_file.write_text("Britain bans Huawei (edited)\n\nA line of mine.", encoding="utf-8")
    assert run("undo", "--storage", str(storage), "1").strip() == "undone: 1 is off topic again, out of the queue"
    assert not queue_file.exists()
    assert "Britain bans Huawei (edited)" in run("misses", "--storage", str(storage))  # the edit is kept
    assert "Britain bans" not in run("queue", "--storage", str(storage))
    with closing(Store(storage)) as store:
        assert store.edits_of(digest)[-1]["text"] == "Britain bans Huawei (edited)\n\nA line of mine."
    assert f"id {digest[:16]}" in run("show", "--storage", str(storage), "1")  # not a queue file's name any more
    assert "as candidate 1" in run("requeue", "--storage", str(storage), digest[:8])  # queued again, its number kept


def test_a_queue_file_left_by_an_interrupted_undo_is_removed(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    digest = hash_of(storage, "http://127.0.0.1/brief")
    run("requeue", "--storage", str(storage), digest[:8])
    queue_file = storage / "queue" / f"001_{digest[:16]}.txt"
    with closing(Store(storage)) as store:  # undo committed, the process killed before the file went
        review = Review(store, tmp_path / "seeds")
        real_unlink = Path.unlink
        Path.unlink = lambda self, missing_ok=False: None  # type: ignore[method-assign]
        try:
            review.undo("1")
        finally:
            Path.unlink = real_unlink  # type: ignore[method-assign]
    assert queue_file.exists()
    run("queue", "--storage", str(storage))  # any review command finishes it
    assert not queue_file.exists()


def test_a_new_reading_leaves_a_requeued_page_in_the_queue(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    digest = hash_of(storage, "http://127.0.0.1/brief")
    with closing(Store(storage)) as store:
        review = Review(store, tmp_path / "seeds")
        review.requeue(digest[:8])
        assert set(store.requeued([digest, hash_of(storage, "http://127.0.0.1/phone")])) == {digest}
        with pytest.raises(ReviewError, match="it is in the queue as 1"):
            review.requeue(digest[:8])
        review.undo("1")
        assert not store.requeued([digest])


def test_status_says_how_many_pages_were_judged_off_topic(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    sources = tmp_path / "seeds" / "sources.toml"
    sources.write_text("", encoding="utf-8")
    output = " ".join(run("status", "--storage", str(storage), "--sources", str(sources)).split())
    assert "Judged off topic: 3 page(s) read in full; `seedcrawl misses` lists them" in output


def test_the_browser_lists_misses_reads_one_queues_it_and_takes_it_back(tmp_path: Path) -> None:
    import html
    import re

    from crawler.web.app import create_app

    storage = make_storage(tmp_path)
    client = create_app(storage, tmp_path / "seeds").test_client()
    digest = hash_of(storage, "http://127.0.0.1/brief")
    listed = html.unescape(client.get("/misses").get_data(as_text=True))
    assert "Judged off topic: 3 page(s), best first" in listed
    assert listed.index("Britain bans Huawei") < listed.index("Phone review") < listed.index("Lentil soup")
    assert "Lentil soup" not in client.get("/misses", query_string={"q": "handset"}).get_data(as_text=True)
    assert client.get(f"/c/{digest[:8]}").location.endswith(f"/miss/{digest}")  # its hash: the page to read
    page = client.get(f"/miss/{digest}").get_data(as_text=True)
    assert "Ministers cited the risk" in page and "0.290" in page and "Put it in the queue" in page
    assert '<dt>url</dt><dd><a href="http://127.0.0.1/brief"' in page  # its address, not called its "source"
    assert client.post(f"/miss/{digest}/queue", data={}).status_code == 403  # not from this server's page
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    queued = client.post(f"/miss/{digest}/queue", data={"csrf": token}, follow_redirects=True)
    shown = html.unescape(queued.get_data(as_text=True))
    assert "queued #1 “Britain bans Huawei from 5G by 2027”" in shown and "Accept (a)" in shown
    assert "from the pages the crawl judged off topic" in shown
    assert (storage / "queue" / f"001_{digest[:16]}.txt").exists()
    assert "Britain bans" not in client.get("/misses").get_data(as_text=True)
    undone = client.post("/c/1/undo", data={"csrf": token}, follow_redirects=True)
    assert "is off topic again, out of the queue" in html.unescape(undone.get_data(as_text=True))
    assert not (storage / "queue" / f"001_{digest[:16]}.txt").exists()
    record = client.get("/page", query_string={"url": "http://127.0.0.1/phone"}).get_data(as_text=True)
    assert "off topic: read it, put it in the queue" in record and "the seed None" not in record


def test_the_browsers_off_topic_list_takes_the_queues_filters_and_keeps_them_across_pages(tmp_path: Path) -> None:
    import html

    from crawler.web import app as web

    storage = make_storage(tmp_path)
    client = web.create_app(storage, tmp_path / "seeds").test_client()

    def titles(**query: str) -> str:
        return html.unescape(client.get("/misses", query_string=query).get_data(as_text=True))

    narrowed = titles(min_score="0.1", max_score="0.25")
    assert "Judged off topic: 1 page(s)" in narrowed and "Phone review" in narrowed
    assert "Britain bans" not in narrowed and "Lentil soup" not in narrowed
    assert 'name="max_score" value="0.25"' in narrowed  # the form shows what narrowed the list
    assert "No off-topic page with these filters." in titles(site="elsewhere.example")
    refused = client.get("/misses?min_score=high", headers={"Referer": "/misses"}, follow_redirects=True)
    said = html.unescape(refused.get_data(as_text=True))
    assert "score at least: 'high' is not a number" in said and "Judged off topic: 3 page(s)" in said
    web.PAGE_ROWS, kept = 1, web.PAGE_ROWS
    try:
        first = titles(max_score="0.25")
    finally:
        web.PAGE_ROWS = kept
    assert "1-1 of 2" in first and "max_score=0.25" in first.split('rel="next"')[0].rsplit("<a", 1)[1]


def test_requeue_takes_a_pages_address_as_show_does(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    digest = hash_of(storage, "http://127.0.0.1/brief")
    card = " ".join(run("show", "--storage", str(storage), "http://127.0.0.1/brief?utm_source=x").split())
    assert f"status offtopic: `seedcrawl requeue {digest[:8]}` puts it in the queue" in card
    output = run("requeue", "--storage", str(storage), "http://127.0.0.1/brief?utm_source=x")
    assert f"as candidate 1 (001_{digest[:16]}.txt)" in output
    with closing(Store(storage)) as store:  # a page the first pass dropped: no text kept to queue
        store.record_url("http://127.0.0.1/dropped", "offtopic", 1, detail="first pass 0.05 < 0.24", http_status=200)
    refused = fails("requeue", "--storage", str(storage), "http://127.0.0.1/dropped")
    assert " ".join(refused.split()) == (
        "Error: the crawl kept no text of http://127.0.0.1/dropped to queue (`seedcrawl show "
        "http://127.0.0.1/dropped` says what became of it); save the page and `seedcrawl add` it"
    )
    unknown = fails("requeue", "--storage", str(storage), "http://127.0.0.1/never")
    assert "no crawl has met http://127.0.0.1/never" in unknown


def test_misses_json_gives_every_page_for_scripts(tmp_path: Path) -> None:
    import json

    storage = make_storage(tmp_path)
    lines = run("misses", "--storage", str(storage), "--json", "--max-score", "0.25").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["title"] for row in rows] == ["Phone review", "Lentil soup"]
    assert rows[0]["id"] == hash_of(storage, "http://127.0.0.1/phone")[:8] and rows[0]["score"] == 0.22
    assert rows[0]["url"] == "http://127.0.0.1/phone" and rows[0]["reason"] == "few of the seeds' other words (phone)"


def test_review_misses_walks_the_off_topic_pages_accepting_queueing_and_skipping(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    seeds = tmp_path / "seeds"
    brief, phone = hash_of(storage, "http://127.0.0.1/brief"), hash_of(storage, "http://127.0.0.1/phone")
    walked = CliRunner().invoke(
        cli, ["review", "--misses", "--storage", str(storage), "--seeds", str(seeds)], input="?\na\np\nq\n"
    )
    out = walked.output
    assert walked.exit_code == 0, out
    said = " ".join(out.split())
    assert "Ministers cited the risk" in said  # the text, then the card and the question
    assert out.count(f"{brief[:8]}: a accept") == 2 and "p  put it in the review queue" in out  # ? explained
    assert f"off topic {brief[:8]} (1 of 3)" in said
    assert f"accepted {brief[:8]} “Britain bans Huawei from 5G by 2027” -> {seeds}" in said
    assert f"queued {phone[:8]} “Phone review” as candidate 2" in out
    assert "1 accepted, 1 queued, 0 skipped" in out
    assert read_seed(seed_files(seeds)[-1]).text == BRIEF
    with closing(Store(storage)) as store:
        status = {r["url"].rsplit("/", 1)[1]: r["status"] for r in store.db.query("select url, status from documents")}
    assert status == {"candidate": "pending", "brief": "accepted", "phone": "pending", "soup": "offtopic"}
    undo = run("undo", "--storage", str(storage), "--seeds", str(seeds), "1")  # the accept, then the requeue
    assert "back in the queue" in undo
    assert "off topic again" in run("undo", "--storage", str(storage), "--seeds", str(seeds), "1")


def test_review_misses_undoes_the_walks_last_decision_and_shows_that_page_again(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    seeds = tmp_path / "seeds"
    before = seed_files(seeds)
    brief, phone = hash_of(storage, "http://127.0.0.1/brief"), hash_of(storage, "http://127.0.0.1/phone")
    walked = CliRunner().invoke(
        cli, ["review", "--misses", "--storage", str(storage), "--seeds", str(seeds)], input="u\na\nu\np\nu\ns\nq\n"
    )
    out = walked.output
    assert walked.exit_code == 0, out
    assert "nothing to undo in this walk" in out
    assert out.count(f"undone: {brief[:8]} “Britain bans Huawei from 5G by 2027” is off topic again") == 2
    assert " ".join(out.split()).count(f"off topic {brief[:8]} (1 of 3)") == 4  # shown again after each undo
    assert f"off topic {phone[:8]} (2 of 3)" in " ".join(out.split())
    assert "1 accepted, 1 queued, 1 skipped, 2 undone" in out
    assert seed_files(seeds) == before  # the accept taken back: no seed file left
    with closing(Store(storage)) as store:
        status = {r["url"].rsplit("/", 1)[1]: r["status"] for r in store.db.query("select url, status from documents")}
    assert status == {"candidate": "pending", "brief": "offtopic", "phone": "offtopic", "soup": "offtopic"}
    assert list((storage / "queue").glob("*.txt")) == list((storage / "queue").glob("000_*.txt"))


def test_review_misses_refuses_the_uncertain_order(tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    refused = fails("review", "--misses", "--uncertain", "--storage", str(storage))
    assert "--misses walks the best first, which are the nearest the threshold" in refused


@pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
def test_the_off_topic_list_shows_each_title_and_its_button_on_a_phone_and_queues_with_the_keyboard(
    tmp_path: Path,
) -> None:
    """At 390 pixels the queue's rule hid the 3rd and 4th columns: on this
    list those are the site and the title, which left a score and a button."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    from crawler.web.app import create_app

    storage = make_storage(tmp_path)
    app = create_app(storage, tmp_path / "seeds")
    with serving(app) as base, chromium(390, 844) as browser:
        browser.get(base + "/misses")
        first = browser.find_element(By.CSS_SELECTOR, "tr.row")
        title = first.find_element(By.CSS_SELECTOR, "td a")
        assert title.is_displayed() and title.text == "Britain bans Huawei from 5G by 2027"
        assert first.find_element(By.CSS_SELECTOR, "form.requeue button").is_displayed()
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ENTER)  # the first row, opened with the keyboard
        WebDriverWait(browser, 10).until(ready.url_contains("/miss/"))
        browser.find_element(By.CSS_SELECTOR, "#requeue button").click()
        WebDriverWait(browser, 10).until(ready.title_contains("#1"))
        assert "queued #1" in browser.find_element(By.CLASS_NAME, "flash").text
    assert (storage / "queue").joinpath(f"001_{hash_of(storage, 'http://127.0.0.1/brief')[:16]}.txt").exists()
