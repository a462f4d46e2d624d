"""systemd units for the nightly scheduler, written for the install at hand.

A unit names absolute paths (the virtual environment's Python, the clone),
so one checked-in file cannot work for everyone: ``seedcrawl service``
writes the unit for this clone, and deploy/ keeps the two written for the
conventional places (``~/seedcrawl`` for a user install, ``/opt/seedcrawl``
for a system one), which tests keep equal to what this module writes.

How it stops: ``KillMode=mixed`` sends SIGTERM to the scheduler alone; the
scheduler passes one SIGTERM to a running crawl, which closes cleanly
within ``schedule.shutdown_timeout``; systemd waits longer than that
(``TimeoutStopSec``) before it kills what is left. A configuration error
(exit status 2) is not restarted every minute: it needs a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Seconds systemd waits past the crawl's own shutdown timeout: the scheduler
# records the run after the crawl has closed.
STOP_MARGIN = 30


@dataclass(frozen=True)
class Install:
    """Where seedcrawl lives, as the unit must name it."""

    project: str  # the clone (working directory), absolute or with a systemd specifier
    python: str  # the virtual environment's interpreter
    system: bool = False  # a system service (else a user service)
    user: str | None = None  # the account a system service runs as
    shutdown_timeout: int = 120  # schedule.shutdown_timeout
    arguments: tuple[str, ...] = ()  # scheduler.py's own (--sources, --storage), when not the defaults


def render_unit(install: Install) -> str:
    """The text of seedcrawl.service for this install."""
    wants = (
        # Only a system manager knows when the network is up; in a user unit
        # these lines do nothing (systemd.special(7)).
        "After=network-online.target\nWants=network-online.target\n" if install.system else ""
    )
    account = f"User={install.user}\n" if install.system and install.user else ""
    target = "multi-user.target" if install.system else "default.target"
    how = (
        "sudo systemctl daemon-reload && sudo systemctl enable --now seedcrawl\n"
        "#   logs: journalctl -u seedcrawl -f    stop: sudo systemctl stop seedcrawl"
        if install.system
        else "systemctl --user daemon-reload && systemctl --user enable --now seedcrawl\n"
        '#   loginctl enable-linger "$USER"   # keep it running when you log out\n'
        "#   logs: journalctl --user -u seedcrawl -f    stop: systemctl --user stop seedcrawl"
    )
    place = "/etc/systemd/system/" if install.system else "~/.config/systemd/user/"
    return f"""# seedcrawl nightly scheduler ({"system" if install.system else "user"} service).
# Written by `seedcrawl service{" --system" if install.system else ""}` for the clone in {install.project}.
# Install: save as {place}seedcrawl.service, then
#   {how}
[Unit]
Description=seedcrawl nightly corpus crawl (APScheduler)
Documentation=file://{install.project}/README.md
{wants}
[Service]
Type=simple
{account}WorkingDirectory={install.project}
ExecStart={" ".join((install.python, f"{install.project}/scheduler.py", *install.arguments))}
Environment=PYTHONUNBUFFERED=1
# Logs go to the journal, one line each, under this name.
StandardOutput=journal
StandardError=journal
SyslogIdentifier=seedcrawl
# SIGTERM to the scheduler alone; it stops a running crawl cleanly within
# schedule.shutdown_timeout ({install.shutdown_timeout} s); systemd kills what is left after that.
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec={install.shutdown_timeout + STOP_MARGIN}
Restart=on-failure
RestartSec=60
# Exit status 2 is a configuration or storage problem: restarting cannot fix it.
RestartPreventExitStatus=2

[Install]
WantedBy={target}
"""


def for_checkout(
    project: Path, python: Path, system: bool, user: str | None, shutdown_timeout: int, arguments: tuple[str, ...] = ()
) -> Install:
    return Install(str(project.resolve()), str(python), system, user, shutdown_timeout, arguments)


# The two units in deploy/, for the conventional places.
USER_EXAMPLE = Install("%h/seedcrawl", "%h/seedcrawl/.venv/bin/python")
SYSTEM_EXAMPLE = Install("/opt/seedcrawl", "/opt/seedcrawl/.venv/bin/python", system=True, user="seedcrawl")
