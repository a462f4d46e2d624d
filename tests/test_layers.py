"""The arrows DESIGN.md forbids, read from every module's imports.

A module's dependencies are what it imports at run time, at the top or
inside a function (imports under ``if TYPE_CHECKING:`` are for the type
checker only and do not count), followed through every crawler module
they lead to.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "crawler"

# DESIGN.md's pure core: no Scrapy, no Twisted, no SQL (summary: the words of
# the progress line, shared with the demo).
PURE = (
    "aggregators", "boilerplate", "dates", "dedup", "extract", "feeds", "frequencies", "linklearn", "relevance",
    "given", "seedfile", "sources", "summary", "topic_counts", "traps", "words",
)  # fmt: skip
FRAMEWORKS_AND_SQL = ("scrapy", "twisted", "sqlite3", "sqlite_utils", "crawler.store")
# What starts or steers a crawl: the browser page never reaches it.
CRAWL = ("scrapy", "twisted", "crawler.crawlrun", "crawler.spiders", "crawler.commands", "crawler.pipelines",
         "crawler.nightly", "crawler.cli")  # fmt: skip


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class _Imports(ast.NodeVisitor):
    def __init__(self, package: str) -> None:
        self.package = package
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.update(alias.name for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")[: len(self.package.split(".")) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        self.found.add(module)
        self.found.update(f"{module}.{alias.name}" for alias in node.names)  # a submodule, or a name in module


@cache
def modules() -> dict[str, tuple[ast.Module, set[str]]]:
    """Each crawler module's syntax tree and the modules it imports (a name
    imported from a module counts as that module)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        visitor = _Imports(name if path.name == "__init__.py" else name.rsplit(".", 1)[0])
        visitor.visit(tree)
        found[name] = (tree, visitor.found)

    def resolve(imported: str) -> str:
        if not imported.startswith("crawler"):
            return imported.split(".")[0]
        parts = imported.split(".")
        while ".".join(parts) not in found:
            parts.pop()
        return ".".join(parts)

    return {name: (tree, {resolve(i) for i in imported} - {name}) for name, (tree, imported) in found.items()}


def reached(start: str) -> dict[str, list[str]]:
    """Every module ``start`` reaches, with the chain of imports that leads there."""
    chains = {start: [start]}
    todo = [start]
    while todo:
        current = todo.pop()
        for imported in sorted(modules().get(current, (None, set()))[1]):
            if imported not in chains:
                chains[imported] = [*chains[current], imported]
                todo.append(imported)
    return chains


def forbidden(start: str, prefixes: tuple[str, ...]) -> list[str]:
    """The import chains from ``start`` to anything under ``prefixes``."""
    return [
        " -> ".join(chain)
        for module, chain in sorted(reached(start).items())
        if any(module == p or module.startswith(p + ".") for p in prefixes)
    ]


@pytest.mark.parametrize("module", PURE)
def test_the_pure_core_reaches_neither_scrapy_nor_twisted_nor_the_database(module: str) -> None:
    assert forbidden(f"crawler.{module}", FRAMEWORKS_AND_SQL) == []


@pytest.mark.parametrize("module", ["analysis", "workers"])
def test_the_worker_processes_never_touch_the_database(module: str) -> None:
    assert forbidden(f"crawler.{module}", ("sqlite3", "sqlite_utils", "crawler.store")) == []


def test_the_browser_page_reaches_nothing_that_starts_or_steers_a_crawl_and_not_the_cli() -> None:
    assert forbidden("crawler.web.app", CRAWL) == []


def test_only_the_store_speaks_sql_elsewhere_sqlite3_gives_its_error_classes_only() -> None:
    misuse = []
    for name, (tree, imported) in modules().items():
        if name.startswith("crawler.store"):
            continue
        if "sqlite_utils" in imported:
            misuse.append(f"{name} imports sqlite_utils")
        for node in ast.walk(tree):
            used = None
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "sqlite3":
                used = node.attr
            elif isinstance(node, ast.ImportFrom) and node.module == "sqlite3":
                used = ",".join(alias.name for alias in node.names)
            if used is not None and not all(part.endswith(("Error", "Warning")) for part in used.split(",")):
                misuse.append(f"{name} uses sqlite3.{used}")
    assert misuse == []


def test_the_import_graph_is_read_whole() -> None:
    """The rules above hold only if the graph is read: the CLI reaches the
    store and the crawl, the crawl reaches Scrapy (a reader that found no
    imports would pass every rule)."""
    assert "crawler.store" in reached("crawler.cli") and "crawler.crawlrun" in reached("crawler.commands.crawl")
    assert "scrapy" in reached("crawler.spiders.related") and "crawler.workspace" in reached("crawler.web.app")
    assert forbidden("crawler.cli", FRAMEWORKS_AND_SQL)  # a face may reach the store
