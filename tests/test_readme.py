"""The README's promises: its test command is what CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_is_two_commands_demo_then_tests() -> None:
    demo, tests = quick_start_commands()
    assert demo.endswith("seedcrawl demo")
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == quick_start_commands()[1]


def test_every_seedcrawl_setting_is_documented() -> None:
    from crawler import settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [name for name in dir(settings) if name.startswith("SEEDCRAWL_")]
    assert len(names) >= 6
    for name in names:
        assert f"`{name}`" in readme, f"{name} is not documented in README.md"
