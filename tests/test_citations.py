"""`seedcrawl export --format ris|csl`: the accepted articles as citations a
reference manager imports (RIS: Zotero, Mendeley, EndNote; CSL JSON: Zotero,
pandoc). Read back with rispy, as an importer reads them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import rispy
from click.testing import CliRunner

from crawler.cli import cli
from crawler.dates import settle
from crawler.store import Store

from .test_store import make_doc

STORY = "UK orders Huawei out of 5G\n\nThe UK said Huawei must leave its 5G networks by 2027, citing security."


def _storage(folder: Path) -> Path:
    """Three candidates: bylined by two, by none and undated; the first two accepted."""
    store = Store(folder / "storage")
    run = store.start_run("sources.toml")
    docs = [
        dataclasses.replace(make_doc(STORY, url="https://news.example.org/uk-huawei?utm_source=x"),
                            canonical_url="https://news.example.org/uk-huawei", sitename="Example News",
                            author="Jane Doe; John Roe", dates=settle({"htmldate": "2020-07-14"})),
        dataclasses.replace(make_doc(STORY.replace("2027", "2028"), url="https://wire.example.com/a"), sitename=None,
                            dates=settle({})),
        make_doc(STORY.replace("UK", "Britain"), url="https://other.example.net/b"),
    ]  # fmt: skip
    for doc in docs:
        store.add_candidate(doc, run)
    store.close()
    (folder / "seeds").mkdir()
    where = ["--storage", str(folder / "storage"), "--seeds", str(folder / "seeds")]
    for ident in ("0", "1"):
        assert CliRunner().invoke(cli, ["accept", ident, *where]).exit_code == 0
    return folder / "storage"


def test_accepted_articles_export_as_ris_records_an_importer_reads(tmp_path: Path) -> None:
    storage = _storage(tmp_path)
    result = CliRunner().invoke(cli, ["export", "--format", "ris", "--storage", str(storage)])
    assert result.exit_code == 0, result.output
    assert result.output.lstrip().startswith("TY  - NEWS")  # no numbered line before the first tag
    records = rispy.loads(result.output)
    assert len(records) == 2  # the accepted ones, not the candidate still waiting
    first, second = records
    assert first["type_of_reference"] == "NEWS" and first["title"] == "UK orders Huawei out of 5G"
    assert first["authors"] == ["Jane Doe", "John Roe"] and first["secondary_title"] == "Example News"
    assert first["year"] == "2020" and first["date"] == "2020/07/14/"
    assert first["urls"] == ["https://news.example.org/uk-huawei"]  # the canonical address, no tracking
    assert first["access_date"].count("/") == 3 and first["id"].startswith("000_")
    assert "authors" not in second and second["secondary_title"] == "wire.example.com"  # no site name: its host
    assert "date" not in second and "year" not in second  # no date is better than a wrong one
    pending = CliRunner().invoke(cli, ["export", "--format", "ris", "--status", "pending", "--storage", str(storage)])
    assert [r["urls"] for r in rispy.loads(pending.output)] == [["https://other.example.net/b"]]


def test_accepted_articles_export_as_a_csl_json_array(tmp_path: Path) -> None:
    storage = _storage(tmp_path)
    out = tmp_path / "corpus.json"
    result = CliRunner().invoke(cli, ["export", "--format", "csl", "-o", str(out), "--storage", str(storage)])
    assert result.exit_code == 0, result.output
    first, second = json.loads(out.read_text(encoding="utf-8"))
    assert first["type"] == "article-newspaper" and first["container-title"] == "Example News"
    assert first["author"] == [{"literal": "Jane Doe"}, {"literal": "John Roe"}]
    assert first["issued"] == {"date-parts": [[2020, 7, 14]]} and first["URL"] == "https://news.example.org/uk-huawei"
    assert len(first["accessed"]["date-parts"][0]) == 3 and first["id"] != second["id"]
    assert "author" not in second and "issued" not in second


def test_a_date_is_cited_as_far_as_it_goes() -> None:
    from crawler.citations import date_parts, ris_date

    assert date_parts("2020-07-14T08:00:00+00:00") == [2020, 7, 14] and date_parts("2020-07") == [2020, 7]
    assert date_parts(None) == [] and date_parts("July 2020") == []
    assert ris_date([2020, 7]) == "2020/07//" and ris_date([2020, 7, 14]) == "2020/07/14/" and ris_date([]) is None


def test_the_corpus_page_offers_the_same_citations(tmp_path: Path) -> None:
    """The browser's corpus page links the accepted articles' citations, the file `export` writes."""
    from crawler.web import create_app

    storage = _storage(tmp_path)
    client = create_app(storage, tmp_path / "seeds").test_client()
    page = client.get("/corpus").get_data(as_text=True)
    assert 'href="/corpus/citations.ris"' in page and 'href="/corpus/citations.csl"' in page
    ris = client.get("/corpus/citations.ris")
    assert ris.headers["Content-Disposition"] == 'attachment; filename="corpus.ris"'
    assert ris.mimetype == "application/x-research-info-systems"
    exported = CliRunner().invoke(cli, ["export", "--format", "ris", "--storage", str(storage)]).output
    assert ris.get_data(as_text=True) == exported and len(rispy.loads(exported)) == 2
    csl = client.get("/corpus/citations.csl")
    assert csl.headers["Content-Disposition"] == 'attachment; filename="corpus.json"'
    assert [item["title"] for item in json.loads(csl.get_data(as_text=True))] == [STORY.split("\n")[0]] * 2
    assert client.get("/corpus/citations.bib").status_code == 404
