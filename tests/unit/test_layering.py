"""The layering rules of DESIGN.md §1, checked on the source (including imports inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _modules(sub: str, root: Path = APP) -> list[Path]:
    return sorted((root / sub).rglob("*.py"))


def _violations(sub: str, forbidden: tuple[str, ...], root: Path = APP) -> list[str]:
    found = []
    for path in _modules(sub, root):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(root.parent)} imports {name}")
    return found


def test_core_is_headless():
    assert _modules("core"), "app/core has no modules"
    assert _violations("core", ("PySide6", "shiboken6", "app.ui", "app.cli")) == []


def test_ui_does_not_import_cli():
    assert _violations("ui", ("app.cli",)) == []


def test_cli_does_not_import_ui():
    assert _violations("cli", ("app.ui", "PySide6")) == []


@pytest.mark.parametrize("a,b", [("core/analysis", "app.core.model"), ("core/model", "app.core.analysis"),
                                 # the model reads the catalogue: the catalogue's audio import is handed the
                                 # analysis's beat finder by the app instead of importing it
                                 ("core/catalogue", "app.core.analysis")])
def test_analysis_and_model_do_not_import_each_other(a, b):
    assert _violations(a, (b,)) == []


def test_the_checker_catches_a_violation(tmp_path):
    bad = tmp_path / "app" / "core"
    bad.mkdir(parents=True)
    (bad / "x.py").write_text("def f():\n    from PySide6 import QtCore\n")
    assert _violations("core", ("PySide6",), tmp_path / "app") == ["app/core/x.py imports PySide6"]


MAX_LINES = 400  # DESIGN.md's house style: files of 100–400 lines; past that, a file holds two things


def _too_long(root: Path, limit: int = MAX_LINES) -> list[str]:
    return [f"{p.relative_to(root.parent)}: {n} lines" for p in sorted(root.rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > limit]


def test_no_source_file_grows_past_the_house_limit():
    assert _too_long(APP) == []


def test_the_length_check_catches_a_long_file(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "app" / "short.py").write_text("x = 1\n" * MAX_LINES)
    assert _too_long(tmp_path / "app") == [f"app/long.py: {MAX_LINES + 1} lines"]
