"""systemd units: written for the install at hand, checked by systemd itself."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.service import SYSTEM_EXAMPLE, USER_EXAMPLE, Install, render_unit

ROOT = Path(__file__).resolve().parents[1]


def test_the_units_in_deploy_are_what_seedcrawl_service_writes() -> None:
    assert (ROOT / "deploy" / "seedcrawl.service").read_text() == render_unit(USER_EXAMPLE)
    assert (ROOT / "deploy" / "seedcrawl-system.service").read_text() == render_unit(SYSTEM_EXAMPLE)


@pytest.mark.parametrize("install", [USER_EXAMPLE, SYSTEM_EXAMPLE], ids=["user", "system"])
def test_a_unit_stops_cleanly_and_does_not_restart_on_a_configuration_error(install: Install) -> None:
    unit = render_unit(install)
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit, re.MULTILINE))
    assert settings["KillMode"] == "mixed" and settings["KillSignal"] == "SIGTERM"
    assert int(settings["TimeoutStopSec"]) > install.shutdown_timeout
    assert settings["RestartPreventExitStatus"] == "2" and settings["Restart"] == "on-failure"
    assert settings["StandardError"] == "journal"
    # network-online.target means something to the system manager only.
    assert ("network-online.target" in unit) == install.system
    assert settings["WantedBy"] == ("multi-user.target" if install.system else "default.target")


def test_seedcrawl_service_writes_a_unit_for_this_clone() -> None:
    result = CliRunner().invoke(cli, ["service", "--storage", str(ROOT / "storage")], catch_exceptions=False)
    assert result.exit_code == 0
    assert f"ExecStart={sys.executable} {ROOT}/scheduler.py\n" in result.output
    assert f"WorkingDirectory={ROOT}\n" in result.output
    system = CliRunner().invoke(cli, ["service", "--system", "--user", "crawler", "--storage", str(ROOT / "storage")])
    assert "User=crawler\n" in system.output and "WantedBy=multi-user.target" in system.output


def verify(unit: str, folder: Path) -> subprocess.CompletedProcess[str]:
    path = folder / "seedcrawl.service"
    path.write_text(unit)
    return subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
@pytest.mark.parametrize("system", [False, True], ids=["user", "system"])
def test_systemd_accepts_the_unit_written_for_this_clone(tmp_path: Path, system: bool) -> None:
    install = Install(str(ROOT), sys.executable, system=system, user="root" if system else None)
    result = verify(render_unit(install), tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    # The check is real: the same unit naming a Python that is not there fails it.
    broken = verify(render_unit(Install(str(ROOT), "/nonexistent/.venv/bin/python", system=system)), tmp_path)
    assert broken.returncode != 0 or "is not executable" in broken.stderr
