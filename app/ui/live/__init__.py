"""The studio's live MIDI: ports, record, call and response, MIDI out, sync, metronome (see docs/live.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.ui.context import PanelKey

if TYPE_CHECKING:
    from app.ui.live.panel import LivePanel

LIVE: PanelKey[LivePanel] = PanelKey("Live")
