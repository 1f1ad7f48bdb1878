"""Keeps one lane per project stem in the timeline, in project order, showing the stem's state.

Lane controls become undoable edits through `push` (the window's undo stack); lanes never change the
project themselves. `sync()` after every change is cheap: it only creates/removes/reorders what differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from app.core.audio.peaks import Peaks
from app.core.project.analysis_edits import rename_stem
from app.core.project.edits import (
    Edit,
    RemoveStem,
    SetStemGain,
    SetStemMute,
    SetStemPan,
    SetStemSolo,
)
from app.core.project.model import Project
from app.ui.timeline.lanes import LANE_COLORS, StemLaneHeader, WaveformView
from app.ui.timeline.view import LaneRow, TimelineView


@dataclass
class StemLane:
    row: LaneRow
    header: StemLaneHeader
    waveform: WaveformView


class StemLanes(QObject):
    locate_requested = Signal(str)  # stem id

    def __init__(self, timeline: TimelineView, push: Callable[[Edit], bool],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.push = push
        self.project: Project | None = None
        self.lanes: dict[str, StemLane] = {}
        self._colors_used = 0

    def set_project(self, project: Project) -> None:
        for sid in list(self.lanes):
            self._remove(sid)
        self.project = project
        self._colors_used = 0
        self.sync()

    def _create(self, stem_id: str) -> StemLane:
        color = LANE_COLORS[self._colors_used % len(LANE_COLORS)]
        self._colors_used += 1
        header = StemLaneHeader(color)
        waveform = WaveformView(self.timeline.time_scale, color)
        row = self.timeline.add_lane(waveform, header=header)
        row.setObjectName(f"StemLane-{stem_id}")
        header.mute_toggled.connect(lambda on: self.push(SetStemMute(stem_id, on)))
        header.solo_toggled.connect(lambda on: self.push(SetStemSolo(stem_id, on)))
        header.gain_moved.connect(lambda db, g: self.push(SetStemGain(stem_id, db, gesture=g)))
        header.pan_moved.connect(lambda pan, g: self.push(SetStemPan(stem_id, pan, gesture=g)))
        header.rename_requested.connect(lambda name: self._rename(stem_id, name))
        header.remove_requested.connect(lambda: self.push(RemoveStem(stem_id)))
        header.locate_requested.connect(lambda: self.locate_requested.emit(stem_id))
        waveform.seek_requested.connect(self.timeline.seek_requested)
        lane = StemLane(row, header, waveform)
        self.lanes[stem_id] = lane
        return lane

    def _rename(self, stem_id: str, name: str) -> None:
        if self.project is not None:  # the stored analysis follows the new name (its lead and roles)
            self.push(rename_stem(self.project, stem_id, name))

    def _remove(self, stem_id: str) -> None:
        lane = self.lanes.pop(stem_id)
        self.timeline.remove_lane(lane.row)

    def sync(self) -> None:
        """Match the lanes to the project's stems: create, remove, reorder, refresh."""
        project = self.project
        if project is None:
            return
        ids = [s.id for s in project.stems]
        for sid in [s for s in self.lanes if s not in ids]:
            self._remove(sid)
        for sid in ids:
            if sid not in self.lanes:
                self._create(sid)
        # Stem lanes come first, in project order; lanes added by other features keep their place after.
        current = self.timeline.lanes()
        for index, sid in enumerate(ids):
            row = self.lanes[sid].row
            if current.index(row) != index:
                self.timeline.move_lane(row, index)
                current = self.timeline.lanes()
        self.refresh()

    def refresh(self) -> None:
        """Show every stem's state (a solo on one lane changes what every other lane shows)."""
        project = self.project
        if project is None:
            return
        for stem in project.stems:
            lane = self.lanes.get(stem.id)
            if lane is None:
                continue
            audible = project.audible(stem)
            lane.waveform.set_audible(audible)
            lane.header.show_stem(stem, audible)
            if stem.missing:
                lane.waveform.set_state("missing")

    def show_audio(self, stem_id: str, peaks: Peaks, frames: int, sample_rate: int) -> None:
        lane = self.lanes.get(stem_id)
        if lane is not None:
            lane.waveform.set_audio(peaks, frames, sample_rate)

    def show_state(self, stem_id: str, state: str) -> None:
        lane = self.lanes.get(stem_id)
        if lane is not None:
            lane.waveform.set_state(state)
