"""Hear a work's melody, or a part it could come from, in the Catalogue panel (the Melody from box's Hear).

An artist choosing which part of a MIDI file, or which transcription of a bounce, is the melody wants to hear
it first, as a DAW's browser previews a clip. **Hear** plays the chosen line alone from its first note (its
first 45 s, `app.core.audio.preview`), pausing the song, and turns into **Stop** (Ctrl+Alt+P toggles it).
- The line is read from the file on the panel's worker, as Use This Part would read it (a transcription of a
  long bounce shows its progress and Cancel in the box). Not from the catalogue's stored melody: melodies leave
  the catalogue only through `usable_works`, with consent (tests/unit/test_catalogue_only_path.py). For a
  MIDI part that is the same line; for a bounce, the stored one may sit on an older grid (Read Again).
- A transcription plays **over the song** it was read from (With the song, on by default for audio works): the
  line on the grid it was put on, the bounce under it at -6 dB, so the artist hears whether it follows the tune.
- That reading is kept for the session, so **Use This Part** right after does not transcribe the file a second
  time.
The preview goes through the studio's one audio engine beside the song's mix (the song's transport, loop and
position are left alone), so it needs no second output stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence

from app.core import analysis  # the ears (numba, librosa) load with the first import or reading
from app.core.audio.preview import PREVIEW_SECONDS, Preview, melody_over_song, melody_preview
from app.core.catalogue import Catalogue
from app.core.catalogue.importing.audio_import import read_mono
from app.core.catalogue.importing.melody_source import CandidateReading, MelodyCandidate, read_candidate
from app.core.errors import AccordError, PlaybackError
from app.core.music import Melody
from app.core.tasks import CancelToken
from app.ui.catalogue.importing import EitherToken
from app.ui.catalogue.melody_choice import HEAR_KEY, reading_text
from app.ui.shell.status import cannot_play_text
from app.ui.workers import TaskHandle

if TYPE_CHECKING:
    from app.core.audio.engine import AudioEngine
    from app.ui.catalogue.melody_choice import MelodyChoiceActions

POLL_MS = 100  # how soon Stop turns back into Hear after the line has played out


class MelodyHearing:
    """The Hear button's side of the box; `readings` keeps what was read from files, by (work, source)."""

    def __init__(self, actions: MelodyChoiceActions, engine: AudioEngine | None) -> None:
        self.actions = actions
        self.box = actions.box
        self.engine = engine
        self.readings: dict[tuple[int, str], CandidateReading] = {}
        self.preview: Preview | None = None
        self.timer = QTimer(self.box)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        self.box.hear_button.clicked.connect(self.toggle)
        self.box.choices.activated.connect(lambda _i: self.stop())  # the artist picked another line
        self.box.with_song.toggled.connect(lambda _on: self.stop())
        # an action of the panel, so the studio's shortcut sheet lists it; it works while the panel has focus
        self.action = QAction("Hear or Stop the Chosen Melody Part", actions.panel)
        self.action.setShortcut(QKeySequence(HEAR_KEY))
        self.action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.action.triggered.connect(lambda _checked=False: self.toggle())
        actions.panel.addAction(self.action)
        self.box.set_hearable(engine is not None)  # a panel shown outside the studio has no output
        self.box.show_hearing(False)  # the box's buttons as this panel has them (With the song follows Hear)

    @property
    def sounding(self) -> bool:
        return self.preview is not None and not self.preview.finished

    def toggle(self) -> TaskHandle | None:
        if self.sounding:
            self.stop()
            return None
        return self.hear()

    def reading(self, work_id: int, candidate: MelodyCandidate) -> tuple[Melody, str] | None:
        """The melody and detail Hear already read for a part not in use (None for the part in use: Read Again
        reads anew)."""
        known = None if candidate.current else self.readings.get((work_id, candidate.source))
        return None if known is None else (known.melody, known.detail)

    def hear(self) -> TaskHandle | None:
        chosen, work_id, engine = self.box.chosen(), self.box.work_id, self.engine
        if engine is None or chosen is None or work_id is None or self.actions.running:
            return None
        path, rate, own = self.actions.panel.catalogue_path, engine.sample_rate, CancelToken()
        known = self.readings.get((work_id, chosen.source))
        with_song = self.box.with_song.isChecked() and chosen.source.startswith("audio:")
        self.actions._token = own

        def task(progress, cancel):
            either = EitherToken(own, cancel)
            reading = known
            if reading is None:
                with Catalogue.open(path) as cat:
                    reading = read_candidate(cat, work_id, chosen, ears=analysis.whole_mix_reading, progress=progress,
                                             cancel=either)
            if with_song and reading.grid is not None and reading.melody.notes:
                song, song_rate = read_mono(reading.file, cancel=either)
                return reading, melody_over_song(reading.melody, reading.grid, song, song_rate=song_rate,
                                                 sample_rate=rate), True
            return reading, melody_preview(reading.melody, sample_rate=rate), False

        if known is None:  # a transcription or a part read from the file: show it working
            self.box.show_busy(True, reading_text(chosen))
            self.box.show_message(f"Reading {chosen.label} to hear it…")
        self.actions.handle = self.actions.panel.runner.start(
            "hear melody part", task, on_finished=lambda result: self._heard(work_id, chosen, result),
            on_failed=lambda exc: self.actions._use_ended(
                work_id, str(exc) if isinstance(exc, AccordError) else f"unexpected error: {exc}"),
            on_progress=self.actions._progressed,
            on_cancelled=lambda: self.actions._use_ended(work_id, "Cancelled: nothing to hear."))
        return self.actions.handle

    def _heard(self, work_id: int, chosen: MelodyCandidate, result) -> None:
        reading, samples, over_song = result
        melody = reading.melody
        self.actions.handle = None
        self.readings[(work_id, chosen.source)] = reading
        if not (shiboken6.isValid(self.box) and self.actions._shown()):
            return
        self.box.show_busy(False)
        if not self.actions._shown(work_id) or self.box.chosen() is None or \
                self.box.chosen().source != chosen.source or self.engine is None:
            return  # the artist moved on while it was read: play nothing unasked
        if not melody.notes:
            self.box.show_message(f"{chosen.label} has no notes to hear.")
            return
        if self.engine.transport.playing:
            self.engine.pause()
        try:
            self.preview = self.engine.play_preview(samples)
        except PlaybackError as exc:
            self.box.show_message(cannot_play_text(exc.reason))
            return
        tempo = f" at {melody.tempo_bpm:.0f} BPM" if melody.tempo_bpm else ""
        longer = (melody.end - melody.notes[0].onset) * 60.0 / (melody.tempo_bpm or 120.0) > PREVIEW_SECONDS
        first = f", its first {PREVIEW_SECONDS:.0f} s" if longer else ""
        held = " (the part in use)" if chosen.current else ""
        song = " over the song" if over_song else ""
        self.box.show_message(f"Hearing {chosen.label}{held}{song}: {len(melody.notes)} notes{tempo}{first}.")
        self.box.show_hearing(True)
        self.timer.start()

    def stop(self) -> None:
        """Stop the line (a short fade) and turn Stop back into Hear."""
        if self.preview is not None:
            self.preview.stop()
            self.preview = None
        self.timer.stop()
        if shiboken6.isValid(self.box):
            self.box.show_hearing(False)

    def _poll(self) -> None:
        if not self.sounding:
            self.stop()
