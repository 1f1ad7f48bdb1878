"""Python owns the Qt objects it keeps handles to: menu entries are QActions made in Python, and no item Qt
made is fetched from a model (app/ui/menu_actions.py says why: stale wrappers crashed CI twice at stop 22)."""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtWidgets import QMenu

from app.ui.menu_actions import add_action

UI = Path(__file__).resolve().parents[2] / "app" / "ui"


def _calls(root: Path, found_by) -> list[str]:
    """file:line of every call under `root` that `found_by(call)` picks."""
    return [f"{path.relative_to(root.parent)}:{node.lineno}"
            for path in sorted(root.rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and found_by(node)]


def _text_form_add_action(call: ast.Call) -> bool:
    """`menu.addAction("Text", ...)` / `menu.addAction(f"...")` / `addAction(label)`: Qt makes the action in C++."""
    first = call.args[0] if call.args else None
    return (call.func.attr == "addAction" and isinstance(first, (ast.Constant, ast.JoinedStr, ast.Name))
            and not (isinstance(first, ast.Name) and first.id in ("act", "action")))


def _item_from_a_model(call: ast.Call) -> bool:
    """`something.model().item(...)`: a QStandardItem Qt made, whose wrapper can outlive it."""
    inner = call.func.value
    return (call.func.attr == "item" and isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
            and inner.func.attr == "model")


def _string_form_add_actions(root: Path) -> list[str]:
    return _calls(root, _text_form_add_action)


def _items_fetched_from_a_model(root: Path) -> list[str]:
    return _calls(root, _item_from_a_model)


def test_no_menu_entry_is_made_by_qt_from_text():
    assert _string_form_add_actions(UI) == []


def test_the_check_finds_a_text_form_entry(tmp_path):
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "m.py").write_text('menu.addAction("Quit", close)\nmenu.addAction(act)\n')
    assert _string_form_add_actions(tmp_path / "ui") == ["ui/m.py:1"]


def test_an_entry_calls_its_slot_without_the_checked_flag(qtbot):
    menu = QMenu()
    calls = []
    action = add_action(menu, "&Play", lambda *a: calls.append(a), "Ctrl+P")
    action.trigger()
    assert calls == [()]
    assert action.parent() is menu and menu.actions() == [action]
    assert action.shortcut().toString() == "Ctrl+P"



def test_no_item_qt_made_is_fetched_from_a_model():
    assert _items_fetched_from_a_model(UI) == []


def test_the_model_item_check_finds_one(tmp_path):
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "d.py").write_text('x = combo.model().item(3)\ny = table.item(1, 0)\n')
    assert _items_fetched_from_a_model(tmp_path / "ui") == ["ui/d.py:1"]
