"""The Suggestions panel: ask for ideas over a range of the song, hear them with the stems, keep or drag out.

`install_cocreate(window)` docks the panel in the studio and adds the piano-roll lane. "Suggest" runs the
model in the background (TaskRunner) one suggestion at a time; each result is rendered at once (from the
worker thread, so the first is audible as soon as possible), added to the project (one undo step per run)
and shown as a card. While the catalogue is empty or no model exists the panel shows what to do next; the
demo project fills an empty catalogue with demo works and trains, so the loop can be tried at once.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import replace

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import AccordError
from app.core.project.cocreate import (
    SuggestRequest,
    credited_works,
    generate_suggestions,
    plan,
    range_label,
    song_context,
    suggestion_entry,
)
from app.core.project.demo_catalogue import (
    Readiness,
    ensure_demo_catalogue,
    load_current_model,
    readiness,
    train_current_model,
)
from app.core.project.edits import CompoundEdit, SetProjectField
from app.core.project.model import FIELD, RESET, LoopRegion
from app.core.project.song_constraints import lead_pitch_range
from app.core.project.suggestion_edits import (
    STATUS_KEPT,
    TRACKS,
    AddSuggestions,
    DiscardSuggestion,
    KeepSuggestion,
    RemoveTrack,
    SetTrackMute,
    find_entry,
    kept_tracks,
    melody_json,
    readable,
    visible_suggestions,
)
from app.ui.suggest.audition import Audition
from app.ui.suggest.card import SuggestionCard
from app.ui.suggest.controls import SuggestControls
from app.ui.suggest.firstrun import FirstRunBox
from app.ui.suggest.lane import KeptTrackRow, SuggestLane, suggestion_target, track_target

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries each finished suggestion from the worker thread to the GUI thread (queued signal)."""

    result = Signal(object, object)  # (entry dict, run id)


class SuggestPanel(QWidget):
    suggestion_added = Signal(str)  # a suggestion's id, once it is in the project (tests wait on it)
    run_finished = Signal(int)  # how many suggestions the run produced
    ready_changed = Signal(object)  # Readiness

    def __init__(self, window) -> None:  # noqa: ANN001 — MainWindow
        super().__init__()
        self.setObjectName("SuggestPanel")
        self.window = window
        self.home, self.runner = window.home, window.runner
        self.audition = Audition(window, parent=self)
        self.lane = SuggestLane(window, self.drag_data)
        self.model = None
        self.handle = None
        self.setup_handle = None
        self.state: Readiness | None = None
        self.cards: dict[str, SuggestionCard] = {}
        self.track_rows: dict[str, KeptTrackRow] = {}
        self._runs = itertools.count(1)
        self._live_run: int | None = None
        self._names = itertools.count(1)
        self._relay = _Relay()
        self._relay.result.connect(self._result)
        self._build()
        window.project_changed.connect(self._project_changed)
        window.project_replaced.connect(lambda _p: self._project_replaced())
        self.audition.active_changed.connect(lambda _a: self._sync_audition_buttons())
        catalogue = getattr(window, "catalogue_panel", None)
        if catalogue is not None and hasattr(catalogue, "catalogueChanged"):
            catalogue.catalogueChanged.connect(self.check_ready)
        self.lane.roll.edited.connect(self.lane.refresh)
        self._project_replaced()

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
        self.suggest_button.clicked.connect(lambda: self.suggest())
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.firstrun)
        layout.addWidget(self.controls)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)
        self.setMinimumWidth(330)

    # --- readiness and first run ---------------------------------------------------------------------------
    def check_ready(self) -> Readiness:
        try:
            state = readiness(self.home)
        except AccordError as exc:
            self.status.setText(f"The catalogue cannot be read: {exc}")
            state = Readiness(0, 0, False, False)
        if self.state is not None and (state.usable, state.stale) != (self.state.usable, self.state.stale):
            self.model = None  # consent changed: load (or retrain) again
        self.state = state
        self.firstrun.show_state(state)
        self.suggest_button.setEnabled(state.ready and self.handle is None)
        self.suggest_button.setText("Suggest" if state.ready else "Suggest (needs a trained model)")
        self.ready_changed.emit(state)
        return state

    def open_catalogue(self) -> QDockWidget:
        """Show the catalogue dock (the studio's own, or one made here if the studio has none)."""
        known = getattr(self.window, "catalogue_dock", None)
        if isinstance(known, QDockWidget):
            known.show()
            known.raise_()
            return known
        for dock in self.window.findChildren(QDockWidget):
            if "catalogue" in dock.windowTitle().lower():
                dock.show()
                dock.raise_()
                return dock
        from app.ui.catalogue.panel import CataloguePanel

        panel = CataloguePanel(self.home.catalogue_path, self.runner)
        panel.catalogueChanged.connect(self.check_ready)
        dock = self.window.add_dock("Catalogue", panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        dock.show()
        return dock

    def _setup_task(self, name: str, fn, done_text) -> None:  # noqa: ANN001
        self.firstrun.busy(True)
        home = self.home

        def finished(result) -> None:  # noqa: ANN001
            self.setup_handle = None
            self.firstrun.busy(False)
            self._refresh_catalogue_panel()
            self.check_ready()  # first: it forgets a model that no longer matches the consent
            model = getattr(result, "model", result)
            if model is not None and hasattr(model, "works"):
                self.model = model
            self.status.setText(done_text(result))

        def failed(exc: BaseException) -> None:
            self.setup_handle = None
            self.firstrun.busy(False)
            self.check_ready()
            self.status.setText(f"{name} failed: {exc}")

        self.setup_handle = self.runner.start(name, lambda progress, cancel: fn(home, progress=progress,
                                                                                  cancel=cancel),
                                              on_finished=finished, on_failed=failed,
                                              on_progress=self.firstrun.set_progress)
        if self.setup_handle.done:
            self.setup_handle = None

    def _refresh_catalogue_panel(self) -> None:
        catalogue = getattr(self.window, "catalogue_panel", None)
        if catalogue is not None and hasattr(catalogue, "refresh"):
            try:
                catalogue.refresh()
            except Exception:  # noqa: BLE001 — another panel's refresh must not break this one
                log.exception("the catalogue panel could not refresh")

    def train(self) -> None:
        self._setup_task("Training", train_current_model,
                         lambda m: f"Model trained on {len(m.works)} works. Choose a range and press Suggest.")

    def use_demo_catalogue(self) -> None:
        state = self.check_ready()
        if state.works:
            self.status.setText("Your catalogue has works; the demo catalogue is only for an empty one.")
            return
        self.status.setText("Adding the demo catalogue (public-domain Bach chorale melodies) and training…")
        self._setup_task("Demo catalogue", ensure_demo_catalogue,
                         lambda r: f"Demo catalogue ready: {r.added} demo works, model trained. "
                                   "Choose a range and press Suggest.")

    # --- the project -------------------------------------------------------------------------------------
    def _project_replaced(self) -> None:
        self.cancel()
        self._live_run = None  # results still on their way belong to the previous project
        self.audition.active = None
        self.lane.show_target(None)
        self._sync_cards()
        self.audition.submit_all()
        self.audition.refresh()
        ctx = song_context(self.window.project)
        low, high = lead_pitch_range(ctx.lead)
        self.controls.low.setValue(low)  # shows what "Lead's range" means for this song
        self.controls.high.setValue(high)
        span = ctx.lead_bars()
        if span is not None:
            first, bars = span
            # By default, a new idea for the lead's last four bars (within the song, so it plays with the
            # stems); a short lead is continued after its end.
            start = first + bars - 4 if bars >= 8 else first + bars
            self.controls.set_range(min(start, 998), 4)
        state = self.check_ready()
        if "demo" in self.window.project.extras and state.works == 0 and self.setup_handle is None:
            self.use_demo_catalogue()  # the demo brings its demo catalogue (never into a real one)
        elif state.ready and self.model is None:
            self._preload_model()

    def _preload_model(self) -> None:
        home = self.home

        def done(model) -> None:  # noqa: ANN001
            self.model = model

        self.runner.start("Load model", lambda p, c: load_current_model(home), on_finished=done,
                          on_failed=lambda exc: self.status.setText(str(exc)))

    def _project_changed(self, change) -> None:  # noqa: ANN001 — Change
        if change.kind == RESET:
            return
        if change.kind == FIELD and change.field in ("suggestions", "tracks"):
            self._sync_cards()
            self.audition.submit_all()
            self.audition.refresh()
            target = self.lane.target
            if target is not None:
                try:
                    shown = find_entry(self.window.project, target.where, target.id)
                except KeyError:
                    shown = None
                if shown is None or shown.get("status") == "discarded" or not readable(shown):
                    self.lane.show_target(None)
                else:
                    self.lane.refresh()
        elif change.kind == FIELD and change.field == "loop" and self.window.project.loop is not None:
            self.range_from_loop()  # a range selected on the ruler (Shift-drag) is the range to work on
        elif change.kind == FIELD and change.field == "extras":  # e.g. an analysis was applied: a new lead
            low, high = lead_pitch_range(song_context(self.window.project).lead)
            self.controls.low.setValue(low)
            self.controls.high.setValue(high)
        elif change.kind == FIELD and change.field in ("tempo_bpm", "time_signature", "downbeat_offset"):
            self.audition.submit_all()  # a new grid: new buffers (cached per content)
            self.lane.refresh()

    def _sync_cards(self) -> None:
        project = self.window.project
        bq = song_context(project).bar_quarters
        shown = {str(s["id"]): s for s in visible_suggestions(project)}
        for sid in [s for s in self.cards if s not in shown]:
            card = self.cards.pop(sid)
            self.card_box.removeWidget(card)
            card.hide()
            card.deleteLater()
        for i, (sid, entry) in enumerate(reversed(list(shown.items()))):  # newest first
            card = self.cards.get(sid)
            try:
                if card is None:
                    card = SuggestionCard(entry, bar_quarters=bq)
                    card.action.connect(self.card_action)
                    card.drag_requested = self.drag_data
                    self.cards[sid] = card
                else:
                    card.update_entry(entry)
                    self.card_box.removeWidget(card)
            except Exception:  # noqa: BLE001 — a project is shared JSON: one damaged entry must not break the panel
                log.warning("suggestion %s in the project cannot be shown", sid, exc_info=True)
                continue
            self.card_box.insertWidget(i, card)
        tracks = {str(t["id"]): t for t in kept_tracks(project)}
        for tid in list(self.track_rows):
            row = self.track_rows.pop(tid)
            self.track_box.removeWidget(row)
            row.hide()
            row.deleteLater()
        for tid, t in tracks.items():
            try:
                row = KeptTrackRow(t, self.drag_data)
            except Exception:  # noqa: BLE001 — as above, for a damaged kept track
                log.warning("track %s in the project cannot be shown", tid, exc_info=True)
                continue
            row.action.connect(self.track_action)
            self.track_rows[tid] = row
            self.track_box.addWidget(row)
        self.tracks_title.setVisible(bool(tracks))
        self._sync_audition_buttons()

    def _sync_audition_buttons(self) -> None:
        for sid, card in self.cards.items():
            card.set_auditioned(sid == self.audition.active, solo=self.audition.solo)

    # --- suggesting -----------------------------------------------------------------------------------------
    def suggest(self, request: SuggestRequest | None = None) -> object | None:
        """Start a run (the form's request by default); returns the TaskHandle (None if refused)."""
        if self.handle is not None:
            return None
        state = self.check_ready()
        if not state.ready:
            self.status.setText(state.message)
            return None
        request = request or self.controls.request()
        try:
            p = plan(song_context(self.window.project), request)
        except (AccordError, ValueError) as exc:
            self.status.setText(str(exc))
            return None
        run = next(self._runs)
        home, relay, audition = self.home, self._relay, self.audition
        grid = song_context(self.window.project).grid
        cached = self.model
        first_name = next(self._names)
        self._names = itertools.count(first_name + p.request.count)
        label = f"{p.request.mode.capitalize()} {range_label(p.request)}"

        def task(progress, cancel):  # noqa: ANN001 — runs on a worker: no widgets, no project edits
            model = cached or load_current_model(home)
            titles = {w.id: w.title for w in model.works.values()}
            count = itertools.count(first_name)

            def on_result(s) -> None:  # noqa: ANN001 — Suggestion
                index = next(count)
                entry = suggestion_entry(s, p.request, name=f"#{index} {label}",
                                         works=credited_works(model, s), titles=titles)
                # Rendered from here, before the GUI thread even sees it: the first idea is heard sooner.
                audition.submit_melody(entry["id"], s.notes, grid, priority=1 if index == first_name else 0)
                relay.result.emit(entry, run)

            found = generate_suggestions(model, p, on_result=on_result, progress=progress, cancel=cancel)
            return model, len(found)

        # Loop the range now, so the results of this run stay one undo step after it.
        self._loop_range(p.request.start_bar, p.request.bars)
        self.suggest_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.status.setText(f"Suggesting {p.request.count} × {label}…")
        self._first_of_run = True
        self._live_run = run
        self.handle = self.runner.start("Suggest", task, on_finished=lambda r, run=run: self._done(r, run),
                                        on_failed=self._failed, on_cancelled=self._cancelled,
                                        on_progress=lambda f, t: self.progress.setValue(int(f * 1000)))
        handle = self.handle
        if handle.done:  # a synchronous runner has already finished (and cleared) it
            self.handle = None
        return handle

    def _result(self, entry: dict, run: int) -> None:
        if run != self._live_run:
            return
        if not self.window.push(AddSuggestions([entry], gesture=("suggest-run", run))):
            return
        sid = str(entry["id"])
        if self._first_of_run:
            self._first_of_run = False
            self.audition_suggestion(sid, play=self.controls.play_first.isChecked())
        self.suggestion_added.emit(sid)

    def _finish(self) -> None:
        self.handle = None
        self.cancel_button.setEnabled(False)
        self.suggest_button.setEnabled(bool(self.state and self.state.ready))

    def _done(self, result, run: int) -> None:  # noqa: ANN001
        model, n = result
        self.model = model
        self._finish()
        self.progress.setValue(1000)
        self.status.setText(f"{n} suggestion{'s' if n != 1 else ''} — audition, keep, or drag one into your DAW.")
        self.run_finished.emit(n)

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        self.status.setText(f"No suggestion: {exc}")
        self.run_finished.emit(0)

    def _cancelled(self) -> None:
        self._finish()
        self.status.setText("Cancelled — the suggestions found so far are kept.")
        self.run_finished.emit(0)

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def set_instrument(self, name: str) -> None:
        """Audition ideas with another built-in sound (rendered again in the background)."""
        self.audition.settings = replace(self.audition.settings, instrument=name)
        self.audition.submit_all()
        self.audition.refresh()

    def range_from_loop(self) -> None:
        loop = self.window.project.loop
        if loop is None:
            self.status.setText("Set a loop first: Shift-drag across the bars on the ruler.")
            return
        grid = song_context(self.window.project).grid
        first = max(0, int(grid.bar_of(loop.start) + 0.5))
        last = max(first + 1, int(grid.bar_of(loop.end) + 0.5))
        self.controls.whole_lead.setChecked(False)
        self.controls.set_range(first, last - first)

    # --- card and track actions -------------------------------------------------------------------------------
    def card_action(self, name: str, sid: str) -> None:
        project = self.window.project
        try:
            entry = find_entry(project, "suggestions", sid)
        except KeyError:
            return
        if name == "audition":
            on = self.audition.active != sid or self.audition.solo
            self.audition_suggestion(sid if on else None, play=on)
        elif name == "solo":
            on = not (self.audition.active == sid and self.audition.solo)
            self.audition_suggestion(sid, solo=on, play=True)
        elif name == "keep":
            track = KeepSuggestion(sid, render=self.audition.settings.to_json())
            if self.window.push(track):
                if self.audition.active == sid:
                    self.audition.audition(None)
                self.lane.show_target(track_target(track.track_id))
        elif name == "discard":
            if self.window.push(DiscardSuggestion(sid)) and self.audition.active == sid:
                self.audition.audition(None)
        elif name in ("regenerate", "vary"):
            request = SuggestRequest.from_json(entry.get("request") or {})
            if name == "regenerate":
                request = replace(request, count=1, seed=None)
            else:
                request = replace(request, mode="vary", source=melody_json(entry), count=self.controls.count.value(),
                                  vary_kind=str(self.controls.vary_kind.currentData()), seed=None,
                                  closeness=self.controls.closeness.value() / 100.0, whole_lead=False)
            self.suggest(request)

    def keyPressEvent(self, event) -> None:  # noqa: N802, ANN001 — Qt's name and type
        """1–9 audition the cards from the top (A/B by ear while playing); Esc stops auditioning."""
        key = event.key()
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and not event.modifiers():
            order = [sid for sid, _ in sorted(self.cards.items(), key=lambda kv: self.card_box.indexOf(kv[1]))]
            index = key - Qt.Key.Key_1
            if index < len(order):
                self.audition_suggestion(order[index], play=True)
            return
        if key == Qt.Key.Key_Escape and self.audition.active is not None:
            self.audition_suggestion(None)
            return
        super().keyPressEvent(event)

    def audition_suggestion(self, sid: str | None, *, solo: bool = False, play: bool = False) -> None:
        """Hear `sid` with the stems, looping its range (None: stop auditioning)."""
        self.audition.audition(sid, solo=solo)
        if sid is None:
            return
        lead = [st for st in self.window.project.stems if st.role == "lead" and self.window.project.audible(st)]
        if lead and not solo:
            self.status.setText(f"Tip: mute the {lead[0].name} stem (M) to hear the idea in its place; "
                                "keys 1–9 switch between ideas while playing.")
        entry = find_entry(self.window.project, "suggestions", sid)
        self.lane.show_target(suggestion_target(sid))
        request = entry.get("request") or {}
        if "start_bar" in request:
            start = self._loop_range(int(request["start_bar"]), int(request.get("bars", 1)))
            if play and not self.window.engine.transport.playing:
                self.window.engine.seek(start)
        if play and not self.window.engine.transport.playing:
            self.window.playback.toggle_play()

    def _loop_range(self, start_bar: int, bars: int) -> float:
        """Loop bars [start_bar, start_bar + bars) (one undo step, only if it changes); the start in seconds."""
        grid = song_context(self.window.project).grid
        bq = grid.time_signature.bar_quarters
        start, end = grid.seconds(start_bar * bq), grid.seconds((start_bar + bars) * bq)
        p = self.window.project
        if p.loop != LoopRegion(start, end) or not p.loop_enabled:
            self.window.push(CompoundEdit("Loop the suggestion range", [SetProjectField("loop", LoopRegion(start, end)),
                                                                        SetProjectField("loop_enabled", True)]))
        return start

    def track_action(self, name: str, tid: str) -> None:
        if name == "edit":
            self.lane.show_target(track_target(tid))
        elif name in ("mute", "unmute"):
            self.window.push(SetTrackMute(tid, name == "mute"))
        elif name == "remove":
            self.window.push(RemoveTrack(tid))

    def drag_data(self, entry: dict, audio: bool):  # noqa: ANN201 — QMimeData | None
        from app.ui.suggest.drag import drag_mime

        try:
            return drag_mime(self.window.project, entry, self.home, audio=audio,
                             sample_rate=self.window.engine.sample_rate)
        except (AccordError, OSError, ValueError) as exc:
            self.status.setText(f"Cannot drag this out: {exc}")
            return None


def install_cocreate(window) -> SuggestPanel:  # noqa: ANN001 — MainWindow
    """Dock the Suggestions panel in the studio (View menu lists it) and wire the piano-roll lane."""
    panel = SuggestPanel(window)
    window.suggest_panel = panel
    dock = window.add_dock("Suggestions", panel, Qt.DockWidgetArea.RightDockWidgetArea)
    dock.setMinimumWidth(340)
    return panel


__all__ = ["STATUS_KEPT", "TRACKS", "SuggestPanel", "install_cocreate"]
