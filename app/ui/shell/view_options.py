"""View-menu options that change how the timeline draws its lanes, each remembered in the preferences.

- Compact Tracks (Ctrl+Shift+H): a DAW's track height. A producer's 16-track export shows 3 full lanes on a
  1366x768 screen and 7 compact ones (the name and mute/solo only).
- Waveforms in Decibels (Ctrl+Shift+D): a DAW export's quiet parts (-30 to -40 dBFS) are flat lines on a linear
  scale; on a 60 dB scale they show where they play.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from app.ui.menu_actions import add_action
from app.ui.preferences import Preferences
from app.ui.timeline.view import TimelineView


class ViewOptions:
    """The checkable View entries; each applies itself to `timeline` and is written to `prefs` when toggled."""

    def __init__(self, menu: QMenu, timeline: TimelineView, prefs: Preferences) -> None:
        self.prefs = prefs
        self.compact_tracks = self._option(
            menu, "&Compact Tracks", "Ctrl+Shift+H", "compact_tracks", timeline.set_compact,
            "Show each track's name and mute/solo only (gain and pan come back when unticked)")
        self.waveform_decibels = self._option(
            menu, "Waveforms in &Decibels", "Ctrl+Shift+D", "waveform_decibels", timeline.set_waveform_decibels,
            "Draw waveform heights in dB (60 dB range), so quiet tracks show where they play")

    def _option(self, menu: QMenu, text: str, shortcut: str, pref: str, apply: Callable[[bool], None],
                tip: str) -> QAction:
        """`pref` names a Preferences attribute; the stored choice is applied at once."""
        action = add_action(menu, text, None, QKeySequence(shortcut))
        action.setCheckable(True)
        action.setToolTip(tip)

        def toggled(on: bool) -> None:
            apply(on)
            setattr(self.prefs, pref, on)

        action.toggled.connect(toggled)
        action.setChecked(getattr(self.prefs, pref))
        return action
