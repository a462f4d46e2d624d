"""The `seedcrawl` group and its error edge.

Library errors become one line on stderr: exit status 2 for what the user
must fix (sources.toml, a seed file, the storage folder or its database),
1 for a decision that cannot be made; ``--debug`` shows the traceback
instead."""

from __future__ import annotations

import sqlite3

import click
from rich.console import Console

from ..review import ReviewError
from ..seedfile import SeedFormatError
from ..sources import SourcesError
from ..store import QueryError, StoreError, explain_storage_error

console = Console()


# Errors the user fixes (exit 2) and decisions that cannot be made (exit 1).
SETUP_ERRORS = (SourcesError, StoreError, SeedFormatError)


DECISION_ERRORS = (ReviewError, QueryError, FileNotFoundError)


class SetupProblem(click.ClickException):
    """A problem with the configuration or the storage: exit status 2."""

    exit_code = 2


class SeedcrawlGroup(click.Group):
    """Turns the library's errors into one-line messages (tracebacks with --debug)."""

    def invoke(self, ctx: click.Context):
        def debug() -> bool:  # set by the group's callback, inside super().invoke
            return bool(ctx.obj and ctx.obj.get("debug"))

        try:
            return super().invoke(ctx)
        except SETUP_ERRORS as exc:
            if debug():
                raise
            raise SetupProblem(str(exc)) from exc
        except DECISION_ERRORS as exc:
            if debug():
                raise
            raise click.ClickException(str(exc)) from exc
        except (sqlite3.Error, OSError) as exc:
            message = explain_storage_error(exc)
            if message is None or debug():
                raise
            raise SetupProblem(message) from exc


@click.group(cls=SeedcrawlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """seedcrawl: grow a research corpus with documents like your seeds."""
    ctx.obj = {"debug": debug}
