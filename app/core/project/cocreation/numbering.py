"""Idea numbers per project: "#1", "#2", … counted in the project itself, so they survive a restart.

The number of an idea is stored in its entry (`number`); entries written before that field existed carry it
only in their name ("#4 Continue bars 5–8"), which is read as a fallback. The next number is one past the
highest number any suggestion (new, kept or discarded) or kept track of the project holds: a new project
starts at #1, and a reopened one continues its own count, so there is never a second, different "#4".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.core.project.cocreation.ideas import Idea, IdeaTrack
    from app.core.project.model import Project

_NAME_NUMBER = re.compile(r"^\s*#(\d{1,6})\b")


def number_in_name(name: str) -> int | None:
    """The number at the start of an idea's name ("#4 Continue bars 5–8" -> 4), as files before `number` kept it."""
    match = _NAME_NUMBER.match(name or "")
    return int(match.group(1)) if match else None


def idea_number(entry: Idea | IdeaTrack) -> int | None:
    """The idea number of a suggestion or kept track (None when it has none)."""
    return entry.number


def _numbers(entries: Iterable[Idea | IdeaTrack]) -> list[int]:
    return [e.number for e in entries if e.number is not None]


def next_idea_number(project: Project) -> int:
    """The number the project's next idea gets (1 for a project without ideas)."""
    return 1 + max(_numbers(project.suggestions) + _numbers(project.tracks), default=0)


def idea_name(number: int, label: str) -> str:
    """The name an idea is shown and exported under, e.g. "#5 Continue bars 5–8"."""
    return f"#{number} {label}".strip()
