"""The package's layers depend downward only (DESIGN.md, "Layers").

From the bottom: the rules (``validators``, ``sync.core``) and their accelerators beside them
(``sync.speed``, which may use the rules; the rules never use it) → the sources and what reads
input (``sync.sources``, ``sync.state``, config loading, the demo generator, the test doubles in
``sync.testing``) → the library's pass-and-write (``sync.service``) → the daemon → the thin
front ends (``sync.cli``, ``sync.buttons``). ``sync.errors`` is the one error tree, below all.

The rules also never fork, thread, open zips or databases, or talk to sockets: the standard
modules for that are named below and may not be imported there.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (module prefix, layer): a module may import from its own layer and the ones below it.
LAYERS: tuple[tuple[str, int], ...] = (
    ("sync.errors", 0),
    ("validators", 0),
    ("sheets_templates", 0),
    ("sync.core", 1),
    ("sync.speed", 2),
    ("sync.sources", 3),
    ("sync.testing", 3),
    ("sync.state", 3),
    ("sync.template", 3),
    ("sync.config_load", 3),
    ("sync.demo", 3),
    ("sync.service", 4),
    ("sync.daemon", 5),
    ("sync.cli", 6),
    ("sync.buttons", 6),
    ("sync.__main__", 6),
)

# Standard modules the rules may not use (they would make a pure stage do I/O or concurrency).
NOT_IN_RULES = frozenset(
    ("threading", "multiprocessing", "subprocess", "sqlite3", "zipfile", "socket", "concurrent")
)

# Imports that run against the layers today, each to be removed by the restructure; the list
# only shrinks (a test below fails on an entry that no longer occurs).
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("sync.core.dedupe", "sync.speed.incremental"),
        ("sync.core.dedupe", "sync.speed.lifetime"),
    }
)


def _layer(module: str) -> int | None:
    if module == "sync":  # the top package itself holds nothing
        return 0
    found = [(len(p), layer) for p, layer in LAYERS if module == p or module.startswith(p + ".")]
    return max(found)[1] if found else None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module the file imports, at any depth (lazy imports inside functions count)."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from sync.speed import incremental` imports the module sync.speed.incremental
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _sources() -> list[Path]:
    return sorted(p for d in ("sync", "validators") for p in (ROOT / d).rglob("*.py"))


def _violations() -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for path in _sources():
        here = _module_name(path)
        mine = _layer(here)
        assert mine is not None, f"{here} belongs to no layer: add it to LAYERS"
        for imported in _imports(path):
            theirs = _layer(imported)
            if theirs is not None and theirs > mine:
                # a name imported from a package resolves to the deepest module that exists
                out.add((here, imported))
            if mine <= 1 and imported.split(".")[0] in NOT_IN_RULES:
                out.add((here, imported))
    return {(a, b) for a, b in out if not _is_attribute(b)}


def _is_attribute(imported: str) -> bool:
    """``from pkg import name`` where ``name`` is a function or class, not a module."""
    parts = imported.split(".")
    base = ROOT.joinpath(*parts)
    return not (base.with_suffix(".py").exists() or (base / "__init__.py").exists())


def test_every_module_has_a_layer_and_imports_only_downward() -> None:
    new = sorted(_violations() - ALLOWED)
    assert not new, "imports that run up the layers:\n" + "\n".join(f"{a} -> {b}" for a, b in new)


def test_allowed_list_only_shrinks() -> None:
    gone = sorted(ALLOWED - _violations())
    assert not gone, "no longer needed, remove from ALLOWED: " + ", ".join(map(str, gone))


@pytest.mark.parametrize("module", sorted(NOT_IN_RULES))
def test_the_rules_use_no_concurrency_or_io_module(module: str) -> None:
    for path in _sources():
        here = _module_name(path)
        if (_layer(here) or 0) <= 1:
            assert all(i.split(".")[0] != module for i in _imports(path)), (here, module)


def test_the_layer_check_can_fail(tmp_path: Path) -> None:
    """A rule module that imports the daemon is caught (the check reads real source text)."""
    probe = tmp_path / "probe.py"
    probe.write_text("from sync.daemon import runner\nimport threading\n", "utf-8")
    imported = _imports(probe)
    assert "sync.daemon.runner" in imported
    assert _layer("sync.daemon.runner") == 5 > (_layer("sync.core.engine") or 0)
    assert "threading" in imported
