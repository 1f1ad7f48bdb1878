"""Edit → Preferences…: audio output, MIDI ports, export defaults, start-up, and who signs exports.

Reads and writes only through `app.ui.preferences.Preferences` (one declared model). The device and port
lists come from the real backends and are injectable so that a test can give fixed lists."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.audio.io import PROJECT_RATE
from app.ui.dialogs.export_choices import FORMAT_CHOICES
from app.ui.dialogs.messages import as_sentences
from app.ui.preferences import BUFFER_SIZES, Preferences

log = logging.getLogger(__name__)
DeviceLister = Callable[[], list[dict[str, Any]]]
PortLister = Callable[[], dict[str, list[str]]]


def real_output_devices() -> list[dict[str, Any]]:
    from app.core.audio.engine import list_output_devices

    return list_output_devices()


def real_midi_ports() -> dict[str, list[str]]:
    """{"inputs": [...], "outputs": [...]} from app.core.live (JACK or the platform's MIDI); raises if none."""
    from app.core.live.ports import list_ports

    return list_ports()


def identity_text(keys_dir: Path) -> str:
    from app.core.errors import AccordError
    from app.core.provenance.identity import load_identity

    try:
        identity = load_identity(keys_dir)
    except AccordError as exc:
        return f"The signing identity cannot be read: {exc}"
    if identity is None:
        return "No signing identity yet: the Export dialog asks for your name and creates one."
    pending = "" if identity.name_confirmed else " (a stand-in name: set yours with `accord identity`)"
    return f"Exports are signed by {identity.name}{pending}\nKey id {identity.key_id[:16]}…"


def fit_height(dialog: QDialog) -> None:
    """Make `dialog` tall enough for its wrapped notes at its width (within the screen). Qt sizes a dialog
    from its layout's minimum, which leaves out the lines a word-wrapped label needs: with the "No MIDI system"
    and "Playback is unavailable" notes the combo boxes were squeezed to 13 px and the notes cut to a line."""
    layout = dialog.layout()
    if layout is None:
        return
    width = dialog.width()
    need = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
    screen = dialog.screen()
    room = screen.availableGeometry().height() - 40 if screen is not None else need
    if dialog.height() < need:
        dialog.resize(width, max(dialog.height(), min(need, room)))


class PreferencesDialog(QDialog):
    def __init__(self, prefs: Preferences, keys_dir: Path, parent: QWidget | None = None, *,
                 devices: DeviceLister | None = None, midi_ports: PortLister | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PreferencesDialog")
        self.setWindowTitle("Preferences")
        self.prefs = prefs
        layout = QVBoxLayout(self)
        layout.addWidget(self._audio_box(devices or real_output_devices))
        layout.addWidget(self._midi_box(midi_ports or real_midi_ports))
        layout.addWidget(self._export_box())
        start = QGroupBox("Start")
        self.reopen_last = QCheckBox("Reopen the last project when the studio starts without one")
        self.reopen_last.setChecked(prefs.reopen_last)
        QVBoxLayout(start).addWidget(self.reopen_last)
        layout.addWidget(start)
        ident = QGroupBox("Signing identity")
        self.identity = QLabel(identity_text(keys_dir))
        self.identity.setWordWrap(True)
        QVBoxLayout(ident).addWidget(self.identity)
        layout.addWidget(ident)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 — Qt's name
        fit_height(self)
        super().showEvent(event)

    # --- sections ----------------------------------------------------------------------------------
    def _audio_box(self, devices: DeviceLister) -> QGroupBox:
        box = QGroupBox("Audio output")
        form = QFormLayout(box)
        self.device = QComboBox()
        self.device.addItem("System default", "")
        found = devices()
        for dev in found:
            self.device.addItem(str(dev["name"]), str(dev["name"]))
        self._select(self.device, self.prefs.audio_device, keep_unknown=True)
        self.audio_note = QLabel("" if found else "Playback is unavailable here: no audio output device was "
                                 "found (or PortAudio/sounddevice is missing). The choice is kept for later.")
        self.audio_note.setWordWrap(True)
        self.audio_note.setVisible(not found)
        self.buffer = QComboBox()
        for size in BUFFER_SIZES:
            self.buffer.addItem(f"{size} frames", size)
        self._select(self.buffer, self.prefs.buffer_size)
        self.rate = QComboBox()
        self.rate.addItem(f"{PROJECT_RATE} Hz", PROJECT_RATE)
        self.rate.setEnabled(False)  # the engine plays the project's mix at its own rate (no resampling yet)
        self.rate.setToolTip("The studio mixes and plays at the project rate.")
        form.addRow("Device", self.device)
        form.addRow("", self.audio_note)
        form.addRow("Buffer size", self.buffer)
        form.addRow("Sample rate", self.rate)
        return box

    def _midi_box(self, midi_ports: PortLister) -> QGroupBox:
        box = QGroupBox("MIDI ports")
        form = QFormLayout(box)
        reason = ""
        try:
            ports: dict[str, list[str]] | None = midi_ports()
        except Exception as exc:  # noqa: BLE001 — any backend failure means "no ports to offer"
            log.info("no MIDI ports: %s", exc)
            ports, reason = None, as_sentences(exc, todo="To get one")  # sentences, not nested brackets
        self.midi_in, self.midi_out = QComboBox(), QComboBox()
        for combo, names, current in ((self.midi_in, (ports or {}).get("inputs", []), self.prefs.midi_input),
                                      (self.midi_out, (ports or {}).get("outputs", []), self.prefs.midi_output)):
            combo.addItem("None", "")
            for name in names:
                combo.addItem(name, name)
            self._select(combo, current, keep_unknown=True)
        # Which piece is missing (python-rtmidi, a JACK server, the ALSA sequencer...), in the backend's words.
        why = reason or "no JACK server and no platform MIDI."
        self.midi_note = QLabel(f"No MIDI system is available here: {why} Live play needs one; "
                                "your port choices are kept.")
        self.midi_note.setWordWrap(True)
        self.midi_available = ports is not None
        if self.midi_available:
            form.addRow("Input", self.midi_in)
            form.addRow("Output", self.midi_out)
        else:
            self.midi_in.setVisible(False)
            self.midi_out.setVisible(False)
            form.addRow(self.midi_note)
        self.midi_note.setVisible(not self.midi_available)
        return box

    def _export_box(self) -> QGroupBox:
        box = QGroupBox("Export")
        form = QFormLayout(box)
        self.export_folder = QLineEdit(self.prefs.export_folder)
        self.export_folder.setPlaceholderText("the project's exports/ folder, else ~/Music/Accord exports")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.export_folder, 1)
        row.addWidget(browse)
        self.export_format = QComboBox()
        for key, label in FORMAT_CHOICES:
            self.export_format.addItem(label, key)
        self._select(self.export_format, self.prefs.export_format)
        form.addRow("Default folder", row)
        form.addRow("Default format", self.export_format)
        return box

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Default export folder", self.export_folder.text())
        if path:
            self.export_folder.setText(path)

    @staticmethod
    def _select(combo: QComboBox, value: Any, *, keep_unknown: bool = False) -> None:
        index = combo.findData(value)
        if index < 0 and keep_unknown and value:
            combo.addItem(f"{value} (not connected)", value)  # a device unplugged now stays chosen
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))

    # --- result ------------------------------------------------------------------------------------
    def save(self) -> None:
        """Write the dialog's choices through the preferences model."""
        p = self.prefs
        p.audio_device = str(self.device.currentData())
        p.buffer_size = int(self.buffer.currentData())
        p.midi_input = str(self.midi_in.currentData())
        p.midi_output = str(self.midi_out.currentData())
        p.export_folder = self.export_folder.text().strip()
        p.export_format = str(self.export_format.currentData())
        p.reopen_last = self.reopen_last.isChecked()
        p.sync()

    def accept(self) -> None:
        self.save()
        super().accept()
