"""The analysis panel: what Accord heard (tempo, meter, downbeat, key, roles) and the controls to fix it.

Self-contained: `AnalysisPanel(project, push, runner, stems_provider=..., cache=...)`. `push` is a
callable(edit) or a QUndoStack; every change is an undoable edit stored in the project. "Analyse" runs
`analyze_stems` on the runner (progress bar + Cancel) and applies the result as one undo step.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.analysis.cache import AnalysisCache
from app.core.analysis.inputs import StemInput
from app.core.analysis.result import ROLES, SongAnalysis
from app.core.music import TEMPO_MAX, TEMPO_MIN, Key, TimeSignature
from app.core.project.analysis_edits import (
    NUDGE_STEP_SECONDS,
    NudgeDownbeat,
    OverrideKey,
    OverrideStemRole,
    SetTempo,
    SetTimeSignature,
    stored_analysis,
)
from app.core.project.model import Project
from app.ui.analysis.run import GUESS, AnalysisRun
from app.ui.analysis.tempo_choices import TempoChoices
from app.ui.analysis.texts import felt_beat_text, key_confidence_text, older_ears_text
from app.ui.elided_label import ElidedLabel
from app.ui.timeline.chord_lane import pusher

log = logging.getLogger(__name__)

METERS = ("4/4", "3/4", "6/8", "2/4", "5/4", "9/8", "12/8")  # what the ears report, and the common others
TAP_RESET_SECONDS = 2.0  # a pause this long starts a new tap sequence (a new undo step)
NO_KEY = "(no key)"
MIN_BPM, MAX_BPM = TEMPO_MIN, TEMPO_MAX  # SetTempo's range
TEMPO_UNKNOWN = MIN_BPM - 0.01  # the spin box's "— BPM" (its special value) while the song has no tempo


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    if name:
        button.setObjectName(name)  # (what tests and the Song menu's actions find it by)
    button.setToolTip(tip)
    return button


def key_names() -> list[str]:
    return [Key(pc, mode).name for mode in ("major", "minor") for pc in range(12)]


class AnalysisPanel(AnalysisRun, TempoChoices, QWidget):
    running_changed = Signal(bool)  # an analysis started (True) or ended (False): the chord lane says so
    refreshed = Signal()  # the widgets show the project again: the Song menu's actions follow their buttons

    def __init__(self, project: Project, push: Any, runner: Any, *,
                 stems_provider: Callable[[], Sequence[StemInput]] | None = None,
                 cache: AnalysisCache | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AnalysisPanel")
        self.project = project
        self._push = pusher(project, push)
        self.runner = runner
        self.stems_provider = stems_provider
        self.cache = cache
        self.handle: Any = None
        self._taps: list[float] = []
        self._tap_gesture = 0
        self._role_combos: dict[str, QComboBox] = {}
        self._roles_signature: tuple = ()
        self.song_actions: Any = None  # the Song menu's keys for these controls (actions.py), once installed

        self.bpm = QDoubleSpinBox()
        self.bpm.setObjectName("BpmSpin")
        # One step under the lowest tempo means "not known yet" and reads "—", as the transport bar does: an
        # unknown tempo never shows as a made-up 120, and typing 120 into a new song does set it.
        self.bpm.setRange(TEMPO_UNKNOWN, MAX_BPM)
        self.bpm.setSpecialValueText("— BPM")
        self.bpm.setDecimals(2)
        self.bpm.setKeyboardTracking(False)
        self.bpm.setSuffix(" BPM")
        self.tap_button = _button("Tap", "", "Tap along with the beat; the tempo follows your taps")
        # half and double: the ears' commonest misreading, fixed with the chords kept where they sound
        self.halve_button = _button("½×", "HalveTempo", "Halve the tempo (the beat is felt at half this pace); "
                                    "chords stay where they sound")
        self.double_button = _button("2×", "DoubleTempo", "Double the tempo (the beat is felt at twice this pace); "
                                     "chords stay where they sound")
        self.meter = QComboBox()
        self.meter.addItems(list(METERS))
        # the same beats in the other common notation (6/8 heard for a 12/8 feel written in 4/4, and back)
        self.beats_as_button = QPushButton("")
        self.beats_as_button.setObjectName("WriteBeatsAs")
        self.beats_as_button.setVisible(False)
        self._build_feel_choice()
        self.felt_beat = QLabel("")  # a compound meter's beat is not the BPM: say what is felt
        self.felt_beat.setObjectName("FeltBeat")
        self.felt_beat.setWordWrap(True)  # wraps in a narrow dock rather than widening it
        self.downbeat = QLabel("0.000 s")
        self.earlier = _button("◀", "", f"Move bar 1 earlier by {NUDGE_STEP_SECONDS * 1000:.0f} ms")
        self.later = _button("▶", "", f"Move bar 1 later by {NUDGE_STEP_SECONDS * 1000:.0f} ms")
        # the downbeat on another beat, or every beat on the "and": one click each where 10 ms nudges took fifty
        self.beat_earlier = _button("◀ Beat", "BarOneBeatEarlier", "Bar 1 a beat earlier: the downbeat is on the "
                                    "beat before (chords stay where they sound)")
        self.half_beat = _button("½ Beat", "BarOneHalfBeat", "Every beat half a beat later, onto the \"and\" (an "
                                 "eighth in 6/8): for a grid that sits between the beats all song long (chords stay "
                                 "where they sound)")
        self.beat_later = _button("Beat ▶", "BarOneBeatLater", "Bar 1 a beat later: the downbeat is on the beat "
                                  "after (chords stay where they sound)")
        self.key = QComboBox()
        self.key.addItems([NO_KEY] + key_names())
        self.key_confidence = QLabel("")
        self.key_confidence.setObjectName("KeyConfidence")
        self.key_confidence.setWordWrap(True)  # "confidence 71% · runner-up B minor 22%" wraps in a narrow dock
        self.runner_up_button = QPushButton("")
        self.runner_up_button.setObjectName("RunnerUpButton")
        self.runner_up_button.setVisible(False)
        self.snap = QCheckBox("Snap to whole BPM")
        self.snap.setObjectName("SnapTempo")
        self.snap.setEnabled(False)
        self.snap.setText("Snap to whole BPM")
        self.tempo_runner_up_button = QPushButton("")  # "Use 72": the next most likely tempo, kept on the audio
        self.tempo_runner_up_button.setObjectName("TempoRunnerUp")
        self.tempo_runner_up_button.setVisible(False)
        self.tempo_fit = QLabel("")
        self.tempo_fit.setObjectName("TempoFit")
        # a song whose tempo really changes: its sections, and which one the (constant) grid follows
        self.tempo_changes = QLabel("")
        self.tempo_changes.setObjectName("TempoChanges")
        self.tempo_changes.setWordWrap(True)
        self.tempo_changes.setVisible(False)
        self.auto = QCheckBox("Analyse when stems load")
        self.auto.setObjectName("AutoAnalyse")
        self.auto.setChecked(True)
        self._rerun = False
        self.lead = QComboBox()
        self.lead.setToolTip("The stem whose melody Accord follows and continues")
        # As wide as the dock gives it, not as its longest stem name (which would push the panel past the dock)
        self.lead.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.lead.setMinimumContentsLength(12)
        self.roles_box = QWidget()
        self.roles_grid = QGridLayout(self.roles_box)
        self.roles_grid.setContentsMargins(0, 0, 0, 0)
        self.roles_grid.setColumnStretch(0, 1)  # the names take the room left beside the role boxes
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setObjectName("AnalysisNotes")
        self.analyze_button = QPushButton("Analyse")
        self.reread_button = _button("Re-read Chords", "RereadOnGrid", "The key and chords heard again on the beats "
                                     "as they are now: after ½× or a moved bar 1 they fall on your beats")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)

        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.bpm, 1)
        row.addWidget(self.halve_button)
        row.addWidget(self.double_button)
        row.addWidget(self.tap_button)
        form.addRow("Tempo", row)
        row = QHBoxLayout()
        row.addWidget(self.snap)
        row.addWidget(self.tempo_fit, 1)
        row.addWidget(self.tempo_runner_up_button)
        form.addRow("", row)
        form.addRow("", self.tempo_changes)
        row = QHBoxLayout()
        row.addWidget(self.meter)
        row.addWidget(self.beats_as_button)
        row.addWidget(self.triplet_feel)
        row.addWidget(self.felt_beat, 1)
        form.addRow("Meter", row)
        row = QHBoxLayout()
        row.addWidget(self.earlier)
        row.addWidget(self.downbeat, 1)
        row.addWidget(self.later)
        form.addRow("Bar 1 at", row)
        row = QHBoxLayout()
        row.addWidget(self.beat_earlier)
        row.addWidget(self.half_beat)
        row.addWidget(self.beat_later)
        form.addRow("", row)
        row = QHBoxLayout()
        row.addWidget(self.key, 1)
        row.addWidget(self.runner_up_button)
        form.addRow("Key", row)
        form.addRow("", self.key_confidence)
        form.addRow("Lead", self.lead)
        buttons = QHBoxLayout()
        buttons.addWidget(self.analyze_button)
        buttons.addWidget(self.reread_button)
        buttons.addWidget(self.cancel_button)
        # Analyse, its progress and Cancel before the roles: with a 16-track export the role list fills a
        # laptop's dock, and the run that starts by itself must stay in view (it was under the list).
        form.addRow(buttons)
        form.addRow(self.auto)
        form.addRow(self.progress)
        form.addRow(self.notes)
        form.addRow("Roles", self.roles_box)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)

        self.bpm.valueChanged.connect(self._bpm_changed)
        self.tap_button.clicked.connect(lambda: self.tap())
        self.halve_button.clicked.connect(lambda: self.scale_tempo(0.5))
        self.double_button.clicked.connect(lambda: self.scale_tempo(2.0))
        self.meter.activated.connect(self._meter_chosen)
        self.beats_as_button.clicked.connect(self.write_beats_as)
        self.tempo_runner_up_button.clicked.connect(self.use_tempo_runner_up)
        self.earlier.clicked.connect(lambda: self.nudge(-NUDGE_STEP_SECONDS))
        self.later.clicked.connect(lambda: self.nudge(NUDGE_STEP_SECONDS))
        self.beat_earlier.clicked.connect(lambda: self.move_bar_one(-1.0))
        self.half_beat.clicked.connect(self.move_grid_off_beat)
        self.beat_later.clicked.connect(lambda: self.move_bar_one(1.0))
        self.key.activated.connect(self._key_chosen)
        self.runner_up_button.clicked.connect(self.switch_key)
        self.snap.clicked.connect(self.set_snap)
        self.analyze_button.clicked.connect(self.analyze)
        self.reread_button.clicked.connect(self.reread_on_grid)
        self.cancel_button.clicked.connect(self.cancel)
        self._unsubscribe = project.subscribe(lambda _change: self.refresh())
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self.refresh()

    # --- project → widgets -----------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        self._unsubscribe()
        self.project = project
        self._roles_signature = ()
        self._unsubscribe = project.subscribe(lambda _change: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        p = self.project
        analysis = stored_analysis(p)
        for w in (self.bpm, self.meter, self.key, self.lead):
            w.blockSignals(True)
        try:
            self.bpm.setValue(p.tempo_bpm or TEMPO_UNKNOWN)
            self.halve_button.setEnabled(bool(p.tempo_bpm) and p.tempo_bpm / 2.0 >= MIN_BPM)
            self.double_button.setEnabled(bool(p.tempo_bpm) and p.tempo_bpm * 2.0 <= MAX_BPM)
            for button in (self.beat_earlier, self.half_beat, self.beat_later):  # a beat needs a tempo
                button.setEnabled(bool(p.tempo_bpm))
            self.half_beat.setText("⅓ Beat" if p.time_signature.is_compound else "½ Beat")
            ts = str(p.time_signature)
            if self.meter.findText(ts) < 0:
                self.meter.addItem(ts)
            self.meter.setCurrentText(ts)
            self.felt_beat.setText(felt_beat_text(p.tempo_bpm, p.time_signature))
            self._show_meter_choice()
            self.downbeat.setText(f"{p.downbeat_offset:.3f} s")
            self.key.setCurrentText(p.key.name if p.key else NO_KEY)
            self.key_confidence.setText(key_confidence_text(analysis, p.key))
            self._show_key_choice(analysis)
            self._show_tempo_fit(analysis)
            current_lead = self.lead.currentText()
            self.lead.clear()
            self.lead.addItems([GUESS] + [s.name for s in p.stems])
            chosen = current_lead if current_lead in [s.name for s in p.stems] else (
                analysis.lead if analysis and analysis.lead in [s.name for s in p.stems] else GUESS)
            self.lead.setCurrentText(chosen)
        finally:
            for w in (self.bpm, self.meter, self.key, self.lead):
                w.blockSignals(False)
        self._refresh_roles(analysis)
        notes = list(analysis.notes) if analysis else []
        if older := older_ears_text(analysis):
            notes.append(older)
        self.notes.setText("\n".join(notes))
        self.analyze_button.setEnabled(self.stems_provider is not None and bool(p.stems) and self.handle is None)
        self.reread_button.setEnabled(self.analyze_button.isEnabled() and bool(p.tempo_bpm))
        if self.stems_provider is None:
            self.analyze_button.setToolTip("Load stems to analyse them")
        self.refreshed.emit()

    def _other_key(self, analysis: SongAnalysis | None) -> Key | None:
        """What one click switches to: the runner-up, or back to the heard key once switched away."""
        if analysis is None or analysis.key is None or analysis.key_runner_up is None:
            return None
        return analysis.key_runner_up if self.project.key == analysis.key else analysis.key

    def _show_key_choice(self, analysis: SongAnalysis | None) -> None:
        other = self._other_key(analysis)
        self.runner_up_button.setVisible(other is not None)
        if other is not None:
            self.runner_up_button.setText(f"Use {other.name}")
            self.runner_up_button.setToolTip(f"Switch the song's key to {other.name} (undoable)")

    def switch_key(self) -> None:
        """One click: the runner-up key (or back to the key Accord heard), as one undoable OverrideKey."""
        other = self._other_key(stored_analysis(self.project))
        if other is not None and other != self.project.key:
            self._push(OverrideKey(other))

    def _refresh_roles(self, analysis: SongAnalysis | None) -> None:
        # The rows are rebuilt only when the stems themselves change (added, removed, renamed); a role or a guess
        # that changes is shown in its row's box. Applying an analysis sets each stem's role in its own step, and
        # rebuilding every row at each step held the GUI thread (and the GIL the audio callback needs) for
        # ~0.3 s with 16 stems, just as the result arrived.
        stems = tuple((s.id, s.name) for s in self.project.stems)
        if stems != self._roles_signature:
            self._roles_signature = stems
            self._build_role_rows()
        for stem in self.project.stems:
            combo = self._role_combos[stem.id]
            guessed = analysis.roles.get(stem.name) if analysis else None
            label = f"{GUESS}: {guessed}" if guessed and not stem.role else GUESS
            if combo.itemText(0) != label:
                combo.setItemText(0, label)
            index = 1 + ROLES.index(stem.role) if stem.role in ROLES else 0
            if combo.currentIndex() != index:
                combo.setCurrentIndex(index)

    def _build_role_rows(self) -> None:
        while self.roles_grid.count():
            item = self.roles_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._role_combos = {}
        for row, stem in enumerate(self.project.stems):
            combo = QComboBox()
            combo.addItems([GUESS] + list(ROLES))
            combo.setToolTip("The stem's part in the beat, key and chords; fx: left out of them (a riser, a vinyl bed)")
            combo.activated.connect(lambda _i, sid=stem.id, c=combo: self.set_role(sid, c.currentText()))
            name = ElidedLabel(stem.name)  # a long track name ends in "…": the dock keeps its width
            name.setToolTip(f"{stem.name}: its part in the song")
            self.roles_grid.addWidget(name, row, 0)
            self.roles_grid.addWidget(combo, row, 1)
            self._role_combos[stem.id] = combo

    # --- widgets → edits -------------------------------------------------------------------------
    def _bpm_changed(self, value: float) -> None:
        if value < MIN_BPM:  # stepped down onto "—": a tempo cannot be unset from here, show the song's again
            self.refresh()
            return
        if self.project.tempo_bpm is None or abs(value - self.project.tempo_bpm) > 1e-6:
            self._push(SetTempo(value))

    def tap(self, now: float | None = None) -> float | None:
        """Register one tap (time in seconds; default now). Returns the tempo once there are two taps."""
        from app.core.analysis.rhythm.tap import tap_tempo

        now = time.monotonic() if now is None else float(now)
        if self._taps and now - self._taps[-1] > TAP_RESET_SECONDS:
            self._taps = []
        if not self._taps:
            self._tap_gesture += 1
        self._taps.append(now)
        bpm = tap_tempo(self._taps[-8:])
        if bpm is not None:
            self._push(SetTempo(bpm, tapped=True, gesture=("tap", id(self), self._tap_gesture)))
        return bpm

    def _meter_chosen(self, _index: int) -> None:
        ts = TimeSignature.parse(self.meter.currentText())
        if ts != self.project.time_signature:
            self._push(SetTimeSignature(ts))

    def nudge(self, delta: float) -> None:
        self._push(NudgeDownbeat(delta))

    def _key_chosen(self, _index: int) -> None:
        text = self.key.currentText()
        key = None if text == NO_KEY else Key.parse(text)
        if key != self.project.key:
            self._push(OverrideKey(key))

    def set_role(self, stem_id: str, text: str) -> None:
        role = None if text.startswith(GUESS) else text
        stem = self.project.stem(stem_id)
        if role != stem.role:
            self._push(OverrideStemRole(stem_id, role))
