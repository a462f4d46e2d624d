"""The browser review page: queue, reading view, decisions, the corpus, sources, timeline.

Pages are plain HTML forms (they work without JavaScript); keys.js adds the
shortcuts. Each request opens the storage folder (sqlite connections are per
thread) and closes it again. Decisions are POSTs carrying a token that
only pages of this server hold, so another site open in the same browser
cannot make them. Bound to a non-loopback address (``--host`` with
``--allow-remote``), every request must also carry the access token.
"""

from __future__ import annotations

import hmac
import io
import ipaddress
import secrets
import sqlite3
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, flash, g, redirect, render_template, request, url_for

from ..citations import CITATION_FORMATS
from ..dates import described as described_date
from ..dedup import is_web_address
from ..given import MAX_REPORT_BYTES, read_capped, read_given
from ..headline import headline
from ..new_words import ADVICE, HEADING, in_queue
from ..page_record import page_record
from ..report import month_histogram_svg, site_line, site_name
from ..review import OFFTOPIC, Review, ReviewError
from ..seedfile import SEED_NAME, SeedFormatError, read_seed, seed_names
from ..sources import DEFAULT_SOURCES, SourcesError, listed_seed_urls, saved_from_hint
from ..store import QueryError, QueueFilters, Store, StoreError, explain_storage_error
from ..store.documents import as_reviewed, current_text, current_title
from ..workspace import open_review, storage_sources

TOKEN_COOKIE = "seedcrawl_token"


def create_app(storage: Path, seeds_dir: Path | None = None, access_token: str | None = None) -> Flask:
    """The application for one storage folder (and its seeds folder).
    ``access_token``: required of every request (a remote bind)."""
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(32)  # signs the flash messages; new each start
    app.config["MAX_CONTENT_LENGTH"] = 4 * MAX_REPORT_BYTES  # documents uploaded at once (a request's limit)
    csrf = secrets.token_urlsafe(24)
    storage = Path(storage)
    # Decisions made at once, by a short name: the list's undo button holds
    # their ids, the redirect to it only the name (a year's queue is 10,000
    # ids, beyond the 64 KB request line of the server). Lost on a restart;
    # `seedcrawl undo` takes any back.
    batches: OrderedDict[str, list[str]] = OrderedDict()

    def review() -> Review:
        if "review" not in g:
            # A page that only shows does not look for crash leftovers (80-100 ms on a year's folders, at
            # every page): a decision (POST) does, and `seedcrawl serve` did when it started.
            decides = request.method == "POST"
            g.review = open_review(storage, seeds_dir, claim=decides, repair=decides)
        return g.review

    @app.teardown_appcontext
    def close(_: BaseException | None) -> None:
        opened = g.pop("review", None)
        if opened is not None:
            opened.store.close()

    @app.before_request
    def check_tokens() -> Any:
        if access_token is not None:
            given = request.args.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
            if not hmac.compare_digest(given, access_token):
                abort(403, "this page needs its access token (?token=... as printed by seedcrawl serve)")
        if request.method == "POST" and not hmac.compare_digest(request.form.get("csrf", ""), csrf):
            abort(403, "a decision must come from this server's own page; reload it")
        return None

    @app.after_request
    def remember_token(response: Any) -> Any:
        if access_token is not None and request.args.get("token") == access_token:
            response.set_cookie(TOKEN_COOKIE, access_token, httponly=True, samesite="Strict")
        return response

    @app.context_processor
    def shared() -> dict[str, Any]:
        return {"csrf": csrf, "site_name": site_name, "site_line": site_line, "current_title": current_title,
                "described_date": described_date, "storage": storage, "walk": walk_of(request.args)}  # fmt: skip

    @app.errorhandler(ReviewError)
    @app.errorhandler(QueryError)
    def refused(exc: Exception) -> Any:
        flash(str(exc), "error")
        return redirect(request.referrer or url_for("queue"))

    @app.errorhandler(StoreError)
    @app.errorhandler(sqlite3.Error)
    @app.errorhandler(OSError)
    def unusable_storage(exc: Exception) -> Any:
        """A full disk, a database another program holds: one line, as the
        commands say it, not Flask's "Internal Server Error" (the decision's
        transaction was rolled back). What the store cannot explain stays an error."""
        message = str(exc) if isinstance(exc, StoreError) else explain_storage_error(exc)
        if message is None:
            raise exc
        return render_template("error.html", message=message), 503

    @app.errorhandler(413)
    def too_large(_: Exception) -> Any:
        """More bytes than one request may carry (Werkzeug's bare 413 page before): one line, on the page."""
        limit = app.config["MAX_CONTENT_LENGTH"] // 1_000_000
        flash(f"the files chosen are more than {limit:,} MB together: add them a few at a time, "
              "or with seedcrawl add", "error")  # fmt: skip
        return redirect(url_for("corpus"))

    @app.errorhandler(SourcesError)
    def unusable_sources(exc: SourcesError) -> Any:
        """The threshold comes from the sources file: without it, one line, not a traceback."""
        return render_template("error.html", message=f"the sources file cannot be used: {exc}"), 500

    @app.get("/")
    def queue() -> Any:
        args = request.args
        if is_web_address(args.get("q", "").strip()):  # an address: what became of that page
            return redirect(url_for("page", url=args["q"].strip()))
        store = review().store
        filters, order = _selection(args, storage)
        total = store.count_candidates(filters)
        page = _page_asked(args, total)
        rows = store.pending_candidates(filters, uncertain_around=order, limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)
        pages = _pages(page, len(rows), total)
        new = in_queue(store) if page == 1 and not walk_of(args) else ([], 0)
        return render_template(
            "queue.html", rows=rows, args=args, pages=pages, new_words=new, heading=HEADING, advice=ADVICE,
            filtered=filtered(args), batch=batches.get(args.get("batch", ""), []),
        )  # fmt: skip

    @app.get("/c/<ident>")
    def candidate(ident: str) -> Any:
        opened = review()
        found = opened.resolve(ident)
        if found["status"] == "seed" and found["seed_file"]:  # nothing to decide: the seed, to read
            return redirect(url_for("seed", name=found["seed_file"]))
        if found["status"] == OFFTOPIC:  # a near miss, to read and perhaps queue
            return redirect(url_for("miss", digest=found["hash"]))
        row = opened.candidate(ident)  # a page in another language, named by its hash: one line
        place = _place(opened, row, request.args, storage)
        return render_template(
            "candidate.html", row=row, title=current_title(row), text=current_text(row),
            copies=opened.store.copies_of(row["hash"]), edits=opened.store.edits_of(row["hash"]), place=place,
            walk_named=describe_walk(request.args), undo=request.args.get("undo"),
            requeued=opened.store.requeued([row["hash"]]).get(row["hash"]),
        )  # fmt: skip

    @app.post("/c/<ident>/accept")
    def accept(ident: str) -> Any:
        opened = review()
        row = opened.resolve(ident)
        following = _place(opened, row, request.args, storage).following  # before it leaves the walk
        decision = opened.accept(ident)
        flash(f"accepted #{row['queue_seq']} “{current_title(row)}” → {opened.seeds_dir / (decision.seed_file or '')}")
        return _after_decision(row, following)

    @app.post("/c/<ident>/reject")
    def reject(ident: str) -> Any:
        opened = review()
        row = opened.resolve(ident)
        following = _place(opened, row, request.args, storage).following
        reason = request.form.get("reason", "").strip() or None
        opened.reject(ident, reason)
        flash(f"rejected #{row['queue_seq']} “{current_title(row)}”" + (f" ({reason})" if reason else ""))
        return _after_decision(row, following)

    @app.post("/c/<ident>/undo")
    def undo(ident: str) -> Any:
        opened = review()
        row = opened.resolve(ident)
        if opened.undo(ident).queue_file is None:  # a requeue undone
            flash(f"undone: “{current_title(row)}” is off topic again, out of the queue")
            return redirect(url_for("misses"))
        flash(f"undone: #{row['queue_seq']} “{current_title(row)}” is back in the queue")
        return redirect(url_for("candidate", ident=row["queue_seq"], **walk_of(request.args)))

    @app.get("/c/<ident>/edit")
    def edit_form(ident: str) -> str:
        row = review().resolve(ident)
        return render_template("edit.html", row=row, text=current_text(row))

    @app.post("/c/<ident>/edit")
    def edit(ident: str) -> Any:
        opened = review()
        text = request.form.get("text", "")
        try:
            result = opened.edit(ident, text, via="browser")
        except ReviewError as exc:  # the form again, with the reviewer's text: a redirect would lose it
            row = opened.resolve(ident)
            return render_template("edit.html", row=row, text=text, refused=str(exc)), 422
        flash(
            f"edited #{ident}: version {result.version} kept beside the crawled text" if result.changed else "no change"
        )
        return redirect(url_for("candidate", ident=ident, **walk_of(request.args)))

    @app.get("/decide")
    def decide_form() -> Any:
        """Accept or reject every candidate of a filtered list: what would be decided, then a confirmation."""
        action = request.args.get("action")
        if action not in DECIDED:
            abort(400, "action must be accept or reject")
        if not filtered(request.args):
            flash("filter the list first (a search, a site, a score...): all of the queue at once is not offered",
                  "error")  # fmt: skip
            return redirect(url_for("queue", **walk_of(request.args)))
        filters, order = _selection(request.args, storage)
        rows = review().store.pending_candidates(filters, uncertain_around=order)
        return render_template(
            "decide.html", action=action, rows=rows[:LISTED_BEFORE_ASKING], total=len(rows),
            ids=",".join(str(row["queue_seq"]) for row in rows), walk_named=describe_walk(request.args),
        )  # fmt: skip

    @app.post("/decide")
    def decide_all() -> Any:
        """The decisions confirmed on /decide: exactly the candidates listed there."""
        action = request.form.get("action", "")
        if action not in DECIDED:
            abort(400, "action must be accept or reject")
        opened = review()
        reason = request.form.get("reason", "").strip() or None
        decide = opened.accept if action == "accept" else lambda ident: opened.reject(ident, reason)
        decided, passed = _each(opened, _ids(request.form.get("ids", "")), decide)
        flash(f"{DECIDED[action]} {len(decided)} candidate(s)" + (f" ({reason})" if reason else "") + passed)
        return redirect(url_for("queue", batch=kept_batch(decided), **walk_of(request.args)))

    def kept_batch(decided: list[str]) -> str | None:
        """A name for a batch of decisions (queue numbers) the queue page offers to undo at once."""
        if not decided:
            return None
        name = secrets.token_urlsafe(6)
        batches[name] = decided
        while len(batches) > KEPT_BATCHES:
            batches.popitem(last=False)
        return name

    @app.post("/undo-batch")
    def undo_batch() -> Any:
        """Take a batch of decisions back, newest first (an accepted file leaves seeds/ only as the newest seed)."""
        opened = review()
        outcomes: list[Any] = []
        undone, passed = _each(opened, opened.newest_first(_ids(request.form.get("ids", ""))), opened.undo, outcomes)
        off_topic = sum(outcome.queue_file is None for outcome in outcomes)  # a requeue undone
        said = [f"{len(undone) - off_topic} candidate(s) back in the queue"] if len(undone) > off_topic else []
        said += [f"{off_topic} page(s) off topic again, out of the queue"] if off_topic else []
        flash(f"undone: {', '.join(said) or 'nothing'}{passed}")
        return redirect(url_for("queue", **walk_of(request.args)))

    @app.post("/rescore")
    def rescore() -> Any:
        """The queue judged again by the model the reviewer's decisions made (as `seedcrawl rescore`)."""
        from ..rescore import rescore_queue

        opened = review()
        config = storage_sources(storage)
        done = rescore_queue(opened.store, opened.seeds_dir, config)
        flash(
            f"judged {done.judged} candidate(s) again by the model of your decisions: {done.changed} score(s) "
            f"changed, {done.fell_below} fell below the threshold {config.threshold:g}, {done.rose_above} rose above it"
        )
        return redirect(url_for("queue", **walk_of(request.args)))

    @app.post("/misses/rescore")
    def rescore_misses() -> Any:
        """The pages judged off topic (and the queue) judged again by the model
        the reviewer's decisions made (as `seedcrawl rescore --misses`)."""
        from ..rescore import Rescored, rescore_queue

        opened = review()
        config = storage_sources(storage)
        done = rescore_queue(opened.store, opened.seeds_dir, config, misses=True).misses or Rescored()
        flash(
            f"judged {done.judged} page(s) again by the model of your decisions: {done.changed} score(s) changed, "
            f"{done.rose_above} now reach {config.queue_cut:g}, where the crawl queues a page; "
            "they stay off topic until you queue them"
        )
        return redirect(url_for("misses", **misses_walk(request.args)))

    @app.get("/corpus")
    def corpus() -> str:
        """The seeds folder, newest first: every document the corpus holds, as
        the folder has it (a file no crawl has read yet too), a page at a time."""
        opened = review()
        names = seed_names(opened.seeds_dir)[::-1]
        total = len(names)
        page = _page_asked(request.args, total)
        shown = names[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
        rows = _with_seed_pages(opened.store, opened.store.seed_file_rows(shown))
        entries = [_corpus_entry(opened.seeds_dir, name, rows.get(name)) for name in shown]
        pages = _pages(page, len(shown), total)
        return render_template("corpus.html", entries=entries, pages=pages, seeds_dir=opened.seeds_dir, args={})

    @app.post("/corpus/add")
    def add_documents() -> Any:
        """Documents of the reviewer's own, uploaded: each made a seed as
        `seedcrawl add` makes it (a text, a saved page, a PDF), or one line
        saying why not; the others are added all the same."""
        opened = review()
        uploads = [upload for upload in request.files.getlist("documents") if upload.filename]
        if not uploads:
            flash("choose the files to add first", "error")
        added, refused = [], []
        sources = opened.seeds_dir / DEFAULT_SOURCES.name
        starts = listed_seed_urls(sources)
        held = opened.unregistered_texts() if uploads else {}  # read once for all the files
        for upload in uploads:
            name = Path(upload.filename or "").name
            try:
                given = read_given(read_capped(upload.stream, name), name)
                done = opened.add(given.text, f"upload {name}", given.url, held)
            except (SeedFormatError, ReviewError) as exc:
                refused.append(f"{name}: not added: {exc}")
                continue
            line = f"{done.seed_file} (from {name})" + (f"; it is {done.near}" if done.near else "")
            if given.url and given.url not in starts:  # as `seedcrawl add` says it
                starts.add(given.url)
                line += "; " + saved_from_hint(given.url, sources)
            added.append(line)
        # A few lines each way: the messages travel in a cookie, which holds 4 KB.
        if added:
            more = f" and {len(added) - UPLOAD_LINES} more" if len(added) > UPLOAD_LINES else ""
            flash(f"added {len(added)} seed(s): " + "; ".join(added[:UPLOAD_LINES]) + more)
        for line in refused[:UPLOAD_LINES]:
            flash(line, "error")
        if len(refused) > UPLOAD_LINES:
            flash(f"and {len(refused) - UPLOAD_LINES} more not added", "error")
        return redirect(url_for("corpus"))

    @app.get("/corpus/citations.<form>")
    def citations(form: str) -> Response:
        """The accepted articles as a reference manager imports them (as `seedcrawl export --format ris|csl`)."""
        if form not in CITATION_FORMATS:
            abort(404)
        chosen = CITATION_FORMATS[form]
        written = io.StringIO()
        chosen.write((as_reviewed(row) for row in review().store.documents("accepted")), written)
        return Response(written.getvalue(), mimetype=chosen.media_type,
                        headers={"Content-Disposition": f'attachment; filename="corpus.{chosen.suffix}"'})  # fmt: skip

    @app.get("/seed/<name>")
    def seed(name: str) -> Any:
        """A seed file to read, as it is in the folder, with what the database knows of it."""
        opened = review()
        if not SEED_NAME.match(name):
            abort(404)
        try:
            text = read_seed(opened.seeds_dir / name).text
        except FileNotFoundError:
            abort(404)
        except (OSError, SeedFormatError) as exc:
            return render_template("error.html", message=f"{name} cannot be read: {exc}"), 500
        row = _with_seed_pages(opened.store, opened.store.seed_file_rows([name])).get(name)
        entry = _corpus_entry(opened.seeds_dir, name, row)
        copies = [copy for copy in opened.store.copies_of(row["hash"]) if copy["url"] != entry["url"]] if row else []
        return render_template("seed.html", entry=entry, text=text, copies=copies, seeds_dir=opened.seeds_dir)

    @app.get("/sources")
    def sources() -> str:
        return render_template("sources.html", rows=review().store.source_yields())

    @app.get("/page")
    def page() -> str:
        """What the crawls made of the page at ?url= (as `seedcrawl show URL`)."""
        opened = review()
        record = page_record(opened.store, request.args.get("url", ""))
        document = opened.resolve(record.document) if record.document else None
        return render_template("page.html", record=record, document=document)

    @app.get("/misses")
    def misses() -> str:
        """Pages the crawl judged off topic, best first (as `seedcrawl misses`)."""
        store = review().store
        filters = _filters(request.args)
        total = store.count_near_misses(filters)
        page = _page_asked(request.args, total)
        rows = store.near_misses(filters, limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)
        return render_template(
            "misses.html", rows=rows, args=misses_walk(request.args), pages=_pages(page, len(rows), total)
        )

    @app.get("/misses/queue-all")
    def requeue_form() -> Any:
        """Every page of a filtered off-topic list: what would be queued, then a confirmation."""
        walk = misses_walk(request.args)
        if not walk:
            flash("filter the list first (a score, a search...): every off-topic page at once is not offered", "error")
            return redirect(url_for("misses"))
        rows = review().store.near_misses(_filters(request.args))
        return render_template(
            "requeue.html", rows=rows[:LISTED_BEFORE_ASKING], total=len(rows), args=walk,
            ids=",".join(row["hash"] for row in rows),
        )  # fmt: skip

    @app.post("/misses/queue-all")
    def requeue_all() -> Any:
        """The pages confirmed on /misses/queue-all, each put in the queue; the queue offers to undo them."""
        opened = review()
        queued, passed = _each(opened, _ids(request.form.get("ids", "")), opened.requeue)
        numbers = [str(opened.resolve(digest)["queue_seq"]) for digest in queued]
        flash(f"queued {len(numbers)} page(s) judged off topic: accept or reject them as any candidate{passed}")
        return redirect(url_for("queue", batch=kept_batch(numbers)))

    @app.get("/miss/<digest>")
    def miss(digest: str) -> Any:
        """An off-topic page to read, with the button that puts it in the queue."""
        row = review().resolve(digest)
        if row["status"] != OFFTOPIC:  # queued since (in another tab, say): its own page
            return redirect(url_for("candidate", ident=row["queue_seq"] if row["queue_file"] else row["hash"]))
        return render_template("miss.html", row=row, title=current_title(row), text=current_text(row))

    @app.post("/miss/<digest>/queue")
    def requeue(digest: str) -> Any:
        opened = review()
        decision = opened.requeue(digest)
        row = opened.resolve(decision.doc_hash)
        flash(f"queued #{row['queue_seq']} “{current_title(row)}”: accept or reject it as any candidate")
        return redirect(url_for("candidate", ident=row["queue_seq"], undo=row["queue_seq"]))

    @app.get("/timeline")
    def timeline() -> str:
        store = review().store
        months = Counter(r["published"][:7] for r in store.candidates_seen() if r["published"])
        return render_template("timeline.html", chart=month_histogram_svg(months), runs=store.run_summaries(30))

    return app


# Candidates on one page of the queue: a year's queue is thousands.
PAGE_ROWS = 200
# Lines said of the files one upload added, and of those it could not.
UPLOAD_LINES = 5
# The queue page's filters and order, each with how the candidate page names
# it. A candidate opened from a filtered queue keeps them in its links, so
# next, skip, undo and back walk that queue (as `review --search` does); the
# new words are said on the unfiltered first page.
WALK = {"q": "search", "min_score": "score at least", "max_score": "score at most", "site": "site",
        "lang": "language", "since": "since", "until": "until", "order": "order"}  # fmt: skip


def walk_of(args: Any) -> dict[str, Any]:
    """The queue's filters and order that a request's query string sets."""
    return {key: args[key].strip() for key in WALK if args.get(key, "").strip()}


def misses_walk(args: Any) -> dict[str, Any]:
    """The filters of the off-topic list a query string sets (the queue's, less its order)."""
    return {key: value for key, value in walk_of(args).items() if key != "order"}


def filtered(args: Any) -> bool:
    """Whether the list is narrowed by a filter (an order alone is the whole queue)."""
    return any(key != "order" for key in walk_of(args))


# A decision on a whole filtered list: the form's actions, and what each says it did.
DECIDED = {"accept": "accepted", "reject": "rejected"}
# Candidates /decide lists before it asks (the count says how many in all).
LISTED_BEFORE_ASKING = 20
# Batches of decisions the page can still undo at once.
KEPT_BATCHES = 20


def _ids(text: str) -> list[str]:
    return [ident.strip() for ident in text.split(",") if ident.strip()]


def _each(
    opened: Review, idents: list[str], decide: Callable[[str], Any], outcomes: list[Any] | None = None
) -> tuple[list[str], str]:
    """The decisions made (Review.each; each one's outcome appended to
    ``outcomes`` if given), and those passed over (decided meanwhile
    elsewhere, say) as a clause for the page's message: each refusal names
    its candidate (by number, or by title where the form held hashes)."""
    done, passed = [], []
    for ident, outcome in opened.each(idents, decide):
        if isinstance(outcome, ReviewError):
            passed.append(str(outcome))
        else:
            done.append(ident)
            if outcomes is not None:
                outcomes.append(outcome)
    said = f"; passed over {len(passed)}: {passed[0]}" + (" ..." if len(passed) > 1 else "") if passed else ""
    return done, said


def describe_walk(args: Any) -> str:
    """``search “ban”, site bbc`` for the candidate page (empty: the whole queue)."""
    walk = walk_of(args)
    named = {"order": "weakest verdicts first", "q": f"search “{walk.get('q')}”"}
    return ", ".join(named.get(key, f"{WALK[key]} {value}") for key, value in walk.items())


def _selection(args: Any, storage: Path) -> tuple[QueueFilters, float | None]:
    """The queue's filters and order (the threshold to sort around, or None:
    best first) that a query string sets."""
    order = storage_sources(storage).threshold if args.get("order") == "uncertain" else None
    return _filters(args), order


def _filters(args: Any) -> QueueFilters:
    """The filters a query string sets (the queue's, and the off-topic list's)."""
    return QueueFilters(
        min_score=_number(args, "min_score"), max_score=_number(args, "max_score"),
        since=args.get("since") or None, until=args.get("until") or None,
        site=args.get("site") or None, lang=args.get("lang") or None, words=args.get("q", "").strip() or None,
    )  # fmt: skip


def _number(args: Any, key: str) -> float | None:
    """A score filter of the query string (None: not given); not a number: one line."""
    text = args.get(key, "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise QueryError(f"{WALK[key]}: {text!r} is not a number") from None


@dataclass(frozen=True)
class Place:
    """Where a candidate stands in the queue being walked."""

    position: int | None  # 1-based; None: not (or no longer) in it
    total: int
    following: int | None  # the candidate after it (wrapping round), None: no other


def _place(opened: Review, row: dict[str, Any], args: Any, storage: Path) -> Place:
    filters, order = _selection(args, storage)
    pending = opened.store.pending_numbers(filters, uncertain_around=order)
    if row["queue_seq"] not in pending:
        return Place(None, len(pending), pending[0] if pending else None)
    at = pending.index(row["queue_seq"])
    later = pending[at + 1 :] or pending[:at]
    return Place(at + 1, len(pending), later[0] if later else None)


def _page_asked(args: Any, total: int) -> int:
    """The page of PAGE_ROWS rows asked for (?page=N); past the end, the last."""
    return min(max(1, args.get("page", 1, type=int)), max(1, -(-total // PAGE_ROWS)))


def _pages(page: int, shown: int, total: int) -> dict[str, Any]:
    """Where a page of ``shown`` rows stands among ``total``, for _pages.html."""
    first = (page - 1) * PAGE_ROWS + 1
    return {"page": page, "first": first, "last": first + shown - 1, "total": total, "more": first + shown - 1 < total}


def _with_seed_pages(store: Store, rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Seed rows with the address and site name of the page the crawl found
    each at (a seed file has neither), for the corpus's site column and a citation."""
    unaddressed = [row["hash"] for row in rows.values() if not row["url"]]
    pages = store.seed_pages(unaddressed) if unaddressed else {}
    found = {}
    for name, row in rows.items():
        page = pages.get(row["hash"])
        found[name] = row | {"url": page["url"], "sitename": row.get("sitename") or page["sitename"]} if page else row
    return found


def _corpus_entry(folder: Path, name: str, row: dict[str, Any] | None) -> dict[str, Any]:
    """A seed file as the corpus page lists it: its number, title, how it came
    (a seed, an accepted candidate, a file no crawl has read yet) and when."""
    number = int(SEED_NAME.match(name)["seq"])  # type: ignore[index]
    if row is None:  # put in the folder since the last crawl: the file says its title
        try:
            title = headline(read_seed(folder / name).text)
        except (OSError, SeedFormatError) as exc:
            title = f"(cannot be read: {exc})"
        return {"name": name, "number": number, "title": title, "how": "no crawl has read it yet", "site": "",
                "when": "", "queue_seq": None, "url": "", "byline": ""}  # fmt: skip
    accepted = row["status"] == "accepted"
    return {
        "name": name, "number": number, "title": current_title(row) or name,
        "how": "accepted" if accepted else "seed", "site": site_name(row) if row["url"] else "",
        "when": ((row["decided_at"] if accepted else row["first_seen"]) or "")[:16].replace("T", " "),  # as the queue
        "queue_seq": row["queue_seq"] if accepted else None,
        "url": row["url"], "byline": site_line(row, unknown=None) if row["url"] else "",  # what a citation needs
    }  # fmt: skip


def _after_decision(row: dict[str, Any], following: int | None) -> Any:
    """On to the next candidate of the queue being walked, with the decision's undo at hand."""
    walk = walk_of(request.args)
    if following is None:
        return redirect(url_for("queue", undo=row["queue_seq"], **walk))
    return redirect(url_for("candidate", ident=following, undo=row["queue_seq"], **walk))


class BindRefused(ValueError):
    """An address `seedcrawl serve` will not listen on without being told to."""


def check_bind(host: str, allow_remote: bool, token: str | None) -> str | None:
    """The access token a bind needs (None on loopback). Raises BindRefused."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return None
    if not allow_remote:
        raise BindRefused(
            f"--host {host} would show the queue to other machines; add --allow-remote (it needs a token) "
            "or keep the default 127.0.0.1"
        )
    return token or secrets.token_urlsafe(24)
