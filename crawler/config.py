"""One crawl's configuration: sources.toml and the -a arguments, resolved once.

The crawl command resolves them before the engine starts (a mistake is one
line and exit status 2, not a traceback from inside it) and writes every
value into the Scrapy settings: each sources.toml value as
``SEEDCRAWL_<FIELD>`` (``SEEDCRAWL_MAX_PAGES``, ``SEEDCRAWL_SEED_URLS``...),
the limits Scrapy itself enforces under Scrapy's names
(``CONCURRENT_REQUESTS_PER_DOMAIN``, ``DOWNLOAD_TIMEOUT``,
``DOWNLOAD_MAXSIZE``), and the address guard's allow-list. Components read
settings, nothing else: ``RunConfig.from_settings``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .seedfile import read_seeds
from .sources import MAX_PAGES, SCHEMA, Sources, SourcesError, load_sources, whole_number

if TYPE_CHECKING:  # the review commands import this module; Scrapy costs them 0.2 s
    from scrapy.settings import BaseSettings

# The -a arguments of `scrapy crawl related`, the only place they are named.
ARGUMENTS = ("sources", "storage", "max_pages", "max_depth", "run_id")
RESOLVED = "SEEDCRAWL_RESOLVED"
RUN_ID = "SEEDCRAWL_RUN_ID"


def setting_name(field: str) -> str:
    """The setting a sources.toml value travels in (its file's path: SEEDCRAWL_SOURCES)."""
    return "SEEDCRAWL_SOURCES" if field == "path" else f"SEEDCRAWL_{field.upper()}"


@dataclass(frozen=True)
class RunConfig:
    """What one crawl runs with: its sources, its storage folder, and the run
    row to continue (the scheduler makes it before starting the crawl)."""

    sources: Sources
    storage: Path
    run_id: int | None = None

    @classmethod
    def resolve(cls, settings: BaseSettings, args: Mapping[str, str | None]) -> RunConfig:
        """From -a arguments over settings; SourcesError / SeedFormatError with one line."""
        unknown = sorted(set(args) - set(ARGUMENTS))
        if unknown:
            raise SourcesError(
                f"unknown -a argument {unknown[0]!r}; the related spider takes "
                + ", ".join(f"-a {name}=..." for name in ARGUMENTS if name != "run_id")
            )
        loaded = load_sources(args.get("sources") or settings.get("SEEDCRAWL_SOURCES"))
        limits = SCHEMA["limits"]  # -a overrides get the bounds sources.toml has
        loaded = loaded.with_overrides(
            max_pages=_int_arg("max_pages", args.get("max_pages"), low=1, high=limits["max_pages"].most),
            max_depth=_int_arg("max_depth", args.get("max_depth"), high=limits["max_depth"].most),
        )
        # SeedFormatError: one line naming the file, before the crawl starts. A file
        # that vanishes meanwhile (a reviewer's undo) is passed over.
        if not list(read_seeds(loaded.seeds_dir)):
            raise SourcesError(
                f"{loaded.path}: no seed documents (NNN_<hex>.txt files) beside it in {loaded.seeds_dir}; "
                "the relevance model is learned from them"
            )
        storage = Path(args.get("storage") or settings.get("SEEDCRAWL_STORAGE"))
        return cls(loaded, storage, _int_arg("run_id", args.get("run_id"), high=2**63 - 1))

    def apply(self, settings: BaseSettings) -> None:
        """Write every value into ``settings`` (before the crawler copies them)."""
        for field in dataclasses.fields(Sources):
            value = getattr(self.sources, field.name)
            settings.set(setting_name(field.name), str(value) if isinstance(value, Path) else value, "cmdline")
        settings.set("SEEDCRAWL_STORAGE", str(self.storage), "cmdline")
        settings.set(RUN_ID, self.run_id, "cmdline")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", self.sources.per_domain_concurrency, "cmdline")
        settings.set("DOWNLOAD_TIMEOUT", self.sources.download_timeout, "cmdline")
        settings.set("DOWNLOAD_MAXSIZE", self.sources.max_body_bytes, "cmdline")
        allowed = [*settings.getlist("SEEDCRAWL_ALLOW_HOSTS"), *self.sources.allow_hosts]
        settings.set("SEEDCRAWL_ALLOW_HOSTS", sorted(set(allowed)), "cmdline")
        settings.set(RESOLVED, True, "cmdline")

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RunConfig:
        """What ``apply`` wrote, read back; resolved from settings alone when
        nothing was (a crawl started without the crawl command)."""
        if not settings.getbool(RESOLVED):
            return cls.resolve(settings, {})
        fields = dataclasses.fields(Sources)
        values: dict[str, Any] = {field.name: settings.get(setting_name(field.name)) for field in fields}
        values["path"] = Path(values["path"])
        run_id = settings.get(RUN_ID)
        return cls(Sources(**values), Path(settings["SEEDCRAWL_STORAGE"]), None if run_id is None else int(run_id))


def _int_arg(name: str, value: str | None, low: int = 0, high: int | None = None) -> int | None:
    return None if value is None else whole_number(f"-a {name}", value, low=low, high=high or MAX_PAGES)


def crawl_command(
    sources: Path, storage: Path, log_file: Path | None = None, *extra: str, run_id: int | None = None
) -> list[str]:
    """The `scrapy crawl related` command line, run with this Python (the
    scheduler's and the demo's child process)."""
    return [
        sys.executable, "-m", "scrapy", "crawl", "related",
        "-a", f"sources={sources}", "-a", f"storage={storage}",
        *(["-a", f"run_id={run_id}"] if run_id is not None else []),
        *(["-s", f"LOG_FILE={log_file}"] if log_file is not None else []),
        *extra,
    ]  # fmt: skip


def crawl_environment() -> dict[str, str]:
    """The child's environment: ours, with seedcrawl's Scrapy settings module
    (a crawl started from any folder finds them)."""
    return {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
