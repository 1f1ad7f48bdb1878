"""The set-up scripts call the project's own modules by name (`python -m app....`): a module that moves must take
the script along, or a fresh install silently skips the step. The warm-up of the model's kernels was skipped that
way after `app/core/model` was grouped by feature ("No module named app.core.model.warmup", hidden behind the
script's `|| echo Warning`), so the first suggestion compiled them instead."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted([*ROOT.glob("scripts/*.sh"), *ROOT.glob("packaging/*.sh"), ROOT / ".ci" / "run"])
OWN_MODULE = re.compile(r"python\S*\s+-m\s+(app(?:\.\w+)+)")


def _own_modules() -> list[tuple[str, str]]:
    found = []
    for script in SCRIPTS:
        for name in OWN_MODULE.findall(script.read_text(encoding="utf-8")):
            found.append((script.relative_to(ROOT).as_posix(), name))
    return found


def test_the_install_script_names_its_warm_ups() -> None:
    names = {name for _, name in _own_modules()}
    assert "app.core.model.generation.warmup" in names
    assert "app.core.analysis.warmup" in names


@pytest.mark.parametrize(("script", "module"), _own_modules())
def test_each_module_a_script_runs_exists(script: str, module: str) -> None:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{script} runs `python -m {module}`, which does not exist"
    assert "if __name__ == \"__main__\"" in Path(spec.origin).read_text(encoding="utf-8"), \
        f"{script} runs `python -m {module}`, which has no __main__ block"
