"""New words in the queue: what the candidates say that no seed or accepted text does."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from pytest_twisted import ensureDeferred

from crawler.cli import cli
from crawler.demo import run_demo
from crawler.new_words import new_words
from crawler.web.app import create_app
from crawler.words import terms

from .conftest import SEEDS


def test_a_word_many_candidates_of_several_sites_use_and_no_seed_does_is_named() -> None:
    known = set(terms("The government moved on Huawei equipment over security concerns"))
    candidates = [(f"site{n % 3}", f"The government moved to ban Huawei equipment ({n}).") for n in range(6)]
    candidates += [("site0", "Subscribe to our newsletter. A story about rainfall.")] * 4  # one site's chrome
    candidates += [("site1", "Lone word: quokka."), ("site2", "Weather: sunny.")]
    found = new_words(candidates, known)
    assert found == [("ban", 6)]  # not huawei (known), not the (common), not one site's newsletter


def test_a_name_is_named_as_written_and_another_word_in_lower_case() -> None:
    """UK is a name (never written in lower case), ban is not, though headlines write Ban."""
    candidates = [(f"site{n % 2}", f"UK Ban On Huawei ({n})\n\nThe UK moved to ban Huawei.") for n in range(3)]
    candidates += [(f"site{n % 2}", f"Ban looms\n\nA ban on Huawei is near, the UK said ({n}).") for n in range(3)]
    assert new_words(candidates, set(terms("Huawei moved; looms near"))) == [("ban", 6), ("UK", 6)]


def test_a_forename_is_not_new_vocabulary_its_surname_is() -> None:
    """The demo's queue named *Mike* (Pompeo and Pence): who is quoted is the surname."""
    quoted = ["Secretary of State Mike Pompeo welcomed the ban.", "Vice President Mike Pence warned allies.",
              "Mike Pompeo said the UK had made the right choice."]  # fmt: skip
    candidates = [(f"site{n % 2}", f"A ban on Huawei. {quoted[n % 3]} Pompeo spoke ({n}).") for n in range(6)]
    found = dict(new_words(candidates, set(terms("Huawei spoke on"))))
    assert "Mike" not in found and "mike" not in found
    assert found["Pompeo"] == 6 and found["ban"] == 6
    # A capitalised word that stands alone somewhere is named, though it often leads a name ("Britain" here).
    britain = [(f"site{n % 2}", f"Britain Backs Away From Huawei ({n})\n\nThe move by Britain angered China.")
               for n in range(3)]  # fmt: skip
    assert ("Britain", 3) in new_words(britain, set(terms("Huawei")))


def test_a_word_few_of_many_candidates_use_is_not_new_vocabulary() -> None:
    candidates = [(f"site{n}", "An embargo story." if n < 3 else "A tale.") for n in range(12)]
    assert new_words(candidates, set()) == [("tale", 9)]  # embargo: 3 of 12, under a third


def counts_named(output: str) -> dict[str, int]:
    """The words of the queue's line and their counts, in its order (rich wraps the line)."""
    line = " ".join(output.split())
    found = re.search(r"at the last crawl \(candidates using them, of the \d+ best\): (.*?)\. None", line)
    return {word: int(n) for word, n in (part.rsplit(" ", 1) for part in found.group(1).split(", "))} if found else {}


def words_named(output: str) -> list[str]:
    return list(counts_named(output))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    run = run_demo(tmp_path_factory.mktemp("words") / "demo", seeds_from=SEEDS)
    assert run.returncode == 0
    return run


def test_the_queue_the_report_and_the_browser_name_the_words_until_a_candidate_using_them_is_accepted(demo) -> None:
    """The demo's UK-ban stories speak of a *ban*, which none of the seeds does."""
    storage = str(demo.storage)
    runner = CliRunner()
    said = runner.invoke(cli, ["queue", "--storage", storage]).output
    before = words_named(said)
    assert "ban" in before and "huawei" not in before
    hint = re.search(r"`seedcrawl review --search (\w+)` walks the candidates that use it", " ".join(said.split()))
    assert hint and hint.group(1) == before[0]  # the commonest, in a command that can be run as it is
    counts = counts_named(said)
    rarest = min(counts, key=lambda word: (counts[word], word))  # fewer than the whole queue use it
    walked = runner.invoke(cli, ["review", "--storage", storage, "--search", rarest], input="q\n").output
    assert f"(1 of {counts[rarest]})" in walked and re.search(rf"\b{rarest}\b", walked, re.I)
    report = runner.invoke(cli, ["report", "--storage", storage, "--output", str(demo.folder / "r.html")])
    assert report.exit_code == 0, report.output
    written = (demo.folder / "r.html").read_text(encoding="utf-8")
    assert "New words in the queue" in written and f"<code>seedcrawl review --search {before[0]}</code>" in written
    page = create_app(demo.storage, demo.folder / "seeds").test_client().get("/").get_data(as_text=True)
    assert 'href="/?q=ban"' in page  # the word opens the candidates that use it
    listed = runner.invoke(cli, ["search", "ban", "--storage", storage]).output
    assert "pending" in listed
    first = re.search(r"(\d+)\s+\d\.\d{3}", runner.invoke(cli, ["queue", "--storage", storage]).output).group(1)
    shown = runner.invoke(cli, ["show", first, "--storage", storage]).output
    assert re.search(r"\bban\b", shown, re.I)  # the best candidate speaks of the ban
    accepted = runner.invoke(cli, ["accept", first, "--storage", storage])
    assert accepted.exit_code == 0, accepted.output
    after = words_named(runner.invoke(cli, ["queue", "--storage", storage]).output)
    assert "ban" not in after  # an accepted text uses it: the model counts it from the next fit on


def test_a_seed_added_by_the_reviewer_takes_its_words_off_the_list_and_is_logged(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """`seedcrawl add` of a note on the ban: the line said no seed uses *ban*."""
    import sqlite_utils

    run = run_demo(tmp_path_factory.mktemp("adding") / "demo", seeds_from=SEEDS)
    storage, runner = str(run.storage), CliRunner()
    assert "ban" in words_named(runner.invoke(cli, ["queue", "--storage", storage]).output)
    note = run.folder / "note.txt"
    note.write_text("The ban\n\nThe government's ban on the vendor's equipment starts next year.\n")
    added = runner.invoke(cli, ["add", str(note), "--storage", storage])
    assert added.exit_code == 0, added.output
    after = words_named(runner.invoke(cli, ["queue", "--storage", storage]).output)
    assert "ban" not in after and after  # the others stay: the note uses none of them
    [logged] = sqlite_utils.Database(run.storage / "corpus.db").query("select * from decision_log")
    assert (logged["action"], logged["reason"], logged["title"]) == ("add", f"from {note}", "The ban")
    name = logged["seed_file"]
    undone = runner.invoke(cli, ["undo", name, "--storage", storage])
    assert undone.exit_code == 1 and "it is a seed text" in undone.output


def test_rejecting_the_candidates_that_use_a_word_takes_them_off_its_count_then_the_word_off_the_list(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Counted at the crawl's end, but a decision shows at once: a word the
    reviewer rejected the pages of is no longer what the queue says."""
    import sqlite_utils

    from crawler.new_words import KEPT_WORDS, in_queue
    from crawler.report import site_name
    from crawler.store import Store
    from crawler.words import stem

    run = run_demo(tmp_path_factory.mktemp("rejecting") / "demo", seeds_from=SEEDS)
    storage, runner = str(run.storage), CliRunner()
    named = counts_named(runner.invoke(cli, ["queue", "--storage", storage]).output)
    word = min(named, key=lambda w: (named[w], w))  # the least used word named
    db = sqlite_utils.Database(run.storage / "corpus.db")
    pending = db.query("select queue_seq, text from documents where status = 'pending' order by queue_seq")
    users = [row["queue_seq"] for row in pending if stem(word.lower()) in terms(row["text"])]
    assert len(users) == named[word] >= 3

    def every_new_word() -> dict[str, int]:  # beyond the six named, others may rise as this one falls
        store = Store(run.storage)
        try:
            return dict(in_queue(store, limit=KEPT_WORDS)[0])
        finally:
            store.close()

    site_of = {row["queue_seq"]: site_name(row) for row in db.query("select * from documents where status = 'pending'")}

    def expected(left: list[int]) -> int | None:  # the word's count with these pending, or None: not named
        return len(left) if len(left) >= 3 and len({site_of[n] for n in left}) >= 2 else None

    assert expected(users) == named[word]
    for rejected, number in enumerate(users[:-2], start=1):
        result = runner.invoke(cli, ["reject", str(number), "--storage", storage])
        assert result.exit_code == 0, result.output
        assert every_new_word().get(word) == expected(users[rejected:])  # fewer, then too few (or one site left)
    assert word not in every_new_word()  # two pending candidates left: not the queue's vocabulary any more
    assert word not in counts_named(runner.invoke(cli, ["queue", "--storage", storage]).output)
    back = next(n for n in users[:-2] if expected([n, *users[-2:]]))  # three again, from two sites
    undone = runner.invoke(cli, ["undo", str(back), "--storage", storage])
    assert undone.exit_code == 0, undone.output
    assert every_new_word()[word] == 3  # pending again


@pytest.mark.parametrize("body", ["not json", "[]", '{"words": [["ban", 3]]}'])
def test_a_kept_count_that_cannot_be_read_is_not_shown_and_the_queue_still_is(tmp_path, body: str) -> None:
    from crawler.new_words import KEPT, in_queue
    from crawler.store import Store

    from .test_review import make_storage

    make_storage(tmp_path)
    store = Store(tmp_path / "storage")
    store.keep_counts(KEPT, body)
    assert in_queue(store) == ([], 0)
    store.close()
    result = CliRunner().invoke(cli, ["queue", "--storage", str(tmp_path / "storage")])
    assert result.exit_code == 0 and "Review queue: 3 candidate(s)" in result.output


@ensureDeferred
async def test_a_storage_failure_while_counting_them_costs_only_the_hint(
    tmp_path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Counted after the run is recorded: the run stays finished, one line says why there are none."""
    import sqlite3

    import sqlite_utils

    from crawler import crawlrun

    from .inprocess import crawl
    from .mockserver import MockServer, sources_for

    def full(store):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(crawlrun, "count_in_queue", full)
    page = b"<html><head><title>Nothing here</title></head><body><p>Quiet.</p></body></html>"
    with MockServer({"/": (200, {}, page), "/robots.txt": (200, {}, b"")}) as server:
        sources = sources_for(tmp_path, [f"{server.base}/"])
        assert await crawl(sources, tmp_path / "storage", None) == 0
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    assert [row["status"] for row in db.query("select status from runs")] == ["finished"]
    said = [r.getMessage() for r in caplog.records if "New words" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("New words in the queue not counted:") and "full" in said[0]


def test_a_word_only_ever_written_after_the_same_name_is_named_with_it() -> None:
    """The queue named *Kong*: Hong, always followed by a capital, was left
    out as a forename, and its second word stood alone."""
    lines = ["Protests in Hong Kong grew as Huawei was banned.", "Hong Kong officials said nothing of the ban.",
             "The Foreign Secretary Dominic Raab spoke of Hong Kong and the ban."]  # fmt: skip
    candidates = [(f"site{n % 2}", f"Ban news ({n})\n\n{lines[n % 3]} Raab spoke again.") for n in range(6)]
    found = dict(new_words(candidates, set(terms("Huawei was said nothing of spoke again news"))))
    assert found["Hong Kong"] == 6 and "Kong" not in found and "Hong" not in found
    # Raab stands alone once ("Raab spoke") and "Foreign", "Secretary" are written after other words.
    assert found["Raab"] == 6 and found["ban"] == 6


def test_the_walk_to_a_name_of_two_words_quotes_it() -> None:
    from crawler.new_words import sentence

    said = sentence([("Hong Kong", 5), ("ban", 4)], 20)
    assert "`seedcrawl review --search 'Hong Kong'` walks" in said


def test_a_name_of_two_words_leaves_the_list_when_a_seed_uses_its_last_one(tmp_path) -> None:
    """A seed that speaks of Kong (Hong Kong) makes the name no longer new."""
    import json

    from crawler.new_words import KEPT, in_queue
    from crawler.store import Store

    from .test_review import make_storage

    make_storage(tmp_path)
    storage = tmp_path / "storage"
    store = Store(storage)
    pending = [row["hash"] for row in store.db.query("select hash from documents where status = 'pending'")]
    body = {"language": "en", "read": 3, "decision": store.latest_decision_number(),
            "candidates": [[digest, site] for digest, site in zip(pending, ["a", "b", "a"], strict=True)],
            "words": [["Hong Kong", [0, 1, 2]], ["ban", [0, 1, 2]]]}  # fmt: skip
    store.keep_counts(KEPT, json.dumps(body))
    assert in_queue(store)[0] == [("Hong Kong", 3), ("ban", 3)]
    store.close()
    note = tmp_path / "note.txt"
    note.write_text("Protests in Hong Kong\n\nThe protests in Hong Kong went on for a year.\n")
    added = CliRunner().invoke(cli, ["add", str(note), "--storage", str(storage), "--seeds", str(tmp_path / "seeds")])
    assert added.exit_code == 0, added.output
    store = Store(storage)
    try:
        assert in_queue(store)[0] == [("ban", 3)]
    finally:
        store.close()
