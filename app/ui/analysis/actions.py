"""The Song menu: what the Analysis panel does, with keys, from anywhere in the window.

Fixing what the ears heard is a few quick gestures while the song plays — tap the tempo, halve or double it or
take its runner-up, write the same beats in the other meter (6/8 ⇄ 4/4 in triplets), set the triplet feel, take
the runner-up key, move
bar 1 by 10 ms or by a beat, or the whole grid onto the "and" — and the hands are on the keyboard, not on a dock
that may be hidden. The actions are the main window's
(`Qt.ApplicationShortcut`), so they work whatever has focus; a text field still gets the keys it edits with (Qt
offers them to it first). Each action follows its button: disabled when the button is (no tempo to halve, 2× past
the tempo range, no runner-up, an analysis already running), and the runner-up and meter actions name what they
switch to ("Use 72 BPM", "Use B minor", "Write the Same Beats as 4/4"). Each is the panel's own undoable edit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from app.core.project.analysis_edits import NUDGE_STEP_SECONDS

if TYPE_CHECKING:
    from app.ui.analysis.panel import AnalysisPanel

ANALYSE_KEY = "Ctrl+Shift+Return"
REREAD_KEY = "Ctrl+Shift+R"
TAP_KEY = "Ctrl+T"
HALVE_KEY, DOUBLE_KEY = "Ctrl+Shift+Down", "Ctrl+Shift+Up"
RUNNER_UP_KEY = "Ctrl+Shift+K"
TEMPO_RUNNER_UP_KEY = "Ctrl+Shift+T"
TEMPO_RUNNER_UP_TEXT = "Use the Runner-up Tem&po"
EARLIER_KEY, LATER_KEY = "Ctrl+Shift+Left", "Ctrl+Shift+Right"
BEAT_EARLIER_KEY, BEAT_LATER_KEY, HALF_BEAT_KEY = "Ctrl+Alt+Left", "Ctrl+Alt+Right", "Ctrl+Alt+H"
RUNNER_UP_TEXT = "Use the &Runner-up Key"
BEATS_AS_TEXT = "&Write the Same Beats in the Other Meter"
HALF_BEAT_TEXT = "Move the &Grid Half a Beat Later"


class SongActions:
    """The Song menu's actions for `panel`; `menu` is the QMenu to fill, `host` the window that owns the keys,
    `show_panel` brings the Analysis dock into view (an analysis started by key shows its progress there)."""

    def __init__(self, panel: AnalysisPanel, menu: Any, host: Any, show_panel: Callable[[], None]) -> None:
        self.panel = panel
        self.host = host
        self._show_panel = show_panel
        self.analyse = self._action("&Analyse Stems", ANALYSE_KEY, "Song-analyse", self.analyse_now)
        self.reread = self._action("Re-read the Key and &Chords on This Grid", REREAD_KEY, "Song-reread",
                                   self.reread_now)
        self.tap = self._action("&Tap Tempo", TAP_KEY, "Song-tap", lambda: panel.tap())
        self.halve = self._action("&Halve Tempo", HALVE_KEY, "Song-halve", lambda: panel.scale_tempo(0.5))
        self.double = self._action("&Double Tempo", DOUBLE_KEY, "Song-double", lambda: panel.scale_tempo(2.0))
        self.tempo_runner_up = self._action(TEMPO_RUNNER_UP_TEXT, TEMPO_RUNNER_UP_KEY, "Song-tempo-runner-up",
                                            panel.use_tempo_runner_up)
        self.beats_as = self._action(BEATS_AS_TEXT, None, "Song-beats-as", panel.write_beats_as)
        # the song's feel (each beat in three), as the Analysis panel's "Triplet feel" box
        self.triplet_feel = self._action("Tri&plet Feel", None, "Song-triplet-feel", panel.triplet_feel.click)
        self.triplet_feel.setCheckable(True)
        self.runner_up = self._action(RUNNER_UP_TEXT, RUNNER_UP_KEY, "Song-runner-up", panel.switch_key)
        self.earlier = self._action(f"Move Bar 1 &Earlier ({NUDGE_STEP_SECONDS * 1000:.0f} ms)", EARLIER_KEY,
                                    "Song-bar-earlier", lambda: panel.nudge(-NUDGE_STEP_SECONDS))
        self.later = self._action(f"Move Bar 1 &Later ({NUDGE_STEP_SECONDS * 1000:.0f} ms)", LATER_KEY,
                                  "Song-bar-later", lambda: panel.nudge(NUDGE_STEP_SECONDS))
        self.beat_earlier = self._action("Move Bar 1 a &Beat Earlier", BEAT_EARLIER_KEY, "Song-beat-earlier",
                                         lambda: panel.move_bar_one(-1.0))
        self.beat_later = self._action("&Move Bar 1 a Beat Later", BEAT_LATER_KEY, "Song-beat-later",
                                       lambda: panel.move_bar_one(1.0))
        self.half_beat = self._action(HALF_BEAT_TEXT, HALF_BEAT_KEY, "Song-half-beat", panel.move_grid_off_beat)
        menu.addActions([self.analyse, self.reread])
        menu.addSeparator()
        menu.addActions([self.tap, self.halve, self.double, self.tempo_runner_up, self.beats_as, self.triplet_feel])
        menu.addSeparator()
        menu.addAction(self.runner_up)
        menu.addSeparator()
        menu.addActions([self.earlier, self.later, self.beat_earlier, self.beat_later, self.half_beat])
        panel.refreshed.connect(self.sync)
        panel.running_changed.connect(lambda _running: self.sync())
        self.sync()

    def _action(self, text: str, key: str | None, name: str, slot: Callable[[], Any]) -> QAction:
        act = QAction(text, self.host)
        act.setObjectName(name)
        if key is not None:  # (a notation change is rare enough to need no key of its own)
            act.setShortcut(QKeySequence(key))
        act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        act.triggered.connect(lambda _checked=False: slot())
        self.host.addAction(act)  # on the window: active whatever widget has focus
        return act

    def analyse_now(self) -> None:
        """Show the Analysis dock (its progress and Cancel) and analyse the stems."""
        self._show_panel()
        self.panel.analyze()

    def reread_now(self) -> None:
        """Show the Analysis dock and hear the key and chords again on the grid as it is now."""
        self._show_panel()
        self.panel.reread_on_grid()

    def sync(self) -> None:
        """Each action as its button: enabled when it can act, the runner-up named."""
        p = self.panel
        self.analyse.setEnabled(p.analyze_button.isEnabled())  # off while an analysis runs, or with no stems
        self.reread.setEnabled(p.reread_button.isEnabled())
        self.halve.setEnabled(p.halve_button.isEnabled())
        self.double.setEnabled(p.double_button.isEnabled())
        for act, button in ((self.beat_earlier, p.beat_earlier), (self.beat_later, p.beat_later),
                            (self.half_beat, p.half_beat)):
            act.setEnabled(button.isEnabled())
        # an eighth in a compound meter, whose beat has three
        third = p.project.time_signature.is_compound
        self.half_beat.setText(HALF_BEAT_TEXT.replace("Half", "a Third of") if third else HALF_BEAT_TEXT)
        tempo = p.tempo_runner_up_button.text() if not p.tempo_runner_up_button.isHidden() else ""
        self.tempo_runner_up.setEnabled(bool(tempo))
        self.tempo_runner_up.setText(f"{tempo} BPM" if tempo else TEMPO_RUNNER_UP_TEXT)  # "Use 72 BPM"
        as_meter = p.beats_as_button.text() if not p.beats_as_button.isHidden() else ""
        self.beats_as.setEnabled(bool(as_meter) and p.beats_as_button.isEnabled())
        # "Write the Same Beats as 4/4", from the button's "As 4/4"
        self.beats_as.setText(f"&Write the Same Beats {as_meter[:1].lower()}{as_meter[1:]}" if as_meter
                              else BEATS_AS_TEXT)
        self.triplet_feel.setEnabled(not p.triplet_feel.isHidden())
        self.triplet_feel.setChecked(p.triplet_feel.isChecked())
        other = p.runner_up_button.text() if not p.runner_up_button.isHidden() else ""
        self.runner_up.setEnabled(bool(other))
        self.runner_up.setText(other.replace("&", "&&") if other else RUNNER_UP_TEXT)
