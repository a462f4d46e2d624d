"""The quick start's first command installs seedcrawl editable (`pip install
-q -e .`): setuptools boxed a notice into it ("Please be careful with
folders in your working directory with the same name as your package ..."),
the first thing a new user read, about an install that had gone right."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_editable_install_says_nothing_and_runs_the_working_tree(tmp_path: Path) -> None:
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"setuptools {setuptools.__version__} here; the build needs >= 77 (pyproject's build-system)")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "crawler", project / "crawler", ignore=shutil.ignore_patterns("__pycache__"))
    # What pip runs in its build environment for `pip install -e .` (PEP 660).
    build = "from setuptools import build_meta; print(build_meta.build_editable('dist'))"
    done = subprocess.run([sys.executable, "-c", build], cwd=project, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert "Editable installation" not in said and "Please be careful" not in said, said
    with zipfile.ZipFile(project / "dist" / done.stdout.split()[-1]) as wheel:
        [pth] = [name for name in wheel.namelist() if name.endswith(".pth")]
        assert wheel.read(pth).decode().split() == [str(project)]  # imports come from the working tree
        assert not [name for name in wheel.namelist() if name.endswith("finder.py")]  # no import hook
