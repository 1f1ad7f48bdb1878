"""The main window's loop: L toggles it (4 bars from the playhead's bar when there is no region yet), a drag
on the ruler sets it; both are undoable project edits. A mixin of `MainWindow`."""

from __future__ import annotations

from app.core.project.edits import CompoundEdit, Edit, SetProjectField
from app.core.project.model import LoopRegion
from app.ui.shell.playback import grid_of


class Looping:
    """Loop commands for `MainWindow`: `toggle_loop`, `set_loop_region`."""


    def toggle_loop(self) -> None:
        """L: loop on/off. Without a region yet: 4 bars from the playhead's bar (or the whole song)."""
        p = self.project
        if p.loop_enabled:
            self.push(SetProjectField("loop_enabled", False, label="Loop off"))
        else:
            edits: list[Edit] = []
            if p.loop is None:
                edits.append(SetProjectField("loop", self._default_loop()))
            edits.append(SetProjectField("loop_enabled", True))
            self.push(CompoundEdit("Loop on", edits))
        self.playback.sync_from_project(p)

    def _default_loop(self) -> LoopRegion:
        length = self.timeline_view.time_scale.length or 10.0
        grid = grid_of(self.project)
        if grid is None:
            return LoopRegion(0.0, length)
        bar = max(0, int(grid.bar_of(self.engine.transport.position_seconds)))
        start = max(0.0, grid.seconds(grid.bar_start(bar)))
        return LoopRegion(start, grid.seconds(grid.bar_start(bar + 4)))

    def set_loop_region(self, start: float, end: float) -> None:
        self.push(CompoundEdit("Set loop", [SetProjectField("loop", LoopRegion(start, end)),
                                            SetProjectField("loop_enabled", True)]))

