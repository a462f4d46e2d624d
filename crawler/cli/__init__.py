"""The `seedcrawl` command: a thin layer over the library.

One module per kind of command (``decide``: the review loop; ``corpus``:
texts, search, export, report; ``operations``: demo, schedule, service,
status), each command calling one library function and rendering what it
returns; ``group`` turns library errors into one line and an exit status.
"""

from __future__ import annotations

from . import corpus, decide, operations  # noqa: F401 - each registers its commands on the group
from .group import cli


def main() -> None:
    cli.main(prog_name="seedcrawl")


__all__ = ["cli", "main"]
