"""A project file's two lists of ideas (`suggestions` and `tracks`) read into typed values in one pass: each
entry parsed by `Idea.from_json` / `IdeaTrack.from_json` (ideas.py), ids checked unique, and kept ideas that
no track holds (files from before kept ideas became tracks) turned into tracks once.

Used by the project loader (store.py) and by `Project` when it is built from JSON entries by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.project.cocreation.ideas import Idea, IdeaFormatError, IdeaTrack, track_from_idea


def parse_ideas(suggestions: Sequence[Any], tracks: Sequence[Any]) -> tuple[tuple[Idea, ...], tuple[IdeaTrack, ...]]:
    """Both lists of a project file; IdeaFormatError's message is prefixed with `suggestions[i].` or
    `tracks[i].` so the loader can name the place."""
    ideas: list[Idea] = []
    seen: set[str] = set()
    for i, raw in enumerate(suggestions):
        try:
            idea = Idea.from_json(raw)
        except IdeaFormatError as exc:
            raise IdeaFormatError(f"suggestions[{i}].{exc.field}", exc.reason) from exc
        if idea.id in seen:
            raise IdeaFormatError(f"suggestions[{i}].id", f"{idea.id!r} is used by an earlier suggestion")
        seen.add(idea.id)
        ideas.append(idea)
    by_id = {idea.id: idea for idea in ideas}
    out: list[IdeaTrack] = []
    track_ids: set[str] = set()
    for i, raw in enumerate(tracks):
        try:
            track = IdeaTrack.from_json(raw, index=i, suggestion=by_id.get)
        except IdeaFormatError as exc:
            raise IdeaFormatError(f"tracks[{i}].{exc.field}", exc.reason) from exc
        if track.id in track_ids:
            raise IdeaFormatError(f"tracks[{i}].id", f"{track.id!r} is used by an earlier track")
        track_ids.add(track.id)
        out.append(track)
    return tuple(ideas), tuple(out)


def orphan_kept_tracks(ideas: Sequence[Idea], tracks: Sequence[IdeaTrack]) -> tuple[IdeaTrack, ...]:
    """Tracks for ideas marked kept that no track holds (files from before kept ideas became tracks said only
    `"kept": true`; their mix and export included them): read once into the one form, a track."""
    held = {t.suggestion_id for t in tracks}
    taken = {t.id for t in tracks}
    out = []
    for idea in ideas:
        if idea.kept and idea.id not in held:
            track_id = f"{idea.id}-track"
            while track_id in taken:
                track_id += "-1"
            taken.add(track_id)
            out.append(track_from_idea(idea, track_id=track_id, render={}))
    return tuple(out)
