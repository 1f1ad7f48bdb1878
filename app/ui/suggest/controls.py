"""The suggestions panel's request form: range, mode, count and the musical controls, read as a
`SuggestRequest` (app/core/project/cocreation/cocreate.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QRadioButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from app.core.audio.synth import DEFAULT_INSTRUMENT, display_names
from app.core.model.constraints import DEFAULT_MAX_COPY
from app.core.model.generation.generate import DEFAULT_TEMPERATURE, VARY_KINDS
from app.core.model.style.profile import BREATHING
from app.core.model.style.structure import STRUCTURES
from app.core.music import pitch_name
from app.core.project.cocreation.cocreate import DENSITIES, MODES, SuggestRequest
from app.core.project.cocreation.feel import FEEL_LABELS, FEELS
from app.core.project.limits import (
    MIDI_PITCHES,
    REQUEST_BARS,
    REQUEST_COUNT,
    REQUEST_LAST_START_BAR,
    REQUEST_MAX_COPY,
)

STRUCTURE_LABELS = {"free": "Free", "repeat-and-vary": "Repeat and vary", "call-and-answer": "Call and answer"}
BREATHING_LABELS = {"none": "No rests", "less": "Less than your catalogue", "catalogue": "As your catalogue",
                    "more": "More than your catalogue"}
MODE_LABELS = {"continue": "Continue", "fill": "Fill", "vary": "Vary"}
DENSITY_LABELS = {"any": "As your catalogue", "sparse": "Sparse (1–4 per bar)", "medium": "Medium (3–8)", "busy": "Busy (6–16)"}


class PitchSpin(QSpinBox):
    """A MIDI pitch shown as a note name (C4 = 60)."""

    def textFromValue(self, value: int) -> str:  # noqa: N802 — Qt's name
        return pitch_name(value)


class SuggestControls(QWidget):
    """Emits `from_loop_requested` when the artist asks to take the range from the timeline's loop."""

    from_loop_requested = Signal()
    instrument_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start_bar = QSpinBox()
        self.start_bar.setRange(1, REQUEST_LAST_START_BAR + 1)
        self.start_bar.setObjectName("Suggest-from")
        self.bars = QSpinBox()
        self.bars.setRange(int(REQUEST_BARS.low), int(REQUEST_BARS.high))
        self.bars.setValue(4)
        self.bars.setObjectName("Suggest-bars")
        self.from_loop = QPushButton("From loop")
        self.from_loop.setToolTip("Use the loop region (Shift-drag on the ruler) as the range")
        self.from_loop.clicked.connect(self.from_loop_requested)
        self.whole_lead = QCheckBox("Whole lead melody")
        self.whole_lead.toggled.connect(lambda on: (self.start_bar.setEnabled(not on), self.bars.setEnabled(not on)))
        self.modes = QButtonGroup(self)
        mode_row = QHBoxLayout()
        for i, m in enumerate(MODES):
            b = QRadioButton(MODE_LABELS[m])
            b.setObjectName(f"Suggest-mode-{m}")
            self.modes.addButton(b, i)
            mode_row.addWidget(b)
        self.modes.button(0).setChecked(True)
        self.vary_kind = QComboBox()
        for k in VARY_KINDS:
            self.vary_kind.addItem(k.capitalize(), k)
        mode_row.addWidget(self.vary_kind)
        self.modes.idToggled.connect(lambda *_: self.vary_kind.setEnabled(self.mode() == "vary"))
        self.vary_kind.setEnabled(False)
        self.count = QSpinBox()
        self.count.setRange(int(REQUEST_COUNT.low), int(REQUEST_COUNT.high))
        self.count.setValue(4)
        self.count.setObjectName("Suggest-count")
        self.key_lock = QCheckBox("Stay in the song's key")
        self.key_lock.setChecked(True)
        # Under the learned style the key is the scale as the catalogue sings it: say so where it is chosen.
        self.key_lock.setToolTip("Notes of the song's key, plus the notes your catalogue itself uses in that "
                                 "mode (at least 1.5 % of its notes, e.g. a flat 7th in major)")
        self.auto_range = QCheckBox("Lead's range")
        self.auto_range.setChecked(True)
        self.low, self.high = PitchSpin(), PitchSpin()
        for s, v in ((self.low, 55), (self.high, 79)):
            s.setRange(int(MIDI_PITCHES.low), int(MIDI_PITCHES.high))
            s.setValue(v)
            s.setEnabled(False)
        self.auto_range.toggled.connect(lambda on: (self.low.setEnabled(not on), self.high.setEnabled(not on)))
        self.density = QComboBox()
        for k in DENSITIES:
            self.density.addItem(DENSITY_LABELS[k], k)
        self.feel = QComboBox()
        self.feel.setObjectName("Suggest-feel")
        for k in FEELS:
            self.feel.addItem(FEEL_LABELS[k], k)
        self.set_song_feel(False)
        self.breathing = QComboBox()
        self.breathing.setObjectName("Suggest-breathing")
        for k in BREATHING:
            self.breathing.addItem(BREATHING_LABELS[k], k)
        self.breathing.setCurrentIndex(self.breathing.findData("catalogue"))
        self.breathing.setToolTip("Rests between phrases, where and how long as in your catalogue")
        self.structure = QComboBox()
        self.structure.setObjectName("Suggest-structure")
        for k in STRUCTURES:
            self.structure.addItem(STRUCTURE_LABELS[k], k)
        self.structure.setCurrentIndex(self.structure.findData("repeat-and-vary"))
        self.structure.setToolTip("Repeat and vary bars as often as your catalogue does, or answer a two-bar call")
        self.closeness = QSlider(Qt.Orientation.Horizontal)
        self.closeness.setRange(0, 100)
        self.closeness.setValue(50)
        self.closeness.setToolTip("Vary: how close to the original (left far, right near)")
        self.adventure = QSlider(Qt.Orientation.Horizontal)
        self.adventure.setRange(10, 150)
        self.adventure.setValue(int(DEFAULT_TEMPERATURE * 100))
        self.adventure.setToolTip("Left: safe, typical choices. Right: bolder, rarer ones")
        self.max_copy = QSpinBox()
        self.max_copy.setRange(int(REQUEST_MAX_COPY.low), int(REQUEST_MAX_COPY.high))
        self.max_copy.setValue(DEFAULT_MAX_COPY)
        self.max_copy.setSpecialValueText("no limit")
        self.max_copy.setToolTip("No run of more than this many notes copied from any single work")
        self.instrument = QComboBox()
        self.instrument.setObjectName("Suggest-instrument")
        for name, shown in display_names().items():
            self.instrument.addItem(shown, name)
        self.instrument.setCurrentIndex(max(0, self.instrument.findData(DEFAULT_INSTRUMENT)))
        self.instrument.setToolTip("The built-in sound ideas are auditioned with (kept tracks keep theirs)")
        self.instrument.currentIndexChanged.connect(
            lambda _i: self.instrument_changed.emit(str(self.instrument.currentData())))
        self.play_first = QCheckBox("Play the first one as soon as it's ready")
        self.play_first.setChecked(True)
        self.mute_lead = QCheckBox("Mute the song's lead while auditioning")
        self.mute_lead.setObjectName("Suggest-mute-lead")
        self.mute_lead.setChecked(True)
        self.mute_lead.setToolTip("Hear each idea in place of the lead stem (the project itself is not changed)")

        range_row = QHBoxLayout()
        range_row.addWidget(self.start_bar)
        range_row.addWidget(self.bars)
        range_row.addWidget(self.from_loop)
        pitch_row = QHBoxLayout()
        pitch_row.addWidget(self.auto_range)
        pitch_row.addWidget(self.low)
        pitch_row.addWidget(self.high)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("From bar · bars", range_row)
        form.addRow("", self.whole_lead)
        form.addRow("Mode", mode_row)
        form.addRow("How many", self.count)
        form.addRow("Key", self.key_lock)
        form.addRow("Pitch range", pitch_row)
        form.addRow("Density", self.density)
        form.addRow("Feel", self.feel)
        form.addRow("Breathing", self.breathing)
        form.addRow("Structure", self.structure)
        form.addRow("Closeness", self.closeness)
        form.addRow("Adventurous", self.adventure)
        form.addRow("Max copied run", self.max_copy)
        form.addRow("Sound", self.instrument)
        form.addRow("", self.play_first)
        form.addRow("", self.mute_lead)

    def set_song_feel(self, triplets: bool) -> None:
        """Name what "Song's feel" means for this song: triplets where the ears heard each beat divide in three."""
        shown = "triplets" if triplets else "straight"
        self.feel.setItemText(0, f"{FEEL_LABELS['song']} ({shown})")
        self.feel.setToolTip(f"The song's own feel ({shown}: heard in the stems), or straight eighths and "
                             "sixteenths, or triplets (each beat in three: shuffle, swing, 12/8 feel)")

    def mode(self) -> str:
        return MODES[max(0, self.modes.checkedId())]

    def set_mode(self, mode: str) -> None:
        self.modes.button(MODES.index(mode)).setChecked(True)

    def set_range(self, start_bar: int, bars: int) -> None:
        self.start_bar.setValue(start_bar + 1)
        self.bars.setValue(max(1, min(32, bars)))

    def request(self) -> SuggestRequest:
        return SuggestRequest(
            mode=self.mode(), start_bar=self.start_bar.value() - 1, bars=self.bars.value(), count=self.count.value(),
            whole_lead=self.whole_lead.isChecked(), key_lock=self.key_lock.isChecked(),
            pitch_range=None if self.auto_range.isChecked() else (min(self.low.value(), self.high.value()),
                                                                   max(self.low.value(), self.high.value())),
            density=str(self.density.currentData()), closeness=self.closeness.value() / 100.0,
            adventurousness=self.adventure.value() / 100.0, max_copy=self.max_copy.value(),
            vary_kind=str(self.vary_kind.currentData()), breathing=str(self.breathing.currentData()),
            structure=str(self.structure.currentData()), feel=str(self.feel.currentData()))
