"""`scrapy crawl`, with seedcrawl's configuration checked before the engine starts.

A mistake in sources.toml or an unusable storage folder would otherwise
surface as a traceback from inside the engine and an exit status of 0.
Checked here, it is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from ..sources import SourcesError
from ..spiders.related import RelatedSpider, resolve_config
from ..store import Store, StoreError


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args and args[0] == RelatedSpider.name:
            try:
                _, storage = resolve_config(self.settings, **_config_args(opts.spargs))
                Store(storage).close()
            except (SourcesError, StoreError) as exc:
                print(f"seedcrawl: {exc}", file=sys.stderr)
                self.exitcode = 2
                return
        super().run(args, opts)


def _config_args(spargs: dict[str, str]) -> dict[str, str | None]:
    return {key: spargs.get(key) for key in ("sources", "storage", "max_pages", "max_depth")}
