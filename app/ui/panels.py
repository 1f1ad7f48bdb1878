"""Wire the feature panels into the studio window: the catalogue dock, File → Export… / Verify….

Kept out of main_window.py so each feature stays a self-contained widget and the window only offers
extension points (`add_dock`, `menu`, `timeline_view.add_lane`). Called once from `app.build_window`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from app.core.errors import AccordError
from app.core.home import AccordHome

log = logging.getLogger(__name__)


def trained_work_ids(home: AccordHome) -> set[int]:
    """Ids of the works the current model was trained on ({} without a readable model)."""
    from app.core.model import read_manifest

    path = home.current_model_path
    if not path.exists():
        return set()
    try:
        return {int(w["id"]) for w in read_manifest(path).get("works", [])}
    except (AccordError, KeyError, TypeError, ValueError):
        return set()


def install_catalogue(window, home: AccordHome, runner) -> object:  # noqa: ANN001 — MainWindow, TaskRunner
    from app.ui.catalogue.panel import CataloguePanel

    panel = CataloguePanel(home.catalogue_path, runner, parent=window,
                           trained_work_ids=lambda: trained_work_ids(home))
    # Along the bottom, under the lanes: its table and detail view want width, and the timeline keeps it.
    dock = window.add_dock("Catalogue", panel, Qt.DockWidgetArea.BottomDockWidgetArea)
    window.resizeDocks([dock], [300], Qt.Orientation.Vertical)
    window.catalogue_panel = panel
    window.catalogue_dock = dock
    dock.toggleViewAction().setShortcut(QKeySequence("Ctrl+Shift+C"))  # add_dock put it in View
    return panel


def install_export_and_verify(window, home: AccordHome, runner) -> None:  # noqa: ANN001
    from app.ui.dialogs.export import ExportDialog
    from app.ui.dialogs.verify import VerifyDialog

    file_menu = window.menu("File")

    def open_export() -> None:
        if not window.project.stems and not window.project.suggestions:
            window.statusBar().showMessage("Nothing to export yet: add stems or keep a suggestion first.", 5000)
            return
        dialog = ExportDialog(window.project, home, runner, parent=window)
        window.export_dialog = dialog
        dialog.open()

    def open_verify(paths: list[Path] | None = None) -> None:
        dialog = VerifyDialog(window.project, home, runner, parent=window)
        window.verify_dialog = dialog
        dialog.open()
        if paths and hasattr(dialog, "verify_paths"):
            dialog.verify_paths(paths)

    export_action = QAction("Export…", window)
    export_action.setShortcut(QKeySequence("Ctrl+E"))
    export_action.setStatusTip("Export the mix, stems or a kept suggestion with a signed provenance record")
    export_action.triggered.connect(open_export)
    verify_action = QAction("Verify…", window)
    verify_action.setShortcut(QKeySequence("Ctrl+Shift+V"))
    verify_action.setStatusTip("Check the signed provenance record of any audio or MIDI file")
    verify_action.triggered.connect(lambda: open_verify())
    file_menu.addSeparator()
    file_menu.addAction(export_action)
    file_menu.addAction(verify_action)
    window.export_action = export_action
    window.verify_action = verify_action
    window.open_verify = open_verify


def install_analysis(window, home: AccordHome, runner) -> None:  # noqa: ANN001
    """The Analysis dock (tempo, meter, downbeat, key, roles; Analyze) and the chord lane over the bars.

    Both push edits through `window.push`, which always targets the window's current project, and follow
    the window when it opens another project."""
    from app.core.analysis import AnalysisCache
    from app.ui.analysis.panel import AnalysisPanel, stems_from_studio
    from app.ui.timeline.chord_lane import ChordLane

    panel = AnalysisPanel(window.project, window.push, runner,
                          stems_provider=lambda: stems_from_studio(window.project, window.decoded),
                          cache=AnalysisCache.in_home(home), parent=window)
    dock = window.add_dock("Analysis", panel, Qt.DockWidgetArea.RightDockWidgetArea)
    lane = ChordLane(window.project, window.push, scale=window.timeline_view.time_scale)
    window.timeline_view.add_lane(lane, title="Chords", index=0)
    window.project_replaced.connect(panel.set_project)
    window.project_replaced.connect(lane.set_project)

    def analyze_from_lane() -> None:
        dock.show()
        dock.raise_()
        panel.analyze()

    lane.analyze_requested.connect(analyze_from_lane)
    window.analysis_panel, window.analysis_dock, window.chord_lane = panel, dock, lane


def install_suggestions(window, home: AccordHome, runner) -> None:  # noqa: ANN001
    from app.ui.suggest.panel import install_cocreate  # the Suggestions dock and the piano-roll lane

    install_cocreate(window)


def install_panels(window, home: AccordHome, runner) -> None:  # noqa: ANN001
    """Every optional panel; one failing to build is logged and the studio still opens."""
    for install in (install_catalogue, install_export_and_verify, install_analysis, install_suggestions):
        try:
            install(window, home, runner)
        except Exception:  # noqa: BLE001 — a broken panel must not keep the studio from starting
            log.exception("could not install %s", install.__name__)
    analysis = getattr(window, "analysis_dock", None)
    suggestions = window.findChild(QDockWidget, "Dock-Suggestions")
    if analysis is not None and suggestions is not None:  # one column on the right, Suggestions in front
        window.tabifyDockWidget(analysis, suggestions)
        suggestions.raise_()
