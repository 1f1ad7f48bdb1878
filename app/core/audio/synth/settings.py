"""How a suggestion should sound, as a JSON-able value, and the one function that renders it.

`RenderSettings` is stored in projects next to each suggestion track and hashed for the prerender cache.
`render_suggestion` dispatches to the plugin, the SoundFont or a built-in voice (in that order of
preference when several are set), then applies the effects chain.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.core.audio.synth.fx import apply_fx, normalize_chain
from app.core.audio.synth.instruments import DEFAULT_INSTRUMENT
from app.core.audio.synth.render import get_voice, render_melody
from app.core.audio.synth.timing import Timing
from app.core.errors import AccordError
from app.core.music import Melody


@dataclass(frozen=True)
class RenderSettings:
    instrument: str = DEFAULT_INSTRUMENT
    soundfont: str | None = None  # a .sf2/.sf3 path; "default" means the first GM bank found
    program: int = 0  # General MIDI program for the SoundFont (0–127)
    plugin: str | None = None  # a VST3/AU instrument path
    fx: Any = "dry"  # preset name or chain spec (see fx.normalize_chain)
    gain_db: float = 0.0
    tail_seconds: float = 1.5

    def validated(self) -> RenderSettings:
        """Check every field (AccordError naming it); the fx chain comes back in canonical form."""
        if self.plugin is None and self.soundfont is None:
            get_voice(self.instrument)
        if not (isinstance(self.program, int) and 0 <= self.program <= 127):
            raise AccordError(f"program {self.program!r} is outside 0–127 (General MIDI)")
        return RenderSettings(self.instrument, self.soundfont, self.program, self.plugin,
                              normalize_chain(self.fx), float(self.gain_db), float(self.tail_seconds))

    @property
    def source(self) -> str:
        """Which renderer is used: 'plugin', 'soundfont' or 'builtin'."""
        return "plugin" if self.plugin else "soundfont" if self.soundfont else "builtin"

    def to_json(self) -> dict[str, Any]:
        return {"instrument": self.instrument, "soundfont": self.soundfont, "program": self.program,
                "plugin": self.plugin, "fx": normalize_chain(self.fx), "gain_db": self.gain_db,
                "tail_seconds": self.tail_seconds}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RenderSettings:
        if not isinstance(data, dict):
            raise AccordError("render settings must be an object")
        try:
            settings = cls(
                instrument=str(data.get("instrument", DEFAULT_INSTRUMENT)),
                soundfont=None if data.get("soundfont") is None else str(data["soundfont"]),
                program=int(data.get("program", 0)),
                plugin=None if data.get("plugin") is None else str(data["plugin"]),
                fx=data.get("fx", "dry"),
                gain_db=float(data.get("gain_db", 0.0)),
                tail_seconds=float(data.get("tail_seconds", 1.5)),
            )
        except (TypeError, ValueError) as exc:
            raise AccordError(f"render settings are malformed: {exc}") from exc
        return settings.validated()

    def digest(self) -> str:
        """A stable hash of what changes the sound (for cache keys)."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class RenderResources:
    """Loaded SoundFonts/plugins and wavetables, reused across renders by one owner (e.g. a Prerenderer)."""

    tables: dict = field(default_factory=dict)
    _players: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def soundfont_player(self, path: str, sample_rate: int):
        from app.core.audio.synth.soundfont import SoundFontPlayer

        resolved = None if path == "default" else str(Path(path))
        key = ("sf", resolved, sample_rate)
        with self._lock:
            player = self._players.get(key)
            if player is None:
                player = SoundFontPlayer(resolved, sample_rate=sample_rate)
                self._players[key] = player
        return player

    def plugin_instrument(self, path: str | os.PathLike):
        from app.core.audio.synth.plugin import PluginInstrument

        key = ("plugin", str(Path(path)))
        with self._lock:
            instrument = self._players.get(key)
            if instrument is None:
                instrument = PluginInstrument(path)
                self._players[key] = instrument
        return instrument


def render_suggestion(melody: Melody, grid: Timing, settings: RenderSettings = RenderSettings(), *,
                      sample_rate: int = 48000, resources: RenderResources | None = None) -> np.ndarray:
    """Render a suggestion as `settings` say: float32 (2, n), effects applied, within [-1, 1]."""
    settings = settings.validated()
    res = resources if resources is not None else RenderResources()
    kw = {"tail_seconds": settings.tail_seconds, "gain_db": settings.gain_db}
    if settings.plugin:
        dry = res.plugin_instrument(settings.plugin).render(melody, grid, sample_rate=sample_rate, **kw)
    elif settings.soundfont:
        dry = res.soundfont_player(settings.soundfont, sample_rate).render(melody, grid, program=settings.program,
                                                                           **kw)
    else:
        dry = render_melody(melody, grid, instrument=settings.instrument, sample_rate=sample_rate,
                            cache=res.tables, **kw)
    return apply_fx(dry, sample_rate, settings.fx)
