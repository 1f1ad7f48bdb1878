"""Reading a project file into parsed JSON, before any field is looked at: the file must be a regular file of
at most MAX_PROJECT_BYTES (checked before it is read), UTF-8 text, and strict JSON (NaN, Infinity and numbers
that overflow to infinity are refused). Every failure is a ProjectError naming the file; store.py then
validates the fields.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core.errors import ProjectError
from app.core.fsutil import not_a_regular_file

MAX_PROJECT_BYTES = 32 * 1024 * 1024


def read_project_text(path: Path) -> str:
    if (why := not_a_regular_file(path)) is not None:
        raise ProjectError(why, path=path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise ProjectError("file not found", path=path) from exc
    except OSError as exc:
        raise ProjectError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    if size > MAX_PROJECT_BYTES:
        raise ProjectError(f"is {size / 1e6:.0f} MB; project files over {MAX_PROJECT_BYTES // 2**20} MB are "
                           "refused", path=path, hint="is this really an Accord project?")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_PROJECT_BYTES + 1)
    except OSError as exc:
        raise ProjectError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    if not raw.strip():
        raise ProjectError("is empty", path=path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError("is not an Accord project (not UTF-8 text)", path=path) from exc


def _finite_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):  # 1e400 reads as inf: refuse it like Infinity
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def parse_project_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise ProjectError(f"is not an Accord project (not valid JSON: {exc.msg} at line {exc.lineno})",
                           path=path) from exc
    except ValueError as exc:
        raise ProjectError(f"is not valid: {exc}", path=path) from exc
    except RecursionError as exc:
        raise ProjectError("is not valid: JSON nested too deeply", path=path) from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a project file")
