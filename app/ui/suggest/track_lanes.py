"""Kept ideas as lanes of the timeline, after the stems: each a channel strip (name, M/S, gain, pan,
instrument) beside its notes, so the arrangement and the mixer show stems and ideas alike.

Every control becomes an undoable edit (`SetTrackSettings`, `SetTrackMute`, `RemoveTrack`) through the studio
context; `sync()` follows the project after each change to its tracks (or a solo anywhere, which changes what
every lane shows as heard).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject

from app.core.project.cocreation.cocreate import song_context
from app.core.project.cocreation.suggestion_edits import (
    RemoveTrack,
    SetTrackMute,
    SetTrackSettings,
    kept_tracks,
)
from app.core.project.model import FIELD, GRID_FIELDS, STEM, STEMS, Change, Field
from app.ui.context import StudioContext
from app.ui.theme import COLOURS
from app.ui.timeline.idea_lane import IdeaLaneHeader, IdeaNotesView
from app.ui.timeline.view import LaneRow

from .lane import choice_of, instrument_choices, render_for


@dataclass
class IdeaLane:
    row: LaneRow
    header: IdeaLaneHeader
    notes: IdeaNotesView


class IdeaLanes(QObject):
    """One timeline lane per kept idea, in the project's track order. `edit(track_id)` opens the piano roll."""

    def __init__(self, ctx: StudioContext, edit: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.edit = edit
        self.lanes: dict[str, IdeaLane] = {}
        self._gesture = 0
        ctx.project_changed.connect(self._changed)
        ctx.project_replaced.connect(lambda _p: self.reset())
        self.sync()

    def _changed(self, change: Change) -> None:
        if change.kind in (STEM, STEMS) or (change.kind == FIELD and (change.field == Field.TRACKS
                                                                     or change.field in GRID_FIELDS)):
            self.sync()

    def reset(self) -> None:
        for tid in list(self.lanes):
            self._remove(tid)
        self.sync()

    def _create(self, track_id: str) -> IdeaLane:
        header = IdeaLaneHeader(COLOURS.note, instrument_choices())
        notes = IdeaNotesView(self.ctx.timeline.time_scale, COLOURS.note)
        row = self.ctx.timeline.add_lane(notes, header=header)
        row.setObjectName(f"IdeaLane-{track_id}")
        push = self.ctx.push
        header.mute_toggled.connect(lambda on: push(SetTrackMute(track_id, on)))
        header.solo_toggled.connect(lambda on: push(SetTrackSettings(track_id, {"solo": on})))
        header.gain_moved.connect(lambda db, g: push(SetTrackSettings(track_id, {"gain_db": db},
                                                                      gesture=("lane-gain", track_id, g))))
        header.pan_moved.connect(lambda pan, g: push(SetTrackSettings(track_id, {"pan": pan},
                                                                      gesture=("lane-pan", track_id, g))))
        header.rename_requested.connect(lambda name: push(SetTrackSettings(track_id, {"name": name})))
        header.remove_requested.connect(lambda: push(RemoveTrack(track_id)))
        header.instrument_chosen.connect(lambda choice: self._instrument(track_id, str(choice)))
        header.edit_requested.connect(lambda: self.edit(track_id))
        notes.edit_requested.connect(lambda: self.edit(track_id))
        notes.seek_requested.connect(self.ctx.timeline.seek_requested)
        lane = IdeaLane(row, header, notes)
        self.lanes[track_id] = lane
        return lane

    def _instrument(self, track_id: str, choice: str) -> None:
        try:
            track = self.ctx.project.track(track_id)
        except KeyError:
            return
        self.ctx.push(SetTrackSettings(track_id, {"render": render_for(track, choice)}))

    def _remove(self, track_id: str) -> None:
        self.ctx.timeline.remove_lane(self.lanes.pop(track_id).row)  # the row's widgets go with it

    def sync(self) -> None:
        project = self.ctx.project
        tracks = kept_tracks(project)
        ids = [t.id for t in tracks]
        for tid in [t for t in self.lanes if t not in ids]:
            self._remove(tid)
        grid = song_context(project).grid
        for track in tracks:
            lane = self.lanes.get(track.id) or self._create(track.id)
            audible = project.track_audible(track)
            lane.header.show_track(track, audible, choice_of(track))
            lane.notes.show_melody(track.melody, grid, audible)
        self._order([self.lanes[t.id].row for t in tracks])

    def _order(self, rows: list[LaneRow]) -> None:
        """Ideas right after the stems, in track order (the piano roll and other lanes stay below them)."""
        timeline = self.ctx.timeline
        current = timeline.lanes()
        stems = [i for i, r in enumerate(current) if r.objectName().startswith("StemLane-")]
        first = (max(stems) + 1) if stems else 0
        for offset, row in enumerate(rows):
            if current.index(row) != first + offset:
                timeline.move_lane(row, first + offset)
                current = timeline.lanes()
