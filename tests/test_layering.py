"""Imports point one way: bot -> services -> briefs -> storage -> news (docs/architecture.md)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.paths import ROOT

# Left to right: a package may import the packages to its right, never one to its left.
LAYERS = ("bot", "services", "briefs", "storage", "news")
# Libraries a package must not import: news/ understands text and does no I/O of its own;
# only bot/ talks to Telegram; only storage/ builds SQL.
FORBIDDEN = {
    "news": {"sqlalchemy", "alembic", "psycopg", "telegram", "aiohttp", "requests", "httpx",
             "socket", "urllib.request", "http.client", "jinja2"},
    "storage": {"telegram", "aiohttp", "jinja2"},
    "briefs": {"telegram", "aiohttp"},
    "services": {"telegram"},
}
# SQL is built in storage/ alone: elsewhere SQLAlchemy may name sessions, engines and errors.
SQL_BUILDERS = {"select", "text", "insert", "update", "delete", "func", "and_", "or_", "literal"}
FROZEN = "storage/migrations/versions/"  # frozen history: imports no project code at all


def imports(root: Path) -> Iterator[tuple[str, int, str, set[str]]]:
    """Yield (file, line, module, names imported from it) for every absolute import."""
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            for node in ast.walk(ast.parse(path.read_text(), filename=name)):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        yield name, node.lineno, alias.name, set()
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    yield name, node.lineno, node.module, {a.name for a in node.names}


def _names(module: str, banned: set[str]) -> bool:
    return any(module == b or module.startswith(b + ".") for b in banned)


def wrong_way(root: Path) -> list[str]:
    """Return "file:line module" of every import of a package to the importer's left."""
    found = []
    for name, line, module, _ in imports(root):
        own, top = name.split("/")[0], module.split(".")[0]
        if top in LAYERS and LAYERS.index(top) < LAYERS.index(own):
            found.append(f"{name}:{line} {module}")
        if name.startswith(FROZEN) and top in LAYERS:
            found.append(f"{name}:{line} {module}")
    return found


def forbidden_libraries(root: Path) -> list[str]:
    """Return "file:line module" of every library import a package must not make."""
    return [f"{name}:{line} {module}" for name, line, module, _ in imports(root)
            if _names(module, FORBIDDEN.get(name.split("/")[0], set()))]


def sql_outside_storage(root: Path) -> list[str]:
    """Return "file:line" of every SQL-building import from SQLAlchemy outside storage/."""
    return [f"{name}:{line} {module}" for name, line, module, names in imports(root)
            if not name.startswith("storage/") and _names(module, {"sqlalchemy"})
            and (names & SQL_BUILDERS or module in ("sqlalchemy.sql", "sqlalchemy.sql.expression"))]


def test_imports_point_one_way():
    assert wrong_way(ROOT) == []


def test_no_package_imports_a_library_outside_its_job():
    assert forbidden_libraries(ROOT) == []


def test_only_storage_builds_sql():
    assert sql_outside_storage(ROOT) == []


def test_orm_models_stay_in_storage():
    leaks = [f"{name}:{line}" for name, line, module, _ in imports(ROOT)
             if module == "storage.models" and not name.startswith("storage/")]
    assert leaks == []


def test_the_checks_see_a_wrong_import(tmp_path):
    for package, line in [("news", "import sqlalchemy\nfrom storage.db import make_engine\n"),
                          ("services", "from sqlalchemy import select\nimport telegram\n"),
                          ("storage", "from services import news\n")]:
        (tmp_path / package).mkdir()
        (tmp_path / package / "bad.py").write_text(line)
    for package in set(LAYERS) - {"news", "services", "storage"}:
        (tmp_path / package).mkdir()
    assert sorted(wrong_way(tmp_path)) == ["news/bad.py:2 storage.db", "storage/bad.py:1 services"]
    assert sorted(forbidden_libraries(tmp_path)) == ["news/bad.py:1 sqlalchemy",
                                                     "services/bad.py:2 telegram"]
    assert sql_outside_storage(tmp_path) == ["services/bad.py:1 sqlalchemy"]
