"""What a panel receives from the studio: one typed `StudioContext`, and the `PanelRegistry` it lives in.

A panel never holds the main window nor looks for its neighbours with getattr: it asks the context for the
current project, pushes undoable edits through it, runs work on its task runner, reads the settings and the
model service, and finds another panel by its typed key (`ctx.panels.get(CATALOGUE)`). Each panel is built
once, by the installer declared for its key (`ctx.panels.ensure(key)`), so no second catalogue can appear.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, QSettings, Qt, Signal, SignalInstance
from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

from app.ui.preferences import Preferences

if TYPE_CHECKING:
    from app.core.audio.engine import AudioEngine
    from app.core.audio.io import DecodedAudio
    from app.core.audio.mix import TrackMix
    from app.core.home import AccordHome
    from app.core.project.edits import Edit
    from app.core.project.model import Project
    from app.ui.analysis.panel import AnalysisPanel
    from app.ui.catalogue.panel import CataloguePanel
    from app.ui.dialogs.messages import Dialogs
    from app.ui.file_actions import FileActions
    from app.ui.model_service import ModelService
    from app.ui.shell.main_window import MainWindow
    from app.ui.shell.playback import PlaybackController
    from app.ui.suggest.panel import SuggestPanel
    from app.ui.timeline.chord_lane import ChordLane
    from app.ui.timeline.view import TimelineView
    from app.ui.workers import TaskRunner

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class PanelKey(Generic[T]):
    """The typed name of one registered part of the studio (`registry.get(key)` returns a T)."""

    name: str


CATALOGUE: PanelKey[CataloguePanel] = PanelKey("Catalogue")
ANALYSIS: PanelKey[AnalysisPanel] = PanelKey("Analysis")
CHORD_LANE: PanelKey[ChordLane] = PanelKey("Chords")
SUGGESTIONS: PanelKey[SuggestPanel] = PanelKey("Suggestions")
FILE_ACTIONS: PanelKey[FileActions] = PanelKey("File actions")

Installer = Callable[["StudioContext"], Any]


class PanelRegistry(QObject):
    """The studio's panels by key, each with its dock (if docked); each built at most once."""

    added = Signal(str)  # a key's name, once its panel is registered

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: dict[str, object] = {}
        self._docks: dict[str, QDockWidget] = {}
        self._installers: dict[str, Installer] = {}
        self._building: set[str] = set()
        self.context: StudioContext | None = None  # set by the context that owns this registry

    def declare(self, key: PanelKey[Any], install: Installer) -> None:
        """How to build `key` when first needed: `install(ctx)` builds the panel and calls `register`."""
        self._installers[key.name] = install

    def register(self, key: PanelKey[T], item: T, dock: QDockWidget | None = None) -> T:
        if key.name in self._items:
            raise ValueError(f"the studio already has a {key.name} panel")
        self._items[key.name] = item
        if dock is not None:
            self._docks[key.name] = dock
        self.added.emit(key.name)
        return item

    def get(self, key: PanelKey[T]) -> T | None:
        return self._items.get(key.name)  # type: ignore[return-value]

    def dock(self, key: PanelKey[Any]) -> QDockWidget | None:
        return self._docks.get(key.name)

    def __contains__(self, key: PanelKey[Any]) -> bool:
        return key.name in self._items

    def ensure(self, key: PanelKey[T]) -> T | None:
        """The panel for `key`, built now by its declared installer if it is not there yet (None: no installer)."""
        if key.name in self._items or key.name in self._building:
            return self.get(key)
        install = self._installers.get(key.name)
        if install is None or self.context is None:
            return None
        self._building.add(key.name)
        try:
            install(self.context)
        finally:
            self._building.discard(key.name)
        return self.get(key)

    def show(self, key: PanelKey[Any]) -> QDockWidget | None:
        """Build (once) and raise the dock of `key`."""
        self.ensure(key)
        dock = self.dock(key)
        if dock is not None:
            dock.show()
            dock.raise_()
        return dock

    def when_added(self, key: PanelKey[T], callback: Callable[[T], None]) -> None:
        """Call `callback(panel)` now if `key` is registered, else once it is."""
        item = self.get(key)
        if item is not None:
            callback(item)
            return

        def on_added(name: str) -> None:
            if name == key.name:
                self.added.disconnect(on_added)
                callback(self.get(key))  # type: ignore[arg-type]

        self.added.connect(on_added)


class StudioContext:
    """The studio as a panel sees it. Built once by the main window (`window.context`).

    - `project` (always the current one), `push(edit)` (undoable, False if refused), `undo_stack`;
    - `runner` (TaskRunner), `settings` (QSettings), `prefs` (typed Preferences over it), `home` (AccordHome), `models` (ModelService),
      `dialogs`, `engine`, `decoded` (stem id → DecodedAudio), `panels` (PanelRegistry);
    - signals `project_changed(Change)`, `project_replaced(Project)`, `mix_changed(MixState)`;
    - placing things: `add_dock`, `menu`, `timeline` (add_lane, time_scale), `host` (parent for dialogs);
    - playing: `set_extra_tracks(owner, tracks)`, `set_audition_mutes(stem_ids)`, `playback`, `message(text)`.
    """

    def __init__(self, window: MainWindow, *, models: ModelService, panels: PanelRegistry) -> None:
        self._window = window
        self.home: AccordHome = window.home
        self.runner: TaskRunner = window.runner
        self.settings: QSettings = window.settings
        self.prefs: Preferences = window.prefs
        self.dialogs: Dialogs = window.dialogs
        self.models = models
        self.panels = panels
        panels.context = self

    # --- the project and its undo -----------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self._window.project

    def push(self, edit: Edit) -> bool:
        return self._window.push(edit)

    @property
    def undo_stack(self):  # noqa: ANN201 — QUndoStack
        return self._window.undo_stack

    @property
    def project_changed(self) -> SignalInstance:
        return self._window.project_changed

    @property
    def project_replaced(self) -> SignalInstance:
        return self._window.project_replaced

    @property
    def mix_changed(self) -> SignalInstance:
        return self._window.mix_changed

    @property
    def stems_loaded(self) -> SignalInstance:
        """A batch of stems finished decoding (LoadOutcome): e.g. analysis runs by itself then."""
        return self._window.stems_loaded

    # --- audio ---------------------------------------------------------------------------------------------
    @property
    def engine(self) -> AudioEngine:
        return self._window.engine

    @property
    def decoded(self) -> dict[str, DecodedAudio]:
        return self._window.decoded

    @property
    def playback(self) -> PlaybackController:
        return self._window.playback

    def set_extra_tracks(self, owner: str, tracks: Sequence[TrackMix]) -> None:
        self._window.set_extra_tracks(owner, tracks)

    def set_audition_mutes(self, stem_ids: Iterable[str]) -> None:
        self._window.set_audition_mutes(stem_ids)

    # --- placing widgets -----------------------------------------------------------------------------------
    @property
    def host(self) -> QWidget:
        """The parent for dialogs and docks (the main window, as a plain QWidget)."""
        return self._window

    @property
    def timeline(self) -> TimelineView:
        return self._window.timeline_view

    def add_dock(self, title: str, widget: QWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea, *,
                 scroll: bool = False, shortcut: str | None = None) -> QDockWidget:
        return self._window.add_dock(title, widget, area, scroll=scroll, shortcut=shortcut)

    def screen_height(self) -> int:
        """The available height of the screen the studio is on (0 if unknown)."""
        screen = self._window.screen()
        return screen.availableGeometry().height() if screen is not None else 0

    def menu(self, title: str) -> QMenu:
        return self._window.menu(title)

    def message(self, text: str, ms: int = 5000) -> None:
        self._window.statusBar().showMessage(text, ms)

    def tabify(self, first: QDockWidget, second: QDockWidget) -> None:
        self._window.tabifyDockWidget(first, second)

    def resize_dock(self, dock: QDockWidget, size: int, orientation: Qt.Orientation) -> None:
        self._window.resizeDocks([dock], [size], orientation)
