"""Idea numbers per project: "#1", "#2", … counted in the project itself, so they survive a restart.

The number of an idea is stored in its entry (`number`); entries written before that field existed carry it
only in their name ("#4 Continue bars 5–8"), which is read as a fallback. The next number is one past the
highest number any suggestion (new, kept or discarded) or kept track of the project holds: a new project
starts at #1, and a reopened one continues its own count, so there is never a second, different "#4".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.core.project.model import Project

_NAME_NUMBER = re.compile(r"^\s*#(\d{1,6})\b")


def idea_number(entry: object) -> int | None:
    """The idea number of a suggestion or kept-track entry (None when it has none)."""
    if not isinstance(entry, dict):
        return None
    value = entry.get("number")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _NAME_NUMBER.match(str(entry.get("name") or ""))
    return int(match.group(1)) if match else None


def _numbers(entries: Iterable[object]) -> list[int]:
    return [n for n in (idea_number(e) for e in entries) if n is not None]


def next_idea_number(project: Project) -> int:
    """The number the project's next idea gets (1 for a project without ideas)."""
    return 1 + max(_numbers(project.suggestions) + _numbers(project.tracks), default=0)


def idea_name(number: int, label: str) -> str:
    """The name an idea is shown and exported under, e.g. "#5 Continue bars 5–8"."""
    return f"#{number} {label}".strip()
