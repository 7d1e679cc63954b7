"""The layers of docs/ARCHITECTURE.md, held by reading every module's imports (ast): at the top, inside functions,
under TYPE_CHECKING, relative ones and importlib strings alike.

cli/ reaches the journal API (salesdiary/journal*.py, lookups.py), core/, render/ and prompts/, never store/;
render/ and prompts/ never store/ or cli/; core/ nothing of ours but i18n; store/ nothing above it; store/reads/
never store/writes/ (a read never loads a write's modules); nothing outside cli/ imports cli/ (but __main__)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import salesdiary

PACKAGE = Path(salesdiary.__file__).parent


def imports_of(source: str, module: str) -> set[str]:
    """The modules (and module.name for `from module import name`) SOURCE of MODULE imports, relative imports
    resolved, plus every string that names a salesdiary module (importlib.import_module's argument)."""
    package = module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("salesdiary."):
            found.add(node.value.split(":")[0])
    return found


def modules(folder: str) -> dict[str, set[str]]:
    """Each module under FOLDER (a path inside the package, or a file) and what it imports."""
    root = PACKAGE / folder
    paths = [root] if root.suffix == ".py" else sorted(root.rglob("*.py"))
    out = {}
    for path in paths:
        name = ".".join(("salesdiary", *path.relative_to(PACKAGE).with_suffix("").parts))
        out[str(path.relative_to(PACKAGE))] = imports_of(path.read_text(encoding="utf-8"), name)
    assert out, f"no module under {folder}"
    return out


def within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def breaches(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path} imports {name}"
        for path, names in modules(folder).items()
        for name in names
        if within(name, *forbidden)
    )


def test_the_reader_sees_every_kind_of_import():
    source = """
from __future__ import annotations
from typing import TYPE_CHECKING
import salesdiary.store.paths
if TYPE_CHECKING:
    from salesdiary.store.paths import Target
def f():
    from ..store import tx
    from salesdiary import store
    import importlib
    importlib.import_module("salesdiary.store.writes.records")
"""
    found = imports_of(source, "salesdiary.cli.common")
    assert {
        "salesdiary.store.paths",
        "salesdiary.store.paths.Target",
        "salesdiary.store.tx",
        "salesdiary.store",
        "salesdiary.store.writes.records",
    } <= found
    assert not within("salesdiary.storefront", "salesdiary.store")


def test_cli_never_reaches_store():
    assert breaches("cli", ("salesdiary.store",)) == []


def test_cli_reaches_only_the_journal_api_and_the_faces():
    allowed = (
        "salesdiary.cli",
        "salesdiary.core",
        "salesdiary.render",
        "salesdiary.prompts",
        "salesdiary.i18n",
        "salesdiary.journal",
        "salesdiary.lookups",
        "salesdiary.__version__",
    )
    wide = sorted(
        f"{path} imports {name}"
        for path, names in modules("cli").items()
        for name in names
        if name.startswith("salesdiary") and name != "salesdiary"
        and not within(name, *allowed) and not name.startswith("salesdiary.journal_")
    )  # fmt: skip
    assert wide == []


@pytest.mark.parametrize("folder", ["render", "prompts"])
def test_the_faces_never_reach_store_or_cli(folder):
    assert breaches(folder, ("salesdiary.store", "salesdiary.cli")) == []


def test_core_imports_nothing_of_ours_but_i18n():
    ours = sorted(
        f"{path} imports {name}"
        for path, names in modules("core").items()
        for name in names
        if within(name, "salesdiary") and not within(name, "salesdiary.core", "salesdiary.i18n")
    )
    assert ours == []


def test_store_imports_nothing_above_it():
    above = ("salesdiary.cli", "salesdiary.render", "salesdiary.prompts", "salesdiary.journal", "salesdiary.lookups")
    found = breaches("store", above) + sorted(
        f"{path} imports {name}"
        for path, names in modules("store").items()
        for name in names
        if name.startswith("salesdiary.journal_")
    )
    assert found == []


def test_a_read_never_imports_a_write():
    assert breaches("store/reads", ("salesdiary.store.writes",)) == []


def test_only_cli_imports_cli():
    outside = [
        p.name
        for p in PACKAGE.iterdir()
        if p.name not in ("cli", "__main__.py") and (p.suffix == ".py" or (p.is_dir() and any(p.rglob("*.py"))))
    ]
    assert {"core", "store", "render", "journal.py"} <= set(outside)
    assert [b for part in sorted(outside) for b in breaches(part, ("salesdiary.cli",))] == []
