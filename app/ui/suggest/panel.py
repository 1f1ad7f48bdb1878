"""The Suggestions panel: ask for ideas over a range of the song, hear them with the stems, keep or drag out.

`install_cocreate(ctx)` docks the panel in the studio and adds the piano-roll lane. The panel is split along
its seams: first run (`setup.FirstRunMixin`), following the project (`sync.ProjectSyncMixin`), runs
(`runs.RunsMixin`) and the cards' typed actions (`actions.CardActionsMixin`); this module holds the layout,
the audition controls and the wiring. It sees the studio only through its `StudioContext`.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import AccordError
from app.core.project.cocreation.cocreate import song_context
from app.core.project.cocreation.ideas import Idea, IdeaTrack
from app.core.project.demo_catalogue import Readiness
from app.ui.context import SUGGESTIONS, StudioContext
from app.ui.suggest.actions import CardActionsMixin
from app.ui.suggest.audition import Audition
from app.ui.suggest.card import SuggestionCard
from app.ui.suggest.controls import SuggestControls
from app.ui.suggest.firstrun import FirstRunBox
from app.ui.suggest.kinds import TrackAction
from app.ui.suggest.lane import KeptTrackRow, SuggestLane, suggestion_target
from app.ui.suggest.runs import Relay, RunsMixin
from app.ui.suggest.setup import FirstRunMixin
from app.ui.suggest.shortcuts import IdeaShortcuts
from app.ui.suggest.sync import ProjectSyncMixin
from app.ui.suggest.track_lanes import IdeaLanes

log = logging.getLogger(__name__)

COMPACT_SCREEN_HEIGHT = 900  # below this the request options start folded


class SuggestPanel(FirstRunMixin, ProjectSyncMixin, RunsMixin, CardActionsMixin, QWidget):
    suggestion_added = Signal(str)  # a suggestion's id, once it is in the project (tests wait on it)
    run_finished = Signal(int)  # how many suggestions the run produced
    ready_changed = Signal(object)  # Readiness

    def __init__(self, ctx: StudioContext) -> None:
        super().__init__()
        self.setObjectName("SuggestPanel")
        self.ctx = ctx
        self.audition = Audition(ctx, parent=self)
        self.lane = SuggestLane(ctx, self.drag_data)
        self.handle = None
        self.setup_handle = None
        self.state: Readiness | None = None
        self.cards: dict[str, SuggestionCard] = {}
        self.track_rows: dict[str, KeptTrackRow] = {}
        self._runs = itertools.count(1)
        self._live_run: int | None = None
        self._first_of_run = False
        self._relay = Relay()
        self._relay.result.connect(self._result)
        self._build()
        self.shortcuts = IdeaShortcuts(self)
        ctx.project_changed.connect(self._project_changed)
        ctx.project_replaced.connect(lambda _p: self._project_replaced())
        ctx.models.catalogue_changed.connect(self.check_ready)
        self.audition.active_changed.connect(lambda _a: self._sync_audition_buttons())
        self.audition.active_changed.connect(lambda _a: self.reveal_active_card())
        self.lane.roll.edited.connect(self.lane.refresh)
        self.idea_lanes = IdeaLanes(ctx, lambda tid: self.track_action(TrackAction.EDIT, tid), parent=self)
        self._project_replaced()

    @property
    def model(self):  # noqa: ANN201 — the loaded melody model (kept by the studio's model service)
        return self.ctx.models.current

    # --- layout ------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.firstrun = FirstRunBox()
        self.firstrun.open_catalogue.connect(self.open_catalogue)
        self.firstrun.train.connect(self.train)
        self.firstrun.use_demo.connect(self.use_demo_catalogue)
        self.controls = SuggestControls()
        self.controls.from_loop_requested.connect(self.range_from_loop)
        self.controls.instrument_changed.connect(self.set_instrument)
        self.controls.mute_lead.toggled.connect(self.audition.set_mute_lead)
        self.suggest_button = QPushButton("Suggest")
        self.suggest_button.setObjectName("SuggestButton")
        self.suggest_button.setDefault(True)
        self.suggest_button.clicked.connect(self.suggest_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.status = QLabel("")
        self.status.setObjectName("SuggestStatus")
        self.status.setWordWrap(True)
        # Room for three lines always: a longer message never pushes the cards (and buttons) under the pointer.
        self.status.setMinimumHeight(3 * self.status.fontMetrics().lineSpacing() + 4)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.suggest_button, 1)
        buttons.addWidget(self.cancel_button)
        self.card_box = QVBoxLayout()
        self.card_box.setSpacing(6)
        self.card_box.addStretch(1)
        self.tracks_title = QLabel("Kept tracks")
        self.tracks_title.setObjectName("SectionTitle")
        self.track_box = QVBoxLayout()
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 0, 0)
        inner_layout.addWidget(self.tracks_title)
        inner_layout.addLayout(self.track_box)
        inner_layout.addLayout(self.card_box, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll = scroll
        # The request's options fold away (a laptop screen keeps the Suggest button and the cards in view).
        self.options_toggle = QToolButton()
        self.options_toggle.setObjectName("Suggest-options")
        self.options_toggle.setText("Options")
        self.options_toggle.setCheckable(True)
        self.options_toggle.setChecked(True)
        self.options_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.options_toggle.setAutoRaise(True)
        self.options_toggle.toggled.connect(self.show_options)
        self.show_options(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.firstrun)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.options_toggle)
        layout.addWidget(self.controls)
        layout.addWidget(scroll, 1)
        self.setMinimumWidth(300)  # inside the dock's scroll area (340 wide with its scroll bar): never clipped

    def show_options(self, on: bool) -> None:
        self.controls.setVisible(on)
        self.options_toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        if self.options_toggle.isChecked() != on:
            self.options_toggle.setChecked(on)

    def set_instrument(self, name: str) -> None:
        """Audition ideas with another built-in sound (rendered again in the background)."""
        self.audition.settings = replace(self.audition.settings, instrument=name)
        self.audition.submit_all()
        self.audition.refresh()

    def range_from_loop(self) -> None:
        loop = self.ctx.project.loop
        if loop is None:
            self.status.setText("Set a loop first: Shift-drag across the bars on the ruler.")
            return
        grid = song_context(self.ctx.project).grid
        first = max(0, int(grid.bar_of(loop.start) + 0.5))
        last = max(first + 1, int(grid.bar_of(loop.end) + 0.5))
        self.controls.whole_lead.setChecked(False)
        self.controls.set_range(first, last - first)

    def audition_suggestion(self, sid: str | None, *, solo: bool = False, play: bool = False) -> None:
        """Hear `sid` with the stems, looping its range (None: stop auditioning)."""
        self.audition.audition(sid, solo=solo)
        if sid is None:
            return
        lead = [st for st in self.ctx.project.stems if st.role == "lead" and self.ctx.project.audible(st)]
        if lead and not solo and not self.audition.mute_lead:  # ticked: the lead is already silent
            self.status.setText(f"Tip: mute the {lead[0].name} stem (M) to hear the idea in its place; "
                                "keys 1–9 switch between ideas while playing.")
        entry = self.ctx.project.idea(sid)
        self.lane.show_target(suggestion_target(sid))
        first, bars = entry.request_range()
        if first is not None:
            start = self._loop_range(first, bars)
            if play and not self.ctx.engine.transport.playing:
                self.ctx.engine.seek(start)
        if play and not self.ctx.engine.transport.playing:
            self.ctx.playback.toggle_play()

    def drag_data(self, entry: Idea | IdeaTrack, audio: bool):  # noqa: ANN201 — QMimeData | None
        from app.ui.suggest.drag import drag_mime

        try:
            return drag_mime(self.ctx.project, entry, self.ctx.home, audio=audio,
                             sample_rate=self.ctx.engine.sample_rate)
        except (AccordError, OSError, ValueError) as exc:
            self.status.setText(f"Cannot drag this out: {exc}")
            return None


def install_cocreate(ctx: StudioContext) -> SuggestPanel:
    """Dock the Suggestions panel in the studio (View menu lists it) and wire the piano-roll lane."""
    panel = SuggestPanel(ctx)
    dock = ctx.add_dock("Suggestions", panel, Qt.DockWidgetArea.RightDockWidgetArea, scroll=True,
                        shortcut="Ctrl+Shift+G")
    dock.setMinimumWidth(340)
    # Wide enough for a card's and a kept track's buttons beside the scroll bars (they would be clipped).
    ctx.resize_dock(dock, 410, Qt.Orientation.Horizontal)
    if 0 < ctx.screen_height() < COMPACT_SCREEN_HEIGHT:
        panel.show_options(False)  # a laptop: the options fold away; one click shows them
    return ctx.panels.register(SUGGESTIONS, panel, dock)
