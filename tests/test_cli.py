import re
import sqlite3
import tempfile
from pathlib import Path

import click
import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.cli import cli
from crawler.cli.decide import TAUGHT
from crawler.review import NOT_CANDIDATES, Review
from crawler.seedfile import read_seed
from crawler.store import Document, Store

from .conftest import SEEDS


def _seed(number: str) -> str:
    return next(SEEDS.glob(f"{number}_*.txt")).read_text(encoding="utf-8")


def test_dups_prints_groups_of_copies_and_omits_singletons(tmp_path: Path) -> None:
    wire = _seed("000")
    lines = [line for line in wire.split("\n") if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("GUANGZHOU"))
    end = next(i for i, line in enumerate(lines) if line.startswith("We Recommend"))
    files = {
        "a_seed.txt": wire,
        "b_body_only.txt": "Chinese firms answer U.S.\n\n" + "\n\n".join(lines[start:end]),
        "c_edited_cut.txt": "\n\n".join(lines[start : end - 2]).replace("U.S.", "US"),
        "d_other_seed.txt": _seed("001"),
        "e_same_with_crlf.txt": _seed("001").replace("\n", "\r\n") + "\r\n",
        "f_unrelated.txt": _seed("004"),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    paths = [str(tmp_path / name) for name in sorted(files)]
    result = CliRunner().invoke(cli, ["dups", *paths], catch_exceptions=False)
    assert result.exit_code == 0
    groups = sorted(sorted(Path(p).name for p in line.split("\t")) for line in result.output.splitlines())
    assert groups == [
        ["a_seed.txt", "b_body_only.txt", "c_edited_cut.txt"],
        ["d_other_seed.txt", "e_same_with_crlf.txt"],
    ]


def test_dups_refuses_non_utf8_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"caf\xe9")
    result = CliRunner().invoke(cli, ["dups", str(bad)])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [f"Error: {bad}: not UTF-8 text (byte 3); convert it to UTF-8"]


def test_status_shows_runs_next_run_and_queue_size(tmp_path: Path) -> None:
    from crawler.store import Store

    from .test_store import make_doc

    (tmp_path / "seeds").mkdir()
    sources = tmp_path / "seeds" / "sources.toml"
    sources.write_text('[schedule]\ntime = "03:15"\ntimezone = "Europe/Paris"\n')
    store = Store(tmp_path / "storage")
    run = store.start_run(sources, trigger="schedule")
    store.add_candidate(make_doc(), run)
    store.finish_run(run, "finished", {"seedcrawl/pages": 12, "seedcrawl/queued": 1})
    store.close()
    result = CliRunner().invoke(
        cli, ["status", "--sources", str(sources), "--storage", str(tmp_path / "storage")], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert "schedule" in result.output and "finished" in result.output and "12" in result.output
    assert "Next scheduled run: " in result.output and "03:15 Europe/Paris" in result.output
    assert "Queue: 1 candidate(s) waiting" in result.output


# -- review commands ---------------------------------------------------------------


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def reviewed(tmp_path: Path) -> dict:
    from .test_review import make_storage

    make_storage(tmp_path)
    return {"storage": str(tmp_path / "storage"), "seeds": str(tmp_path / "seeds"), "folder": tmp_path}


def test_queue_lists_best_first_with_filters_and_json(reviewed) -> None:
    import json

    result = invoke("queue", "--storage", reviewed["storage"], "--json")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["queue_seq"] for r in rows] == [0, 1, 2]  # equal scores: queue order
    assert set(rows[0]) >= {"score", "language", "published", "sitename", "title", "url"}
    none = invoke("queue", "--storage", reviewed["storage"], "--json", "--since", "2021-01-01")
    assert none.output == ""
    table = invoke("queue", "--storage", reviewed["storage"], "--site", "Site", "--lang", "en")
    assert "3 candidate(s)" in table.output and "Huawei hearing" in table.output
    assert "3 candidate(s)" in invoke("queue", "--storage", reviewed["storage"], "--lang", " ").output  # no filter
    unmatched = invoke("queue", "--storage", reviewed["storage"], "--min-score", "0.9").output
    assert unmatched == "Nothing waiting for review with these filters (3 candidate(s) pending in all).\n"


def test_queue_and_review_take_the_same_filters_and_a_search(reviewed) -> None:
    storage = reviewed["storage"]
    listed = invoke("queue", "--storage", storage, "--search", "senators").output
    assert "1 candidate(s)" in listed and "ZTE hearing" in listed and "Huawei hearing" not in listed
    walked = invoke("review", "--storage", storage, "--search", "camera battery", input="r\nphone\n").output
    assert "#2  (1 of 1)" in walked and "rejected #2 “Phone review” (phone)" in walked
    assert _statuses(storage) == ["pending", "pending", "rejected"]
    assert invoke("review", "--storage", storage, "--min-score", "0.9").output == (
        "Nothing waiting for review with these filters (2 candidate(s) pending in all).\n"
    )
    refused = CliRunner().invoke(cli, ["queue", "--storage", storage, "--search", '"unclosed'])
    assert refused.exit_code == 1 and refused.output.startswith("Error: cannot search for '\"unclosed'")
    assert len(refused.output.strip().splitlines()) == 1


def test_an_empty_queue_is_said_in_one_line(tmp_path: Path) -> None:
    from crawler.store import Store

    Store(tmp_path / "storage").close()
    assert invoke("queue", "--storage", str(tmp_path / "storage")).output == (
        "Nothing waiting for review: the queue is empty.\n"
    )


def test_show_prints_text_metadata_reason_and_other_places(reviewed) -> None:
    from crawler.dedup import Match
    from crawler.store import Store

    from .test_store import make_doc

    store = Store(reviewed["storage"])
    row = next(store.db.query("select hash from documents where queue_seq = 0"))
    store.add_copy(Match(row["hash"], "near", 0.93), make_doc(url="http://127.0.0.9/copy"), 1)
    store.close()
    result = invoke("show", "0", "--storage", reviewed["storage"])
    for expected in ("http://127.0.0.1/0", "feed http://127.0.0.1/feed", "0.500", "seed words: huawei 20%",
                     "also at", "http://127.0.0.9/copy (near copy, 0.93)", "Paragraph 7: lawmakers"):  # fmt: skip
        assert expected in result.output


def test_show_of_a_seed_names_its_file_and_no_empty_fields(reviewed) -> None:
    from crawler.seedfile import read_seed
    from crawler.store import Document, Store

    path = sorted((reviewed["folder"] / "seeds").glob("00*.txt"))[0]
    seed = path.name
    store = Store(reviewed["storage"])
    store.register_seed(Document.from_seed(read_seed(path), path), seed)  # as a crawl registers the seeds
    store.close()
    shown = invoke("show", seed, "--storage", reviewed["storage"]).output
    labels = [line.split()[0] for line in shown.split("─")[0].splitlines() if line.strip()]
    assert labels[:3] == ["id", "status", "title"] and not {"url", "site", "source", "fetched", "score"} & set(labels)
    assert f"seedfile{path}" in "".join(shown.split())  # a long path is folded at the terminal's width
    candidate = invoke("show", "0", "--storage", reviewed["storage"]).output
    assert re.search(r"^ *url http://127\.0\.0\.1/0 *$", candidate, re.M) and "seed file" not in candidate


def test_accept_reject_undo_from_the_command_line(reviewed) -> None:
    assert (
        "accepted 0: " in invoke("accept", "0", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"]).output
    )
    assert (reviewed["folder"] / "seeds").joinpath(next(p.name for p in (reviewed["folder"] / "seeds").glob("005_*")))
    assert invoke("reject", "2", "--reason", "phone review", "--storage", reviewed["storage"]).output == "rejected 2\n"
    again = CliRunner().invoke(cli, ["reject", "2", "--storage", reviewed["storage"]])
    assert again.exit_code == 1
    assert again.output.startswith("Error: candidate 2 is already rejected on ")
    assert len(again.output.strip().splitlines()) == 1
    undone = invoke("undo", "2", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"])
    assert "back in the queue" in undone.output


def test_a_candidate_named_twice_is_decided_once(reviewed) -> None:
    """`reject 1 1`, `accept 0 000`: the second naming is not an error after the first did what was asked."""
    storage, seeds = ("--storage", reviewed["storage"]), ("--seeds", reviewed["seeds"])
    assert invoke("reject", "1", "2", "1", *storage, *seeds).output == "rejected 1\nrejected 2\n"
    accepted = invoke("accept", "0", "000", *storage, *seeds)
    assert accepted.exit_code == 0 and accepted.output.count("accepted 0") == 1
    assert invoke("undo", "2", "002", "1", *storage, *seeds).output.count("back in the queue") == 2
    unknown = CliRunner().invoke(cli, ["reject", "2", "99", "2", *storage, *seeds])
    assert unknown.exit_code == 1 and unknown.output == "rejected 2\nError: no candidate 99 (see `seedcrawl queue`)\n"


def test_search_finds_documents_of_every_status(reviewed) -> None:
    invoke("reject", "2", "--storage", reviewed["storage"])
    result = invoke("search", "camera", "battery", "--storage", reviewed["storage"])
    assert "1 match(es)" in result.output and "rejected" in result.output
    assert "[camera]" in result.output
    bad = CliRunner().invoke(cli, ["search", 'quote"s AND (', "--storage", reviewed["storage"]])
    assert bad.exit_code == 1 and bad.output.startswith("Error: cannot search for 'quote\"s AND (': ")
    assert len(bad.output.splitlines()) == 1
    assert "0 match(es)" in invoke("search", "U.S.", "5G-ban", "--storage", reviewed["storage"]).output  # plain words


def test_search_takes_fts5_phrases_and_operators(reviewed) -> None:
    """Issue 15: '"national security"' was not a phrase search; AND and NOT were words."""
    storage = reviewed["storage"]
    both = invoke("search", "Huawei OR ZTE", "--storage", storage).output
    assert "2 match(es)" in both
    assert "1 match(es)" in invoke("search", "hearing NOT ZTE", "--storage", storage).output
    phrase = invoke("search", '"camera and battery"', "--storage", storage).output
    assert "1 match(es)" in phrase and "Phone review" in phrase
    assert "0 match(es)" in invoke("search", '"battery and camera"', "--storage", storage).output  # order counts
    blank = CliRunner().invoke(cli, ["search", " ", "--storage", storage])
    assert blank.exit_code == 2 and "Invalid value for WORDS: give the words to search for" in blank.output


def test_a_word_written_with_a_minus_is_left_out_of_searches_and_decisions(reviewed) -> None:
    """`hearing -zte` found only the ZTE hearing (the quoted "-zte" is the word zte),
    so `reject --search 'hearing -zte'` rejected the one it was asked to spare."""
    storage, seeds = reviewed["storage"], reviewed["seeds"]
    found = invoke("search", "hearing", "-zte", "--storage", storage).output  # unquoted, as a search engine takes it
    assert "1 match(es)" in found and "Huawei hearing" in found and "ZTE hearing" not in found
    assert "Huawei hearing" in invoke("queue", "--search", "hearing -ZTE", "--storage", storage).output
    rejected = invoke("reject", "--search", "hearing -zte", "--storage", storage, "--seeds", seeds, input="y\n")
    assert "rejected 0" in rejected.output and _statuses(storage) == ["rejected", "pending", "pending"]
    alone = CliRunner().invoke(cli, ["search", "-zte", "--storage", storage])
    assert alone.exit_code == 1 and alone.output == (
        "Error: cannot search for '-zte': give a word to find besides those to leave out (-word)\n"
    )
    typo = CliRunner().invoke(cli, ["search", "hearing", "--limt", "1", "--storage", storage])
    assert typo.exit_code == 2 and "No such option '--limt'" in typo.output  # an option, not a word left out


def test_search_says_how_many_it_found_beyond_its_limit(reviewed) -> None:
    storage = reviewed["storage"]
    limited = invoke("search", "hearing", "--limit", "1", "--storage", storage).output
    assert "2 match(es), the best 1 shown (--limit)" in limited and limited.count(" hearing") == 1
    whole = invoke("search", "hearing", "--limit", "2", "--storage", storage).output
    assert whole.splitlines()[0].strip() == "2 match(es)"


def test_search_finds_a_candidate_by_the_reviewers_edit(reviewed, tmp_path: Path) -> None:
    """The search index holds the edited text beside the crawled one, and
    stays true through decisions and new scores (which no longer re-index)."""
    storage = reviewed["storage"]
    edited = tmp_path / "edited.txt"
    edited.write_text("Phone review: Shenzhen handset\n\nThe camera and battery of the handset impress.\n")
    assert invoke("edit", "2", "--from", str(edited), "--storage", storage).exit_code == 0
    found = invoke("search", "shenzhen", "--storage", storage).output
    assert "1 match(es)" in found and "Phone review" in found and "[Shenzhen]" in found
    assert "1 candidate(s)" in invoke("queue", "--search", "shenzhen", "--storage", storage).output
    assert "1 match(es)" in invoke("search", '"part 3"', "--storage", storage).output  # the crawled text too
    invoke("reject", "2", "--storage", storage)
    invoke("undo", "2", "--storage", storage)
    invoke("rescore", "--storage", storage, "--seeds", reviewed["seeds"])
    db = sqlite_utils.Database(Path(storage) / "corpus.db")
    # rank 1: the index compared with the documents it indexes (raises if out of step)
    db.execute("insert into documents_fts (documents_fts, rank) values ('integrity-check', 1)")
    assert "1 match(es)" in invoke("search", "shenzhen", "--storage", storage).output


def test_export_jsonl_and_csv(reviewed) -> None:
    import csv
    import io
    import json

    lines = invoke("export", "--storage", reviewed["storage"]).output.splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["text"].startswith("Huawei hearing")
    rows = list(
        csv.DictReader(io.StringIO(invoke("export", "--format", "csv", "--storage", reviewed["storage"]).output))
    )
    assert len(rows) == 3 and rows[0]["status"] == "pending" and rows[0]["score"] == "0.5"
    bogus = CliRunner().invoke(cli, ["export", "--status", "bogus", "--storage", reviewed["storage"]])
    assert bogus.exit_code == 2 and "'bogus' is not one of" in bogus.output  # it printed nothing and exited 0


def test_accept_and_reject_take_the_queues_filters_list_what_they_select_and_ask(reviewed, monkeypatch) -> None:
    """A year's queue is triaged by filter: the selection is listed, asked about, decided; undo takes it back."""
    storage, seeds = reviewed["storage"], reviewed["seeds"]
    db = sqlite_utils.Database(Path(storage) / "corpus.db")
    with db.conn:
        for seq, score in ((0, 0.7), (1, 0.4), (2, 0.3)):
            db.execute("update documents set score = ? where queue_seq = ?", [score, seq])
    for args in ((), ("--search", "  "), ("1", "--max-score", "0.45")):  # no ids nor filters (a blank one); both
        refused = CliRunner().invoke(cli, ["reject", *args, "--storage", storage, "--seeds", seeds])
        assert refused.exit_code == 2 and ("which candidates?" in refused.output or "not both" in refused.output)
    declined = invoke("reject", "--max-score", "0.45", "--storage", storage, "--seeds", seeds, input="n\n")
    assert "Review queue: 2 candidate(s)" in declined.output and "Reject these 2 candidate(s)? [y/N]" in declined.output
    assert "ZTE hearing" in declined.output and "Huawei hearing" not in declined.output
    assert declined.output.endswith("Nothing decided.\n") and _statuses(storage) == ["pending"] * 3
    done = invoke(
        "reject", "--max-score", "0.45", "--reason", "weak", "--storage", storage, "--seeds", seeds, input="y\n"
    )
    assert done.output.endswith(
        "rejected 1\nrejected 2\n2 candidate(s) rejected; `seedcrawl undo 1 2` takes them back\n" + TAUGHT + "\n"
    )
    reasons = [r["decision_reason"] for r in db.query("select decision_reason from documents order by queue_seq")]
    assert _statuses(storage) == ["pending", "rejected", "rejected"] and reasons == [None, "weak", "weak"]
    invoke("undo", "1", "2", "--storage", storage, "--seeds", seeds)
    assert _statuses(storage) == ["pending"] * 3
    accepted = invoke("accept", "--search", "hearing", "--yes", "--storage", storage, "--seeds", seeds)
    assert "Accept these" not in accepted.output and _statuses(storage) == ["accepted", "accepted", "pending"]
    assert sorted(p.name[:4] for p in Path(seeds).glob("00[56]_*.txt")) == ["005_", "006_"]
    invoke("undo", "0", "1", "--storage", storage, "--seeds", seeds)  # oldest first as typed: undone newest first
    assert _statuses(storage) == ["pending"] * 3 and not list(Path(seeds).glob("00[56]_*.txt"))

    def decided_in_the_browser_meanwhile(*_args, **_kwargs) -> bool:
        other = Review(Store(Path(storage)), Path(seeds))
        other.reject("1", "from the browser")
        other.store.close()
        return True

    monkeypatch.setattr(click, "confirm", decided_in_the_browser_meanwhile)
    raced = invoke("reject", "--max-score", "0.45", "--storage", storage, "--seeds", seeds)
    assert (
        "passed over 1: candidate 1 is already rejected" in raced.output and "1 candidate(s) rejected" in raced.output
    )
    assert _statuses(storage) == ["pending", "rejected", "rejected"]


def test_review_explains_its_keys_on_a_question_mark(reviewed) -> None:
    result = invoke("review", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"], input="?\ns\nq\n")
    out = result.output
    assert "r  reject: asks for a reason" in out and "u  undo the last accept or reject of this session" in out
    assert out.count("#0: a accept") == 2 and "#1: a accept" in out  # asked again, then skipped to the next
    assert "0 accepted, 0 rejected, 1 skipped" in out and _statuses(reviewed["storage"]) == ["pending"] * 3


def _statuses(storage: str) -> list[str]:
    db = sqlite_utils.Database(Path(storage) / "corpus.db")
    return [r["status"] for r in db.query("select status from documents order by queue_seq")]


def test_review_walks_the_queue_with_keys_names_each_candidate_and_undoes(reviewed) -> None:
    """Issue 15: confirmations name the id and title; a reason is asked for; u takes the last decision back."""
    keys = "a\nr\nnot about security\nu\nr\n\ns\n"  # accept, reject (reason), undo it, reject again (no reason), skip
    result = invoke("review", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"], input=keys)
    out = result.output
    assert "Paragraph 0: lawmakers" in out  # the text is shown before the question
    assert "accepted #0 “Huawei hearing”" in out and "rejected #1 “ZTE hearing” (not about security)" in out
    assert "undone: #1 “ZTE hearing” is back in the queue" in out
    assert "1 accepted, 2 rejected, 1 skipped, 0 edited, 1 undone" in out
    assert _statuses(reviewed["storage"]) == ["accepted", "rejected", "pending"]
    reasons = sqlite_utils.Database(Path(reviewed["storage"]) / "corpus.db").execute(
        "select decision_reason from documents where queue_seq = 1").fetchone()  # fmt: skip
    assert reasons == (None,)  # the undone reason went with its decision; the second reject gave none


def test_an_editor_that_cannot_start_is_one_line_and_the_review_goes_on(reviewed) -> None:
    """With no editor installed (click falls back to vi), `e` ended the whole
    review session with click's error and no summary of what it did."""
    storage, seeds = reviewed["storage"], reviewed["seeds"]
    runner = CliRunner(env={"EDITOR": "no-such-editor-here", "VISUAL": None})
    walked = runner.invoke(cli, ["review", "--storage", storage, "--seeds", seeds], input="e\nr\n\nq\n")
    assert walked.exit_code == 0, walked.output
    assert "#0 “Huawei hearing”: the editor did not work (no-such-editor-here: Editing failed" in walked.output
    assert "`seedcrawl edit 0 --from FILE`" in walked.output and "rejected #0" in walked.output
    assert "0 accepted, 1 rejected, 0 skipped, 0 edited, 0 undone" in walked.output
    alone = runner.invoke(cli, ["edit", "1", "--storage", storage, "--seeds", seeds])
    assert alone.exit_code == 1 and len(alone.output.splitlines()) == 1
    assert alone.output.startswith("Error: the editor did not work (no-such-editor-here: Editing failed")
    assert _statuses(storage) == ["rejected", "pending", "pending"]
    versions = sqlite_utils.Database(Path(storage) / "corpus.db").execute("select count(*) from edits").fetchone()
    assert versions == (0,)


def test_review_card_shows_score_reason_place_and_copies_and_stays_below_the_text(reviewed) -> None:
    from crawler.dedup import Match
    from crawler.store import Store

    from .test_store import make_doc

    store = Store(reviewed["storage"])
    digest = next(store.db.query("select hash from documents where queue_seq = 0"))["hash"]
    store.add_copy(Match(digest, "near", 0.93), make_doc(url="http://127.0.0.9/copy"), 1)
    store.close()
    out = invoke("review", "--storage", reviewed["storage"], input="q\n").output
    card = out[out.index("Paragraph 7: lawmakers") :]  # after the text, above the prompt
    for expected in ("#0  (1 of 3)", "Huawei hearing", "0.500", "seed words: huawei 20%", "feed",
                     "also at", "http://127.0.0.9/copy (near copy, 0.93)", "#0: a accept · r reject"):  # fmt: skip
        assert expected in card


def test_review_edit_key_keeps_the_edit_and_accept_writes_it(reviewed, monkeypatch) -> None:
    import click

    monkeypatch.setattr(click, "edit", lambda text, **kw: text.replace("Huawei hearing", "Huawei hearing (trimmed)"))
    out = invoke("review", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"], input="e\na\nq\n").output
    assert "edited #0 “Huawei hearing”: version 2" in out and "edited  yes" in out.replace("edited yes", "edited  yes")
    [seed] = (Path(reviewed["seeds"])).glob("005_*.txt")
    assert seed.read_text(encoding="utf-8").startswith("Huawei hearing (trimmed)\n\n")


def test_edit_command_takes_the_text_from_a_file_or_stdin(reviewed, tmp_path: Path) -> None:
    edited = tmp_path / "edit.txt"
    edited.write_text("ZTE hearing, trimmed\nParagraph kept.\n", encoding="utf-8")
    out = invoke("edit", "1", "--from", str(edited), "--storage", reviewed["storage"]).output
    assert "edited 1: version 2" in out
    assert invoke(
        "edit", "1", "--from", "-", "--storage", reviewed["storage"], input="ZTE\n\nOther.\n"
    ).output.startswith("edited 1: version 3")
    bad = CliRunner().invoke(cli, ["edit", "1", "--from", "-", "--storage", reviewed["storage"]], input="\n")
    assert bad.exit_code == 1 and bad.output == "Error: the edit needs a title line and at least one paragraph\n"
    show = invoke("show", "1", "--storage", reviewed["storage"]).output
    assert "version 3" in show and show.rstrip().endswith("ZTE\n\nOther.")
    db = sqlite_utils.Database(Path(reviewed["storage"]) / "corpus.db")
    assert [r["via"] for r in db.query("select via from edits order by version")] == ["file", "stdin"]
    assert [r["action"] for r in db.query("select action from decisions")] == ["edit", "edit"]


def test_report_is_one_html_page_with_counts_and_a_date_plot(reviewed) -> None:
    invoke("reject", "2", "--storage", reviewed["storage"])
    out = reviewed["folder"] / "report.html"
    invoke("report", "--storage", reviewed["storage"], "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "2020-01: 3" in page  # three candidates published in January 2020
    assert "<b>2</b>waiting for review" in page and "<b>1</b>rejected" in page
    # pages read in full and kept off topic: not every page seen off topic (the first pass drops most unstored)
    assert "<b>0</b>judged off topic and kept (seedcrawl misses)" in page
    assert page.count('<td class="n">0.500</td>') == 2  # scores as everywhere else (it wrote 0.5)
    assert "Queue: 2 candidate(s)" in invoke("status", "--storage", reviewed["storage"]).output  # the same count
    # Titles link to the stored text (relative to the page), sites to the source page.
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', page))
    text_link = next(href for href, title in links.items() if title == "Huawei hearing")
    assert (out.parent / text_link).read_text(encoding="utf-8").startswith("Huawei hearing\n\n")
    missing = str(out.parent / "rep" / "r.html")
    typo = CliRunner().invoke(cli, ["report", "--storage", reviewed["storage"], "-o", missing])
    assert typo.exit_code == 2 and "is not a folder; create it first" in typo.output  # as export: no folder made
    assert not (out.parent / "rep").exists()
    assert "http://127.0.0.1/0" in links


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        result = invoke(name, "--help")
        assert result.exit_code == 0 and "Example:" in result.output, name
        assert f"seedcrawl {name}" in readme, f"`seedcrawl {name}` is not in README.md"


def test_score_prints_score_verdict_and_path_per_file(tmp_path: Path, labelled: list[dict]) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in SEEDS.glob("*.txt"):
        (seeds / path.name).write_bytes(path.read_bytes())
    (seeds / "sources.toml").write_text("[relevance]\nthreshold = 0.48\n")
    related = tmp_path / "related.txt"
    related.write_text(next(r for r in labelled if r["label"] == "relevant")["text"], encoding="utf-8")
    unrelated = tmp_path / "unrelated.txt"
    unrelated.write_text("Bake the bread for forty minutes, then let it cool on a rack.", encoding="utf-8")
    args = ["score", "--sources", str(seeds / "sources.toml"), "--storage", str(tmp_path / "none")]
    result = invoke(*args, str(related), str(unrelated))
    first, second = [line.split("\t") for line in result.output.splitlines()]
    assert first[1:] == ["relevant", str(related)] and float(first[0]) >= 0.48 and len(first[0]) == 5
    assert second[1:] == ["offtopic", str(unrelated)] and float(second[0]) < 0.48
    explained = invoke(*args, "--explain", str(related)).output.split("\t")
    assert explained[3].startswith("seed words: huawei")


def test_a_locked_database_is_one_line_and_changes_nothing(reviewed, monkeypatch) -> None:
    import sqlite3

    monkeypatch.setenv("SEEDCRAWL_BUSY_TIMEOUT", "0.3")
    holder = sqlite3.connect(Path(reviewed["storage"]) / "corpus.db")
    holder.execute("begin exclusive")  # another process in the middle of a long write
    try:
        result = CliRunner().invoke(
            cli, ["accept", "0", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"]]
        )
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 2  # a storage problem: the user's to fix (issue 18)
    assert result.output.splitlines() == [
        "Error: corpus.db is locked by another process (a crawl or a reviewer) for more than 0 s; "
        "try again when it has finished"
    ]
    assert not list((reviewed["folder"] / "seeds").glob("005_*"))


def test_a_full_disk_is_one_line_and_changes_nothing(reviewed, monkeypatch) -> None:
    import errno

    from crawler import review as review_module

    def disk_full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(review_module, "write_seed", disk_full)
    result = CliRunner().invoke(cli, ["accept", "0", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"]])
    assert result.exit_code == 2  # a storage problem: the user's to fix (issue 18)
    [line] = result.output.splitlines()
    assert line.startswith("Error: the disk is full writing ") and line.endswith(
        "free some space and run the command again (nothing was changed)"
    )
    assert invoke("queue", "--storage", reviewed["storage"], "--json").output.count("\n") == 3  # all still pending
    assert not list((reviewed["folder"] / "seeds").glob("005_*"))
    debug = CliRunner().invoke(
        cli, ["--debug", "accept", "0", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"]]
    )
    assert isinstance(debug.exception, OSError)  # --debug lets the traceback through


# -- bad input: one line, a non-zero exit, nothing changed (issue 18) ---------------------------


@pytest.mark.parametrize("command", ["show", "accept", "reject", "undo"])
def test_an_id_beyond_any_integer_is_one_line(reviewed, command: str) -> None:
    result = CliRunner().invoke(cli, [command, "99999999999999999999999", "--storage", reviewed["storage"]])
    assert result.exit_code == 1
    assert result.output.splitlines() == ["Error: no candidate 99999999999999999999999 (see `seedcrawl queue`)"]


@pytest.mark.parametrize("command", ["score", "dups"])
def test_endless_or_huge_input_files_are_refused_not_read(tmp_path: Path, command: str) -> None:
    small = tmp_path / "small.txt"
    small.write_text("Huawei and ZTE\n\nA short text.", encoding="utf-8")
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 300)
    for path, expected in (
        ("/dev/zero", "/dev/zero: not a regular file"),
        (str(big), f"{big}: larger than 1,000 bytes"),
    ):
        result = CliRunner().invoke(cli, [command, "--max-bytes", "1000", path, str(small)])
        assert result.exit_code == 1, result.output
        [line] = result.output.splitlines()
        assert line.startswith(f"Error: {expected}"), line
    default = CliRunner().invoke(cli, [command, "/dev/zero", str(small)])  # the default limit: no read without end
    assert default.exit_code == 1 and "not a regular file" in default.output


def test_a_date_that_is_not_a_date_is_a_usage_error(reviewed) -> None:
    for bad in ("notadate", "07/01/2020", "2020-13-01"):
        result = CliRunner().invoke(cli, ["queue", "--since", bad, "--storage", reviewed["storage"]])
        assert result.exit_code == 2 and f"'{bad}' is not a date like 2020-07-01" in result.output
    assert invoke("queue", "--since", "2019", "--json", "--storage", reviewed["storage"]).output.count("\n") == 3


@pytest.mark.parametrize("command", [["show", "1"], ["queue"], ["search", "huawei"], ["export"], ["report"]])
def test_read_only_commands_never_create_a_database(tmp_path: Path, command: list[str]) -> None:
    empty = tmp_path / "not-my-storage"
    empty.mkdir()
    result = CliRunner().invoke(cli, [*command, "--storage", str(empty)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"Error: {empty}: no corpus database here (corpus.db is missing); run a crawl first, "
        "or pass --storage with the right folder"
    ]
    assert list(empty.iterdir()) == []


def test_a_zero_byte_database_beside_queue_files_is_refused_not_reinitialised(reviewed) -> None:
    storage = Path(reviewed["storage"])
    for name in ("corpus.db-wal", "corpus.db-shm"):
        (storage / name).unlink(missing_ok=True)
    (storage / "corpus.db").write_bytes(b"")
    result = CliRunner().invoke(cli, ["queue", "--storage", str(storage)])
    assert result.exit_code == 2
    assert "corpus.db is empty but" in result.output and "holds 3 candidate file(s)" in result.output
    assert (storage / "corpus.db").stat().st_size == 0 and len(list((storage / "queue").iterdir())) == 3


@pytest.mark.parametrize("bad", ["symlink", "not utf-8"])
def test_a_bad_file_in_the_seeds_folder_does_not_stop_the_reviewer(reviewed, bad: str) -> None:
    """Review commands do not read seeds they did not write (the crawl refuses
    them, with one line); one that looks like an interrupted accept is read,
    and refused in one line (issue 18: a 38-line traceback before)."""
    seeds = Path(reviewed["seeds"])
    planted = seeds / "005_0000000000000000.txt"
    if bad == "symlink":
        planted.symlink_to("/etc/passwd")
    else:
        planted.write_bytes(b"Title\n\n\xff\xfe")
    accepted = invoke("accept", "0", "--storage", reviewed["storage"], "--seeds", str(seeds))
    assert accepted.exit_code == 0 and "006_" in accepted.output
    row = next(sqlite_utils.Database(Path(reviewed["storage"]) / "corpus.db").query(
        "select hash from documents where queue_seq = 1"))  # fmt: skip
    lookalike = seeds / f"007_{row['hash'][:16]}.txt"  # named like candidate 1's interrupted accept
    if bad == "symlink":
        lookalike.symlink_to("/etc/passwd")
    else:
        lookalike.write_bytes(b"Title\n\n\xff\xfe")
    result = CliRunner().invoke(cli, ["queue", "--storage", reviewed["storage"]])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(f"Error: {lookalike}: ")
    assert "symbolic link" in line if bad == "symlink" else "not UTF-8" in line


def test_export_refuses_an_unknown_status(reviewed) -> None:
    result = CliRunner().invoke(cli, ["export", "--status", "bogus", "--storage", reviewed["storage"]])
    assert result.exit_code == 2 and "'bogus' is not one of" in result.output


def test_a_storage_folder_remembers_its_seeds_folder(reviewed, tmp_path: Path) -> None:
    """The first decision records the seeds folder; later commands find it
    from --storage alone, and another seeds folder is refused (issue 15.1)."""
    storage, seeds = reviewed["storage"], reviewed["seeds"]
    first = invoke("accept", "0", "--storage", storage, "--seeds", seeds)
    assert first.exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    again = CliRunner().invoke(cli, ["accept", "1", "--storage", storage], catch_exceptions=False)
    assert again.exit_code == 0 and f"{Path(seeds) / '006_'}" in again.output  # found from --storage alone
    undone = invoke("undo", "1", "--storage", storage)
    assert undone.exit_code == 0 and not list(Path(seeds).glob("006_*"))
    wrong = CliRunner().invoke(cli, ["accept", "1", "--storage", storage, "--seeds", str(elsewhere)])
    assert wrong.exit_code == 2 and "belongs to the seeds folder" in wrong.output
    assert list(elsewhere.iterdir()) == []


def test_the_storage_finds_its_own_sources_file_from_another_folder(reviewed, monkeypatch) -> None:
    """A storage that recorded only its seeds folder (older ones did) takes the
    threshold from the sources file beside its seeds, not from the current
    folder's seeds/sources.toml; with none anywhere, one line."""
    storage, seeds = reviewed["storage"], Path(reviewed["seeds"])
    db = sqlite_utils.Database(Path(storage) / "corpus.db")
    for seq, score in ((0, 0.91), (1, 0.50), (2, 0.70)):
        db.execute("update documents set score = ? where queue_seq = ?", [score, seq])
    db.conn.commit()
    store = Store(Path(storage))
    store.record_corpus(seeds)  # no sources file recorded
    store.close()
    (seeds / "sources.toml").write_text("[relevance]\nthreshold = 0.75\n")
    elsewhere = reviewed["folder"] / "elsewhere"
    (elsewhere / "seeds").mkdir(parents=True)
    (elsewhere / "seeds" / "sources.toml").write_text("[relevance]\nthreshold = 0.48\n")  # not this storage's
    monkeypatch.chdir(elsewhere)
    walked = invoke("review", "--uncertain", "--storage", storage, input="s\ns\ns\n").output
    assert [int(n) for n in re.findall(r"#(\d+)  \(\d+ of", walked)] == [2, 0, 1]  # nearest 0.75 first
    (seeds / "sources.toml").unlink()
    (elsewhere / "seeds" / "sources.toml").unlink()
    missing = CliRunner().invoke(cli, ["review", "--uncertain", "--storage", storage], input="q\n")
    assert missing.exit_code != 0 and "sources.toml: file not found" in missing.output
    assert "Traceback" not in missing.output


def test_borderline_candidates_are_marked_and_uncertain_ones_can_come_first(reviewed) -> None:
    import re

    import sqlite_utils as su

    db = su.Database(Path(reviewed["storage"]) / "corpus.db")
    for seq, score, borderline in ((0, 0.91, 0), (1, 0.50, 1), (2, 0.70, 0)):
        db.execute("update documents set score = ?, borderline = ? where queue_seq = ?", [score, borderline, seq])
    db.conn.commit()
    table = invoke("queue", "--storage", reviewed["storage"]).output
    assert "0.500*" in table and "0.910 " in table and "* borderline" in table
    shown = invoke("show", "1", "--storage", reviewed["storage"]).output
    assert "borderline: a weak verdict, near the threshold" in shown
    best = invoke("review", "--storage", reviewed["storage"], input="s\ns\ns\n").output
    uncertain = invoke("review", "--uncertain", "--storage", reviewed["storage"], input="s\ns\ns\n").output
    order = lambda text: [int(n) for n in re.findall(r"#(\d+)  \(\d+ of", text)]  # noqa: E731
    assert order(best) == [0, 2, 1]  # best score first
    assert order(uncertain) == [1, 2, 0]  # nearest the threshold (0.48) first
    first_card = uncertain[: uncertain.index("a accept")]
    assert "0.500  BORDERLINE: a weak verdict, near the threshold" in first_card


# -- edits and decisions refused part-way: nothing the reviewer typed is lost ---------------------


def elsewhere(reviewed: dict, decide) -> None:
    """A decision made by another process (the browser, a second terminal)."""
    other = Review(Store(reviewed["storage"]), Path(reviewed["seeds"]))
    try:
        decide(other)
    finally:
        other.store.close()


def kept_copy(message: str) -> Path:
    return Path(re.search(r"your edit is kept in (\S+?\.txt)", message).group(1))


def test_a_refused_edit_is_kept_in_a_file_that_edit_from_applies(reviewed, monkeypatch, tmp_path: Path) -> None:
    """An edit that cannot be stored (a title and nothing else; the candidate
    decided elsewhere while the editor was open) is kept, and the line says
    where and how to apply it: the editor's own file is gone when it closes."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the kept copies go
    where = ["--storage", reviewed["storage"], "--seeds", reviewed["seeds"]]
    draft = "Huawei hearing, trimmed\n"  # the paragraphs deleted by mistake
    monkeypatch.setattr(click, "edit", lambda text, **kw: draft)
    refused = CliRunner().invoke(cli, ["edit", "0", *where])
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
    assert refused.output.startswith("Error: the edit needs a title line and at least one paragraph; your edit is kept")
    kept = kept_copy(refused.output)
    assert kept.read_text(encoding="utf-8") == draft and f"seedcrawl edit 0 --from {kept}" in refused.output
    assert kept.parent == (Path(reviewed["storage"]) / "drafts").absolute()  # not /tmp, which a reboot may empty
    kept.write_text(draft + "Paragraph 0 kept.\n", encoding="utf-8")  # mended, then applied
    assert invoke("edit", "0", "--from", str(kept), *where).output.startswith("edited 0")
    kept.unlink()

    def rejected_meanwhile(text: str, **kw) -> str:
        elsewhere(reviewed, lambda other: other.reject("1"))
        return text.replace("ZTE hearing", "ZTE hearing, trimmed")

    monkeypatch.setattr(click, "edit", rejected_meanwhile)
    refused = CliRunner().invoke(cli, ["edit", "1", *where])
    assert refused.exit_code == 1 and "candidate 1 is already rejected" in refused.output
    kept = kept_copy(refused.output)
    assert kept.read_text(encoding="utf-8").startswith("ZTE hearing, trimmed\n")
    kept.unlink()
    piped = CliRunner().invoke(cli, ["edit", "2", "--from", "-", *where], input="Phone\n")
    assert kept_copy(piped.output).read_text(encoding="utf-8") == "Phone\n"  # standard input cannot be read again
    monkeypatch.setattr(click, "edit", lambda text, **kw: pytest.fail("an editor opened on a decided candidate"))
    refused = CliRunner().invoke(cli, ["edit", "1", *where])
    assert refused.exit_code == 1 and "candidate 1 is already rejected" in refused.output
    kept_copy(piped.output).unlink()
    seed_path = next(Path(reviewed["seeds"]).glob("000_*.txt"))  # found by its file name, as `search` names it
    store = Store(reviewed["storage"])
    store.register_seed(Document.from_seed(read_seed(seed_path), seed_path), seed_path.name)  # as a crawl does
    store.close()
    seed = seed_path.name
    assert "status seed" in " ".join(invoke("show", seed, "--storage", reviewed["storage"]).output.split())
    refused = CliRunner().invoke(cli, ["edit", seed, "--from", "-", *where], input="S\n\nA.")
    assert refused.output == f"Error: {seed} is not a candidate: {NOT_CANDIDATES['seed']}\n"
    assert not list((Path(reviewed["storage"]) / "drafts").iterdir())  # nothing to apply later: nothing kept

    def locked(*args, **kw):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Review, "edit", locked)  # a crawl holding the database past the busy timeout
    monkeypatch.setattr(click, "edit", lambda text, **kw: text + "One more paragraph.\n")
    busy = CliRunner().invoke(cli, ["edit", "2", *where])
    assert busy.exit_code == 2 and "corpus.db is locked by another process" in busy.output
    assert kept_copy(busy.output).read_text(encoding="utf-8").endswith("One more paragraph.\n")
    kept_copy(busy.output).unlink()


def test_a_refused_edit_goes_to_the_temporary_folder_when_the_storage_folder_cannot_take_it(
    reviewed, monkeypatch, tmp_path: Path
) -> None:
    (Path(reviewed["storage"]) / "drafts").write_text("a file where the folder would go")  # no drafts/ folder
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    refused = CliRunner().invoke(cli, ["edit", "0", "--from", "-", "--storage", reviewed["storage"]], input="T\n")
    assert refused.exit_code == 1 and kept_copy(refused.output).parent == temporary
    assert kept_copy(refused.output).read_text(encoding="utf-8") == "T\n"


def test_review_goes_on_past_candidates_decided_elsewhere_and_reopens_a_refused_edit(
    reviewed, monkeypatch, tmp_path: Path
) -> None:
    """Two reviewers (or the browser beside the terminal): a candidate decided
    elsewhere is passed over, a decision refused is said in one line and the
    session goes on; a refused edit opens again as the reviewer left it."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the kept copies go
    opened: list[str] = []

    def editor(text: str, **kw) -> str:
        opened.append(text)
        if len(opened) == 1:
            elsewhere(reviewed, lambda other: other.accept("1"))  # meanwhile, #1 is accepted in the browser
            return "Huawei hearing, trimmed\n"  # paragraphs deleted by mistake: refused
        return text + "Paragraph kept.\n"

    monkeypatch.setattr(click, "edit", editor)
    keys = "e\ne\nr\n\ns\n"  # #0: edit (refused), edit again (stored), reject; #1 passed over; #2: skip
    result = invoke("review", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"], input=keys)
    out = result.output
    assert opened[1] == "Huawei hearing, trimmed\n"  # the refused draft, not the crawled text again
    assert "the edit needs a title line" in out and "edited #0" in out
    assert "#1 “ZTE hearing” was accepted elsewhere meanwhile; passed over" in out
    assert "rejected #0" in out and "0 accepted, 1 rejected, 1 skipped, 1 edited" in out
    assert _statuses(reviewed["storage"]) == ["rejected", "accepted", "pending"]
    kept_copy(out).unlink()


def test_review_passes_over_a_batch_decided_elsewhere_in_one_line(reviewed, monkeypatch) -> None:
    import click as click_module

    def reject_the_rest_elsewhere(text: str, **kw) -> None:  # while #0's editor is open, the browser rejects #1, #2
        elsewhere(reviewed, lambda other: [other.reject(ident) for ident in ("1", "2")])

    monkeypatch.setattr(click_module, "edit", reject_the_rest_elsewhere)
    out = invoke("review", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"], input="e\ns\n").output
    assert "passed over 2 candidates decided elsewhere meanwhile (#1, #2)" in out and "#2 “" not in out
    assert out.rstrip().splitlines()[-1] == "0 accepted, 0 rejected, 1 skipped, 0 edited, 0 undone"


def test_review_says_a_refused_decision_in_one_line_and_goes_on(reviewed, monkeypatch) -> None:
    from crawler.cli import screen

    shown = screen.show_candidate

    def show_then_decide_elsewhere(console, row, *args) -> None:
        shown(console, row, *args)
        if row["queue_seq"] == 0:
            elsewhere(reviewed, lambda other: other.reject("0", "off topic"))  # while #0 is on the screen

    monkeypatch.setattr(screen, "show_candidate", show_then_decide_elsewhere)
    result = invoke("review", "--storage", reviewed["storage"], "--seeds", reviewed["seeds"], input="a\na\nq\n")
    out = result.output
    assert "#0 “Huawei hearing”: candidate 0 is already rejected" in out  # said, not the end of the session
    assert "accepted #1 “ZTE hearing”" in out and "1 accepted, 0 rejected" in out
    assert _statuses(reviewed["storage"]) == ["rejected", "accepted", "pending"]


def test_a_title_fixed_by_an_edit_is_the_title_everywhere(reviewed, tmp_path: Path) -> None:
    """`edit` is for trimming boilerplate and fixing the title: the fixed
    title is the one the queue, the card, the confirmations, the search, the
    report and the export name (they named the crawled one; the browser hid
    the fix altogether, see test_web.py). `show` says what was crawled."""
    import json

    storage, seeds = reviewed["storage"], reviewed["seeds"]
    fixed = tmp_path / "fixed.txt"
    fixed.write_text("Shenzhen handset reviewed\n\nThe camera and battery of the handset impress.\n", encoding="utf-8")
    assert invoke("edit", "2", "--from", str(fixed), "--storage", storage, "--seeds", seeds).exit_code == 0
    listed = invoke("queue", "--storage", storage).output
    assert "Shenzhen handset reviewed" in listed and "Phone review" not in listed
    assert json.loads(invoke("queue", "--json", "--storage", storage).output.splitlines()[2])["title"] == (
        "Shenzhen handset reviewed"
    )
    card = invoke("show", "2", "--storage", storage).output
    assert "title Shenzhen handset reviewed" in " ".join(card.split())
    assert "crawled title Phone review" in " ".join(card.split())
    assert "Shenzhen" in invoke("search", '"part 3"', "--storage", storage).output  # the crawled text's match
    walked = invoke("review", "--storage", storage, "--seeds", seeds, "--search", "shenzhen", input="r\n\n").output
    assert "rejected #2 “Shenzhen handset reviewed”" in walked
    exported = [json.loads(line) for line in invoke("export", "--storage", storage).output.splitlines()]
    [row] = [row for row in exported if row["status"] == "rejected"]
    assert row["title"] == "Shenzhen handset reviewed" and row["edited"] is True
    assert row["text"].startswith("Shenzhen handset reviewed\n\nThe camera and battery")
    assert [r["edited"] for r in exported if r["status"] == "pending"] == [False, False]
    invoke("undo", "2", "--storage", storage, "--seeds", seeds)
    report = tmp_path / "report.html"
    invoke("report", "-o", str(report), "--storage", storage)
    assert "Shenzhen handset reviewed" in report.read_text(encoding="utf-8")
    invoke("accept", "2", "--storage", storage, "--seeds", seeds)
    invoke("export", "--package", str(tmp_path / "package"), "--storage", storage)
    [entry] = [json.loads(line) for line in (tmp_path / "package" / "manifest.jsonl").read_text().splitlines()]
    seed = (tmp_path / "package" / "seeds" / entry["seed_file"]).read_text(encoding="utf-8")
    assert entry["title"] == "Shenzhen handset reviewed" and seed.startswith(entry["title"] + "\n")
