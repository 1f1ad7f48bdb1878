"""The studio's main window: stem lanes on a timeline, transport, meter, menus, undo, drag and drop.

Panels never receive this window: they get `window.context` (app/ui/context.py), which offers what follows,
and live in its registry (`context.panels`). Extension points the context forwards:
- `add_dock(title, widget, area)` — a dockable panel (also listed in the View menu);
- `menu(title)` — an existing top-level menu or a new one before Help (e.g. `menu("Tools")`);
- `timeline_view.add_lane(widget, title=...)` — a time-aligned lane (chords, piano roll) on the shared
  `timeline_view.time_scale`;
- `push(edit)` — apply a core Edit undoably; `undo_stack` for widgets that want the stack itself;
- signals `project_changed(Change)`, `project_replaced(Project)`, `mix_changed(MixState)`, and
  `set_extra_tracks(owner, tracks)` to add audition tracks (suggestions, synth) to what plays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import shiboken6
from PySide6.QtCore import QRect, QSettings, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QWidget

from app.core.audio.engine import AudioEngine
from app.core.audio.io import DecodedAudio
from app.core.audio.mix import MixState, TrackMix
from app.core.audio.peaks import Peaks
from app.core.errors import AccordError, PlaybackError
from app.core.home import AccordHome
from app.core.project.edits import Edit, SetMasterGain
from app.core.project.mixdown import mix_state_for
from app.core.project.model import FIELD, RESET, STEM, STEMS, Change, Field, Project
from app.ui.context import PanelRegistry, StudioContext
from app.ui.dialogs.messages import Dialogs
from app.ui.dialogs.preferences import PreferencesDialog
from app.ui.model_service import ModelService
from app.ui.panels import declare_panels
from app.ui.preferences import Preferences
from app.ui.shell.documents import Documents
from app.ui.shell.loading import LoadBatch
from app.ui.shell.looping import Looping
from app.ui.shell.menus import StudioMenus
from app.ui.shell.playback import PlaybackController, grid_of
from app.ui.shell.recovery import Autosave
from app.ui.shell.status import StudioStatusBar, unavailable_text
from app.ui.shell.stem_loading import StemLoading
from app.ui.shell.transport_bar import TransportBar
from app.ui.timeline.stem_lanes import StemLanes
from app.ui.timeline.view import TimelineView
from app.ui.undo import push_edit

log = logging.getLogger(__name__)

DOCK_LAYOUT_VERSION = 1  # raise when the docks change so an old saved layout is not applied to new ones


def scrolling(widget: QWidget) -> QScrollArea:
    """`widget` in a frameless, vertically scrolling area (its width follows the dock)."""
    area = QScrollArea()
    area.setObjectName(f"Scroll-{widget.objectName() or type(widget).__name__}")
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(widget)
    return area



class MainWindow(StemLoading, Looping, StudioMenus, QMainWindow):
    project_changed = Signal(object)  # Change
    project_replaced = Signal(object)  # Project
    mix_changed = Signal(object)  # MixState
    stems_loaded = Signal(object)  # LoadOutcome of a finished batch (tests and status wait on it)

    def __init__(self, *, home: AccordHome, engine: AudioEngine, runner, dialogs: Dialogs | None = None,
                 settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.home = home
        self.engine = engine
        self.runner = runner
        self.dialogs = dialogs or Dialogs()
        self.settings = settings or QSettings(str(home.root / "studio.ini"), QSettings.Format.IniFormat)
        self.prefs = Preferences(self.settings)
        self.undo_stack = QUndoStack(self)
        # What the panels receive instead of this window: project, push, runner, settings, models, registry.
        self.context = StudioContext(self, models=ModelService(home, runner, parent=self),
                                     panels=PanelRegistry(self))
        declare_panels(self.context)
        self.project = Project()
        self.decoded: dict[str, DecodedAudio] = {}
        self.peaks: dict[str, Peaks] = {}
        self.extra_tracks: dict[str, tuple[TrackMix, ...]] = {}
        self.audition_mutes: frozenset[str] = frozenset()  # stems silenced while a suggestion is auditioned
        self._batches: list[LoadBatch] = []
        self._unsubscribe = self.project.subscribe(self._on_change)

        self.timeline_view = TimelineView()
        self.setCentralWidget(self.timeline_view)
        self.transport_bar = TransportBar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.transport_bar)
        self.status = StudioStatusBar(self)
        self.setStatusBar(self.status)
        self.status.cancel_requested.connect(self.cancel_loading)
        self.playback = PlaybackController(engine, self.transport_bar, self.timeline_view, self.status.message,
                                           parent=self)
        self.playback.loop_toggle_requested.connect(self.toggle_loop)
        self.timeline_view.loop_requested.connect(self.set_loop_region)
        self.transport_bar.master_gain_moved.connect(self._master_gain_moved)
        self.stem_lanes = StemLanes(self.timeline_view, self.push, parent=self)
        self.stem_lanes.locate_requested.connect(self.locate_stem)
        self.documents = Documents(self)
        self.autosave = Autosave(self, home.recovery_dir)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._build_menus()
        self.setAcceptDrops(True)
        self._fitted = False
        geometry = self.settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self._default_geometry()
        engine.on_error = self.status.playback_failed.emit  # a Qt signal: safe from any thread
        self.status.show_playback(engine)
        self.set_project(Project())

    def showEvent(self, event) -> None:  # noqa: N802, ANN001 — Qt's name and type
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self.fit_to_screen()

    def fit_to_screen(self, available: QRect | None = None) -> QRect:
        """Keep the whole window (frame included) on the screen it opens on: never taller or wider than the
        available area (a geometry saved on a bigger screen, or docks asking for more, are cut back)."""
        if available is None:
            screen = self.screen()
            if screen is None or screen.availableGeometry().width() < 200:
                return self.frameGeometry()
            available = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        width = min(self.width(), available.width() - extra_w)
        height = min(self.height(), available.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(max(width, self.minimumWidth()), max(height, self.minimumHeight()))
        frame = self.frameGeometry()
        x = min(max(frame.x(), available.x()), available.right() + 1 - frame.width())
        y = min(max(frame.y(), available.y()), available.bottom() + 1 - frame.height())
        self.move(max(x, available.x()), max(y, available.y()))
        return self.frameGeometry()

    def _default_geometry(self) -> None:
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is None or screen.width() < 200:
            self.resize(1280, 760)
            return
        width, height = min(1600, int(screen.width() * 0.94)), min(1000, int(screen.height() * 0.92))
        self.resize(width, height)
        self.move(screen.x() + (screen.width() - width) // 2, screen.y() + (screen.height() - height) // 2)

    # --- extension points ----------------------------------------------------------------------------
    def push(self, edit: Edit) -> bool:
        """Apply `edit` to the project undoably. False if it could not be applied (logged)."""
        return push_edit(self.undo_stack, self.project, edit)

    def add_dock(self, title: str, widget: QWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea, *,
                 scroll: bool = False, shortcut: str | None = None) -> QDockWidget:
        """Dock `widget`; with `scroll` it sits in a scroll area, so a tall panel never makes the window taller
        than a laptop's screen (the dock shrinks and scrolls instead). `shortcut` shows and hides it."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"Dock-{title}")
        dock.setWidget(scrolling(widget) if scroll else widget)
        self.addDockWidget(area, dock)
        if shortcut:
            dock.toggleViewAction().setShortcut(QKeySequence(shortcut))
        self.menu("&View").addAction(dock.toggleViewAction())
        return dock

    def set_extra_tracks(self, owner: str, tracks: Sequence[TrackMix]) -> None:
        """Add (or with an empty list, remove) tracks that play along with the stems, e.g. a suggestion."""
        if tracks:
            self.extra_tracks[owner] = tuple(tracks)
        else:
            self.extra_tracks.pop(owner, None)
        self.rebuild_mix()

    def set_audition_mutes(self, stem_ids: Iterable[str]) -> None:
        """Silence these stems in the mix for now (the project is not edited); empty: none."""
        ids = frozenset(stem_ids)
        if ids != self.audition_mutes:
            self.audition_mutes = ids
            self.rebuild_mix()

    # --- the project ---------------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        """Replace the current project (no unsaved-changes prompt: see `documents`)."""
        self.cancel_loading()
        self.autosave.discard()
        self._unsubscribe()
        self.project = project
        self._unsubscribe = project.subscribe(self._on_change)
        self.decoded.clear()
        self.peaks.clear()
        self.audition_mutes = frozenset()
        self.undo_stack.clear()
        self.engine.stop()
        self.timeline_view.reset_view()
        self.stem_lanes.set_project(project)
        self._apply_project_fields()
        self.update_title()
        self.rebuild_mix()
        self.project_replaced.emit(project)
        self.project_changed.emit(Change(RESET))
        items = [(s.path, s.id) for s in project.stems if not s.missing]
        if items:
            self._start_batch(items, adding=False)
        if project.missing_stems:
            self.dialogs.report_files(
                self, "Missing stem files",
                "These stems are not where the project expects them. They stay in the project, silent; "
                "right-click a lane and choose Locate file… to point to them.",
                [(str(s.path), "file not found") for s in project.missing_stems])

    def _apply_project_fields(self) -> None:
        grid = grid_of(self.project)
        self.timeline_view.time_scale.set_grid(grid)
        self.playback.sync_from_project(self.project)
        self.transport_bar.show_master_gain(self.project.master_gain_db)
        ts = self.project.time_signature
        about = "≈" if grid is not None and grid.follows_tempo else ""  # the grid follows the song's beats
        self.transport_bar.show_tempo(f"{about}{self.project.tempo_bpm:g} BPM  {ts}" if self.project.tempo_bpm
                                      else f"— BPM  {ts}")
        self.playback.redraw()

    def _on_change(self, change: Change) -> None:
        if change.kind == STEMS:
            self.stem_lanes.sync()
            self._show_known_audio()
        elif change.kind == STEM:
            self.stem_lanes.refresh()
            if change.field == Field.PATH and change.stem_id is not None:
                self._reload_stem(change.stem_id)
        elif change.kind == FIELD:
            self._apply_project_fields()
            if change.field == Field.TRACKS:
                self.stem_lanes.refresh()  # a kept idea soloed or unsoloed changes which stems are heard
        if change.affects_mix:
            self.rebuild_mix()
        self.project_changed.emit(change)

    def rebuild_mix(self) -> MixState:
        extras = [t for tracks in self.extra_tracks.values() for t in tracks]
        state = mix_state_for(self.project, self.decoded, extras, sample_rate=self.engine.sample_rate,
                              muted_ids=self.audition_mutes)
        try:
            self.engine.set_mix(state)
        except PlaybackError as exc:
            self.status.message(unavailable_text(exc.reason))
        self.timeline_view.set_length(state.length_frames / state.sample_rate)
        self.mix_changed.emit(state)
        return state

    def _clean_changed(self, clean: bool) -> None:
        # The stack is a child of the window and may signal while the window is being destroyed.
        if shiboken6.isValid(self):
            self.setWindowModified(not clean)

    def _master_gain_moved(self, db: float, gesture: int) -> None:
        self.push(SetMasterGain(db, gesture=gesture))

    def update_title(self) -> None:
        where = f" — {self.project.path.parent}" if self.project.path else ""
        self.setWindowTitle(f"{self.project.name}[*]{where} — Accord")
        self.setWindowModified(not self.undo_stack.isClean())

    # --- drag and drop -------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
            self.timeline_view.set_drop_highlight(True)  # show where the files will land

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self.timeline_view.set_drop_highlight(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self.timeline_view.set_drop_highlight(False)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.handle_dropped_paths(paths)

    def handle_dropped_paths(self, paths: Sequence[Path]) -> None:
        """A dropped project file opens it; anything else is added as stems."""
        if len(paths) == 1 and paths[0].suffix.lower() == ".accord":
            self.documents.open_project(paths[0])
        else:
            self.add_stem_files(paths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.documents.maybe_save():
            event.ignore()
            return
        self.cancel_loading()
        self.runner.cancel_all()  # e.g. an analysis still running: it stops at its next step
        self.runner.wait(3000)  # rather than run on into the interpreter's shutdown
        self.playback.timer.stop()
        self.autosave.timer.stop()
        self.autosave.discard()
        self.engine.stop()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/docks", self.saveState(DOCK_LAYOUT_VERSION))
        event.accept()

    def restore_layout(self) -> bool:
        """The docks as the artist left them (which are open, where, how big), once every panel is installed;
        False (the defaults stay) on a first run or when the saved layout is from another version."""
        state = self.settings.value("window/docks")
        return state is not None and self.restoreState(state, DOCK_LAYOUT_VERSION)

    def show_preferences(self) -> PreferencesDialog:
        """Open the preferences (non-blocking); on OK the audio output follows the new choice."""
        dialog = PreferencesDialog(self.prefs, self.home.keys_dir, self)
        dialog.accepted.connect(self.apply_audio_preferences)
        self.preferences_dialog = dialog
        dialog.open()
        return dialog

    def apply_audio_preferences(self) -> None:
        device = self.prefs.audio_device or None
        if device == self.engine.device and self.prefs.buffer_size == self.engine.blocksize:
            return
        try:
            self.engine.set_output(device=device, blocksize=self.prefs.buffer_size)
        except PlaybackError as exc:
            self.status.message(unavailable_text(exc.reason))
        self.status.show_playback(self.engine)

    def reconnect_audio(self) -> bool:
        """Reopen the output (after plugging in a device or a failure); the position is kept."""
        try:
            self.engine.reconnect()
        except PlaybackError as exc:
            self.status.message(unavailable_text(exc.reason))
        self.status.show_playback(self.engine)
        return self.engine.available

    def show_error(self, title: str, exc: AccordError | str) -> None:
        self.dialogs.report_error(self, title, str(exc))
