from pathlib import Path

from click.testing import CliRunner

from crawler.cli import cli

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
