"""No code path other than Catalogue.usable_works reads works' melodies (for training or anything else).

Checked on the source of the whole app: the melody column is selected only inside usable_works, only the
catalogue store builds UsableWork values, and nothing outside the catalogue package opens its SQLite file.
"""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
STORE = APP / "core" / "catalogue" / "store.py"
# facts.stored_melody_digests reads melodies only to hash them (the facts chain binds each work's melody); it
# returns digests, never a melody.
ALLOWED_MELODY_READERS = {("store.py", "usable_works"), ("facts.py", "stored_melody_digests")}
# Who may construct UsableWork values: the store, and the model area's wrapper of the public-domain Bach
# chorales shipped in resources/data (benchmarks, demo; not catalogue works). Anything new must be reviewed.
ALLOWED_USABLE_WORK_BUILDERS = {"core/catalogue/store.py", "core/model/datasets.py"}


@cache
def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


def _functions_with(tree: ast.AST, predicate) -> list[str]:
    """The names of the functions (nested ones too) with a node inside them for which `predicate` holds; a
    function holds what its nested functions hold. One walk of the tree, keeping the enclosing functions."""
    found: dict[int, str] = {}

    def visit(node: ast.AST, enclosing: tuple[ast.AST, ...]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            enclosing = (*enclosing, node)
        if enclosing and predicate(node):
            found.update((id(fn), fn.name) for fn in enclosing)  # type: ignore[attr-defined]
        for child in ast.iter_child_nodes(node):
            visit(child, enclosing)

    visit(tree, ())
    return list(found.values())


def _selects_melody(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"\bSELECT\b[^;]*\bmelody_json\b", node.value, re.IGNORECASE | re.DOTALL))
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return bool(re.search(r"\bSELECT\b.*\bmelody_json\b", text, re.IGNORECASE | re.DOTALL))
    return False


def melody_readers(root: Path) -> set[tuple[str, str]]:
    readers = set()
    for path in sorted(root.rglob("*.py")):
        tree = _tree(path)
        for name in _functions_with(tree, _selects_melody):
            readers.add((path.name, name))
        if any(_selects_melody(n) for n in tree.body if isinstance(n, (ast.Assign, ast.Expr))):
            readers.add((path.name, "<module>"))
    return readers


def test_only_usable_works_selects_melodies():
    assert melody_readers(APP) == ALLOWED_MELODY_READERS


def test_the_check_catches_another_reader(tmp_path):
    (tmp_path / "sneaky.py").write_text("def train(conn):\n    return conn.execute(\n"
                                        "        'SELECT id, melody_json FROM works').fetchall()\n")
    assert melody_readers(tmp_path) == {("sneaky.py", "train")}


def test_only_the_store_builds_usable_works():
    builders = []
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "UsableWork":
                builders.append(path.relative_to(APP).as_posix())
    assert "core/catalogue/store.py" in builders
    assert set(builders) <= ALLOWED_USABLE_WORK_BUILDERS


def test_nothing_outside_the_catalogue_opens_sqlite():
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        if path.is_relative_to(APP / "core" / "catalogue"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(import sqlite3|from sqlite3 )", text, re.MULTILINE):
            offenders.append(path.relative_to(APP).as_posix())
    assert offenders == []


def test_the_model_trains_only_on_usable_works():
    """The model's training entry point takes UsableWork values (coordinated with the model area)."""
    import importlib
    import pkgutil

    import app.core.model as model_pkg

    trains = []
    for info in pkgutil.iter_modules(model_pkg.__path__):
        module = importlib.import_module(f"app.core.model.{info.name}")
        fn = getattr(module, "train", None)
        if inspect.isfunction(fn) and fn.__module__ == module.__name__:
            trains.append(fn)
    if not trains:
        pytest.skip("the model area has no train() yet")
    for fn in trains:
        first = next(iter(inspect.signature(fn).parameters.values()))
        assert "UsableWork" in str(first.annotation), f"{fn.__module__}.train({first.name}: {first.annotation})"
