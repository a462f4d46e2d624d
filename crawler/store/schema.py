"""The schema of corpus.db, applied by sqlite_utils.Migrations.

Each step is recorded in the database, so applying them is safe to repeat;
a new column or table is a new step at the end, never an edit of an old one.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from .. import dedup
from ..headline import headline
from ..seedfile import SeedFile

migrations = Migrations("seedcrawl")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("runs").create(
        {
            "id": int,
            "started": str,
            "finished": str,
            "status": str,
            "pages": int,
            "new": int,
            "duplicates": int,
            "offtopic": int,
            "errors": int,
            "sources": str,
            "storage": str,
            "stats": str,
        },
        pk="id",
    )
    db.table("documents").create(
        {
            "hash": str,
            "status": str,
            "title": str,
            "url": str,
            "canonical_url": str,
            "sitename": str,
            "published": str,
            "language": str,
            "score": float,
            "reason": str,
            "found_via": str,
            "found_on": str,
            "run_id": int,
            "first_seen": str,
            "queue_seq": int,
            "queue_file": str,
            "seed_file": str,
            "shingles": int,
            "text": str,
        },
        pk="hash",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("documents").create_index(["status"])
    db.table("documents").create_index(["queue_seq"], unique=True)
    # Near-duplicate index: sampled shingle hashes of every stored text.
    # WITHOUT ROWID halves its size; sqlite-utils' create() has no option for it.
    db.execute(
        "create table shingles (shingle integer not null, hash text not null references documents(hash), "
        "primary key (shingle, hash)) without rowid"
    )
    db.table("copies").create(
        {
            "id": int,
            "hash": str,
            "copy_hash": str,
            "url": str,
            "kind": str,
            "similarity": float,
            "found_via": str,
            "found_on": str,
            "run_id": int,
            "seen": str,
        },
        pk="id",
        foreign_keys=[("hash", "documents", "hash"), ("run_id", "runs", "id")],
    )
    db.table("copies").create_index(["hash"])
    db.table("copies").create_index(["url", "hash"], unique=True)
    db.table("urls").create(
        {
            "url": str,
            "requested_url": str,
            "outcome": str,
            "detail": str,
            "hash": str,
            "http_status": int,
            "found_via": str,
            "found_on": str,
            "run_id": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="url",
    )
    db.table("feeds").create(
        {
            "url": str,
            "etag": str,
            "last_modified": str,
            "last_fetched": str,
            "last_status": int,
            "entries": int,
            "bozo": str,
        },
        pk="url",
    )
    db.create_view(
        "pending_queue",
        "select queue_seq, queue_file, score, language, published, sitename, title, url, reason "
        "from documents where status = 'pending' order by score desc",
    )


@migrations()
def m002_shingles_by_document_id(db: sqlite_utils.Database) -> None:
    """Index shingles by a small integer id instead of the 64-hex hash.

    A quarter of the size per row, which is what keeps lookups flat at a
    million documents. The id is a real column (an implicit rowid may be
    renumbered by VACUUM).
    """
    db.table("documents").add_column("id", int)
    db.execute("update documents set id = rowid")
    db.table("documents").create_index(["id"], unique=True)
    db.execute("drop table shingles")
    db.execute(
        "create table shingles (shingle integer not null, doc integer not null, "
        "primary key (shingle, doc)) without rowid"
    )
    for row in list(db.query("select id, text from documents")):
        db.conn.executemany(
            "insert or ignore into shingles values (?, ?)",
            [(value, row["id"]) for value in dedup.shingle_sample(row["text"])],
        )
    db.create_view(
        "story_places",
        "select d.hash, d.status, d.title, d.url as first_seen_at, count(c.id) as other_places, "
        "group_concat(c.url, ' ') as other_urls from documents d join copies c on c.hash = d.hash "
        "group by d.hash order by other_places desc",
    )


@migrations()
def m003_run_process(db: sqlite_utils.Database) -> None:
    """What the scheduler needs to know of each run's child process."""
    for column, kind in (("trigger", str), ("pid", int), ("exit_status", int), ("log_file", str)):
        db.table("runs").add_column(column, kind)


@migrations()
def m004_review(db: sqlite_utils.Database) -> None:
    """Review decisions, full-text search, and views for Datasette / sqlite-utils."""
    db.table("documents").add_column("decided_at", str)
    db.table("documents").add_column("decision_reason", str)
    db.table("decisions").create(
        {
            "id": int,
            "hash": str,
            "action": str,
            "reason": str,
            "seed_file": str,
            "queue_file": str,
            "reviewer": str,
            "decided_at": str,
            "undone": int,
        },
        pk="id",
        foreign_keys=[("hash", "documents", "hash")],
    )
    db.table("decisions").create_index(["hash"])
    db.table("documents").enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
    db.create_view(
        "decision_log",
        "select x.id, x.decided_at, x.action, x.undone, x.reviewer, x.reason, x.seed_file, d.title, d.url, d.score "
        "from decisions x join documents d on d.hash = x.hash order by x.id desc",
    )
    db.create_view(
        "run_summary",
        "select id, started, finished, trigger, status, exit_status, pages, new, duplicates, offtopic, errors, "
        "log_file from runs order by id desc",
    )


@migrations()
def m005_frontier(db: sqlite_utils.Database) -> None:
    """Links scheduled but not yet resolved: what a killed crawl resumes."""
    db.table("frontier").create(
        {"url": str, "via": str, "found_on": str, "hops": int, "priority": int, "added": str}, pk="url"
    )
    db.table("frontier").create_index(["priority"])


@migrations()
def m006_corpus(db: sqlite_utils.Database) -> None:
    """Which seeds folder and sources file this storage belongs to, so every
    command finds them from --storage alone."""
    db.table("corpus").create({"key": str, "value": str}, pk="key")


@migrations()
def m007_borderline(db: sqlite_utils.Database) -> None:
    """Weak verdicts: scores within relevance.band of the threshold."""
    db.table("documents").add_column("borderline", int)
    db.execute("drop view if exists pending_queue")
    db.create_view(
        "pending_queue",
        "select queue_seq, queue_file, score, borderline, language, published, sitename, title, url, reason "
        "from documents where status = 'pending' order by score desc",
    )


@migrations()
def m008_leads(db: sqlite_utils.Database) -> None:
    """Aggregator entries with no publisher URL (Google News' opaque ids):
    what they announced, kept and counted, never fetched."""
    db.table("leads").create(
        {
            "url": str,  # the aggregator's wrapper
            "title": str,
            "publisher": str,
            "site": str,  # the publisher's site, from the entry's <source url=...>
            "published": str,
            "feed": str,
            "run_id": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="url",
    )
    db.table("leads").create_index(["feed"])


@migrations()
def m009_source_yield(db: sqlite_utils.Database) -> None:
    """The yield ledger: which source (seed URL, feed, ...) each link and
    document came from, and what each source gave in each run."""
    db.table("frontier").add_column("source", str)
    db.table("documents").add_column("source", str)
    db.table("documents").create_index(["source"])
    db.table("source_runs").create(
        {
            "source": str,
            "run_id": int,
            "kind": str,  # seed, feed
            "entries": int,  # seed URLs: 1; feeds: entries read
            "leads": int,  # entries kept as leads (no publisher URL)
            "fetched": int,  # pages read (reached the analysis)
            "on_topic": int,
            "queued": int,
            "errors": int,
        },
        pk=("source", "run_id"),
    )


@migrations()
def m010_source_yield_view(db: sqlite_utils.Database) -> None:
    """The yield ledger for Datasette and sqlite-utils: one row per source."""
    db.create_view(
        "source_yield",
        "select s.source, max(s.kind) as kind, count(*) as runs, sum(s.entries) as entries, sum(s.leads) as leads, "
        "sum(s.fetched) as fetched, sum(s.on_topic) as on_topic, sum(s.queued) as queued, "
        "(select count(*) from documents d where d.source = s.source and d.status = 'accepted') as accepted, "
        "(select count(*) from documents d where d.source = s.source and d.status = 'rejected') as rejected, "
        "sum(s.errors) as errors from source_runs s group by s.source order by accepted desc, queued desc",
    )


@migrations()
def m011_run_summary(db: sqlite_utils.Database) -> None:
    """The end-of-run summary a crawl logs (crawler/progress.py), kept with its run."""
    db.table("runs").add_column("summary", str)


@migrations()
def m012_edits(db: sqlite_utils.Database) -> None:
    """A reviewer's edits of a candidate: every version with its own hash,
    beside the original text (which stays the document's identity). The
    newest version is also on the document row: what accept writes."""
    db.table("edits").create(
        {
            "id": int,
            "hash": str,  # the document edited
            "version": int,  # 2, 3, ... (the crawled text is version 1)
            "text": str,
            "text_hash": str,
            "via": str,  # editor, file, stdin, queue file, browser
            "reviewer": str,
            "edited_at": str,
        },
        pk="id",
        foreign_keys=[("hash", "documents", "hash")],
    )
    db.table("edits").create_index(["hash"])
    db.table("edits").create_index(["text_hash"])
    db.table("documents").add_column("edited_text", str)
    db.table("documents").add_column("edited_hash", str)


@migrations()
def m013_fetch(db: sqlite_utils.Database) -> None:
    """Where a document's response is archived (crawler/archive.py) and how it was fetched."""
    for column, kind in (("fetched_at", str), ("http_status", int), ("warc_file", str), ("warc_offset", int),
                         ("warc_length", int), ("payload_digest", str)):  # fmt: skip
        db.table("documents").add_column(column, kind)


@migrations()
def m014_date_witnesses(db: sqlite_utils.Database) -> None:
    """Which witness gave a document's published date, what all of them said
    (JSON), and why the date is doubtful, if it is (crawler/dates.py)."""
    for column in ("published_witness", "date_witnesses", "date_flag"):
        db.table("documents").add_column(column, str)


@migrations()
def m015_boilerplate(db: sqlite_utils.Database) -> None:
    """Each site's boilerplate lines as learned from its pages (crawler/boilerplate.py)."""
    db.table("boilerplate").create({"site": str, "line": str, "learned_at": str, "run_id": int}, pk=("site", "line"))


@migrations()
def m016_review_indexes(db: sqlite_utils.Database) -> None:
    """A decision looks a candidate up by its queue file, a seed by its file
    name, an edit by its hash: without these, each one read every row of a
    year's corpus."""
    db.table("documents").create_index(["queue_file"])
    db.table("documents").create_index(["seed_file"])
    db.table("documents").create_index(["edited_hash"])


@migrations()
def m017_queue_order(db: sqlite_utils.Database) -> None:
    """The queue's first page, best first, read from an index instead of
    sorting a year's 10,000 pending rows."""
    db.table("documents").create_index(["status", "score"])


@migrations()
def m018_kept_counts(db: sqlite_utils.Database) -> None:
    """The relevance model's word counts, kept between fits (crawler/topic_counts.py)."""
    db.table("kept_counts").create({"name": str, "body": str, "counted_at": str}, pk="name")


@migrations()
def m019_frontier_hints(db: sqlite_utils.Database) -> None:
    """A link left for a later run keeps the date its feed entry, sitemap or
    search result gave (a witness for the page's date) and its anchor text."""
    db.table("frontier").add_column("date_hint", str)
    db.table("frontier").add_column("anchor", str)


@migrations()
def m020_rescored(db: sqlite_utils.Database) -> None:
    """A pending candidate judged again by a model that learned from the
    reviewer (crawler/rescore.py) keeps the crawl's own verdict beside the
    new one: why the page was kept stays explained."""
    for column, kind in (("crawl_score", float), ("crawl_reason", str), ("rescored_at", str)):
        db.table("documents").add_column(column, kind)


@migrations()
def m021_search_edits(db: sqlite_utils.Database) -> None:
    """Search finds a candidate by the reviewer's edit (a corrected title,
    say) as well as by the crawled text; and a document is indexed again
    only when a text changes. sqlite-utils' update trigger fires on any
    column: a rescore's new scores for 9,855 pending candidates re-indexed
    9,855 texts (2.0 s of a year-old storage's rescore, against 0.08 s for
    the update itself). The index is dropped and built anew (enable_fts
    commits its CREATE: a run killed after it starts again from nothing);
    the triggers are sqlite-utils' own, the update one narrowed to the
    indexed columns, quoted as disable_fts() finds them."""
    columns = ("title", "text", "edited_text")
    documents = db.table("documents")
    documents.disable_fts()
    documents.enable_fts(columns, tokenize="porter")
    listed = ", ".join(f'"{c}"' for c in columns)
    old, new = (", ".join(f'{row}."{c}"' for c in columns) for row in ("old", "new"))
    remove = f'INSERT INTO "documents_fts" ("documents_fts", rowid, {listed}) VALUES (\'delete\', old.rowid, {old});'
    add = f'INSERT INTO "documents_fts" (rowid, {listed}) VALUES (new.rowid, {new});'
    db.execute(f'CREATE TRIGGER "documents_ai" AFTER INSERT ON "documents" BEGIN {add} END')
    db.execute(f'CREATE TRIGGER "documents_ad" AFTER DELETE ON "documents" BEGIN {remove} END')
    db.execute(f'CREATE TRIGGER "documents_au" AFTER UPDATE OF {listed} ON "documents" BEGIN {remove} {add} END')


@migrations()
def m022_author(db: sqlite_utils.Database) -> None:
    """A page's byline as trafilatura reads it (meta tags, JSON-LD, the byline
    itself): a researcher cites an article by its author. Documents stored
    before have none until `seedcrawl reextract` reads them from the archive."""
    db.table("documents").add_column("author", str)


@migrations()
def m023_seed_headlines(db: sqlite_utils.Database) -> None:
    """A seed file saved from a browser starts with the page's chrome
    ("Latest News:", a dateline): its title is now its headline
    (crawler.headline), for the corpus, search and citations. Seeds stored
    before keep a title the reviewer gave them; those read off the file's
    first line (SeedFile.title, what registering a seed took) are read again."""
    rows = db.execute("select hash, title, text from documents where status = 'seed'").fetchall()
    for digest, title, text in rows:
        better = headline(text or "")
        if title == SeedFile(text or "").title and better != title:
            db.execute("update documents set title = ? where hash = ?", (better, digest))


@migrations()
def m024_copy_site_names(db: sqlite_utils.Database) -> None:
    """Where a story was found again, the site's own name for itself (its
    og:site_name, as a document keeps it): the corpus calls a seed by the
    site of the page the crawl found at its URL ("The China Post", not
    www.chinapost.com.tw). Copies recorded before have none: their host shows."""
    db.table("copies").add_column("sitename", str)
