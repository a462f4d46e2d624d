"""Shared fixtures. The network is used only on loopback (the sample web)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SEEDS = DATA / "seeds"


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A writable copy of the five seed documents."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def labelled() -> list[dict]:
    """Real labelled news: UK Huawei-ban coverage and unrelated security news."""
    with (DATA / "relevance" / "sample.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def pytest_terminal_summary(terminalreporter) -> None:
    """The fault-injection table (tests/test_faults.py): every fault, what
    happened, and what was lost (which must be nothing)."""
    from .faults import TABLE

    if not TABLE:
        return
    width = max(len(fault) for fault, _, _ in TABLE)
    terminalreporter.section("fault injection: what each fault did, and what it lost")
    terminalreporter.write_line(f"{'fault':<{width}}  {'data lost':<9}  outcome")
    for fault, outcome, lost in TABLE:
        terminalreporter.write_line(f"{fault:<{width}}  {lost:<9}  {outcome}")
