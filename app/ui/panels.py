"""Install the feature panels into the studio: the catalogue dock, File → Export… / Verify…, the Analysis dock
and chord lane, the Suggestions dock and piano-roll lane.

Each installer takes the `StudioContext`, builds its panel and registers it (with its dock) under its key;
`declare_panels` tells the registry how to build each one, so any panel can ask for another
(`ctx.panels.ensure(CATALOGUE)`) and it is still built only once. Called from `app.build_window`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer

from app.ui.context import ANALYSIS, CATALOGUE, CHORD_LANE, FILE_ACTIONS, SUGGESTIONS, StudioContext
from app.ui.live import LIVE

log = logging.getLogger(__name__)


CATALOGUE_ROWS = 8  # works the catalogue dock shows at once on a screen with room for them
MIN_CATALOGUE_ROWS = 3  # ...and what it asks for while it holds fewer works (an empty one shows its hint)


def catalogue_height(panel, screen_height: int) -> int:  # noqa: ANN001 — CataloguePanel
    """Tall enough for its works, CATALOGUE_ROWS rows at most (MIN_CATALOGUE_ROWS at least), under its bar
    and status line, yet at most 36 % of a laptop's screen (42 % of a taller one). An empty catalogue took
    a third of a 1600x1000 window from the lanes for a table with nothing in it."""
    table = panel.table
    shown = max(MIN_CATALOGUE_ROWS, min(CATALOGUE_ROWS, table.rowCount()))
    rows = table.verticalHeader().defaultSectionSize() * shown
    chrome = table.horizontalHeader().sizeHint().height() + panel.search.sizeHint().height() + 90
    wanted = rows + chrome
    share = 0.42 if screen_height >= 900 else 0.36
    return min(wanted, int(screen_height * share)) if screen_height > 0 else wanted


def catalogue_starts_open(screen_height: int) -> bool:
    """On a laptop's screen (under 900 px) the catalogue dock starts closed: open, it leaves the timeline
    ~330 px at 1366x768, too little for four stems, the chord lane and the suggestion's piano roll. It is one
    shortcut away (Ctrl+Shift+C), and Suggest opens it when the model needs works. A layout the artist saved
    (window/docks) is restored over this default."""
    return screen_height <= 0 or screen_height >= 900


def install_catalogue(ctx: StudioContext) -> None:
    from app.ui.catalogue.panel import CataloguePanel

    panel = CataloguePanel(ctx.home.catalogue_path, ctx.runner, parent=ctx.host,
                           trained_work_ids=ctx.models.trained_work_ids, engine=ctx.engine)
    # Along the bottom, under the lanes: its table and detail view want width, and the timeline keeps it.
    dock = ctx.add_dock("Catalogue", panel, Qt.DockWidgetArea.BottomDockWidgetArea, shortcut="Ctrl+Shift+C")
    ctx.resize_dock(dock, catalogue_height(panel, ctx.screen_height()), Qt.Orientation.Vertical)
    if not catalogue_starts_open(ctx.screen_height()):
        dock.hide()
        ctx.message("The catalogue is closed to give the lanes room: View → Catalogue (Ctrl+Shift+C)", 8000)
    panel.catalogueChanged.connect(ctx.models.changed)

    def refresh() -> None:
        try:
            panel.refresh()
        except Exception:  # noqa: BLE001 — another panel's write must not break this one
            log.exception("the catalogue panel could not refresh")

    ctx.models.catalogue_written.connect(refresh)
    ctx.panels.register(CATALOGUE, panel, dock)


def install_file_actions(ctx: StudioContext) -> None:
    from app.ui.file_actions import FileActions

    ctx.panels.register(FILE_ACTIONS, FileActions(ctx))


def install_analysis(ctx: StudioContext) -> None:
    """The Analysis dock (tempo, meter, downbeat, key, roles; Analyse) and the chord lane over the bars.

    Both push edits through `ctx.push`, which always targets the current project, and follow the studio
    when it opens another project."""
    from app.core.analysis import AnalysisCache
    from app.ui.analysis.actions import SongActions
    from app.ui.analysis.panel import AnalysisPanel
    from app.ui.analysis.run import stems_from_studio
    from app.ui.timeline.chord_lane import ChordLane

    panel = AnalysisPanel(ctx.project, ctx.push, ctx.runner,
                          stems_provider=lambda: stems_from_studio(ctx.project, ctx.decoded),
                          cache=AnalysisCache.in_home(ctx.home), parent=ctx.host)
    dock = ctx.add_dock("Analysis", panel, Qt.DockWidgetArea.RightDockWidgetArea, scroll=True, shortcut="Ctrl+Shift+A")
    lane = ChordLane(ctx.project, ctx.push, scale=ctx.timeline.time_scale)
    ctx.timeline.add_lane(lane, title="Chords", index=0, content=False)  # an empty song still shows the drop hint
    ctx.project_replaced.connect(panel.set_project)
    ctx.project_replaced.connect(lane.set_project)

    def show_panel() -> None:
        dock.show()
        dock.raise_()

    panel.song_actions = SongActions(panel, ctx.menu("&Song"), ctx.host, show_panel)
    lane.analyze_requested.connect(panel.song_actions.analyse_now)
    panel.running_changed.connect(lane.set_analysing)
    ctx.stems_loaded.connect(panel.stems_loaded)  # analysis runs by itself once new stems are decoded
    _warm_analysis_when_idle(ctx, panel)
    ctx.panels.register(ANALYSIS, panel, dock)
    ctx.panels.register(CHORD_LANE, lane)


def _warm_analysis_when_idle(ctx: StudioContext, panel) -> None:  # noqa: ANN001 — AnalysisPanel
    """The analysis's one-off loading (librosa's and scipy's lazy modules, numba's cached code: ~1.5 s of CPU
    that holds the GIL in 50-60 ms stretches) before the artist plays, not in the first analysis of the
    session, which starts by itself when new stems load and made playback drop out (core/analysis/warmup.py).

    Once the project's stems have decoded (not beside the decoding, which it slowed by 1.3 s on the demo), or
    at once in a project without stems; not when an analysis has just started, which loads the same code."""
    from app.core.analysis.warmup import warm_once

    started: list[bool] = []  # once per studio

    def warm(_outcome: object = None) -> None:
        if started:
            return
        started.append(True)
        if panel.handle is None:
            ctx.runner.start("Prepare analysis", lambda _progress, _cancel: warm_once(),
                             on_failed=lambda exc: log.warning("analysis warm-up failed: %s", exc))

    def without_stems() -> None:  # the studio opened its first project (or none) before the event loop ran
        if not ctx.project.stems:
            warm()

    ctx.stems_loaded.connect(warm)  # after panel.stems_loaded: an analysis it starts is already running
    QTimer.singleShot(0, without_stems)


def install_suggestions(ctx: StudioContext) -> None:
    from app.ui.suggest.panel import install_cocreate  # the Suggestions dock and the piano-roll lane

    install_cocreate(ctx)


def install_live(ctx: StudioContext) -> None:
    from app.ui.live.install import install_live as install  # the Live dock: MIDI in/out, record, sync

    install(ctx)


INSTALLERS: tuple[tuple[object, Callable[[StudioContext], None]], ...] = (
    (CATALOGUE, install_catalogue), (FILE_ACTIONS, install_file_actions), (ANALYSIS, install_analysis),
    (SUGGESTIONS, install_suggestions), (LIVE, install_live))


def declare_panels(ctx: StudioContext) -> None:
    """Tell the registry how to build each panel (nothing is built yet)."""
    for key, install in INSTALLERS:
        ctx.panels.declare(key, install)  # type: ignore[arg-type]


def install_panels(ctx: StudioContext) -> None:
    """Every panel; one failing to build is logged and the studio still opens."""
    declare_panels(ctx)
    for key, _install in INSTALLERS:
        try:
            ctx.panels.ensure(key)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 — a broken panel must not keep the studio from starting
            log.exception("could not install the %s panel", key.name)  # type: ignore[attr-defined]
    analysis, suggestions = ctx.panels.dock(ANALYSIS), ctx.panels.dock(SUGGESTIONS)
    if analysis is not None and suggestions is not None:  # one column on the right, Suggestions in front
        ctx.tabify(analysis, suggestions)
        suggestions.raise_()
