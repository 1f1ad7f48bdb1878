"""The tempo choices of the Analysis panel: the fit and its snap, the runner-up tempo, ½× and 2×, the same beats
in the other meter ("As 4/4"), and bar 1 moved by a beat or the grid by half of one. Each is one undoable edit that
keeps what was heard on the audio. A mixin of `AnalysisPanel` (panel.py), which owns the widgets it updates."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox

from app.core.analysis.result import SongAnalysis
from app.core.project.analysis_edits import (
    SetTempo,
    move_bar_one,
    off_beat_step,
    scale_tempo,
    set_triplet_feel,
    stored_analysis,
    write_beats_as,
)
from app.core.project.cocreation.feel import triplet_meter
from app.core.project.edits import Edit
from app.ui.analysis.texts import beats_as_texts, tempo_changes_text, tempo_runner_up_texts


class TempoChoices:
    """`scale_tempo`, `write_beats_as`, `use_tempo_runner_up`, `set_snap`, `move_bar_one`, `move_grid_off_beat` and
    the tempo rows' refresh."""

    def _show_tempo_fit(self, analysis: SongAnalysis | None) -> None:
        fit = analysis.tempo_fit_bpm if analysis is not None and analysis.tempo_determined else 0.0
        tempo = self.project.tempo_bpm
        self.snap.setEnabled(fit > 0)
        self.tempo_fit.setText(f"fit {fit:.2f} BPM" if fit > 0 else "")
        self.snap.setToolTip("The least-squares tempo of the beats, or the nearest whole BPM" if fit > 0
                             else "Analyse the stems first")
        self.snap.setChecked(fit > 0 and tempo is not None and abs(tempo - round(tempo)) < 1e-9
                             and abs(tempo - round(fit)) < 1e-9)
        grid = self.project.beat_grid()
        changes = tempo_changes_text(analysis, tempo, grid)
        if grid is not None and grid.follows_tempo:  # no one tempo to snap: the grid follows the beats
            self.snap.setEnabled(False)
            self.snap.setToolTip("The bars follow the song's own beats; set a tempo to use one steady tempo")
        self.tempo_changes.setText(changes)
        self.tempo_changes.setVisible(bool(changes))
        other = tempo_runner_up_texts(analysis, tempo)
        self.tempo_runner_up_button.setVisible(other is not None)
        if other is not None:
            self.tempo_runner_up_button.setText(other[0])
            self.tempo_runner_up_button.setToolTip(other[1])

    def _build_feel_choice(self) -> None:
        """The "Triplet feel" box beside a simple meter: the song's beat in three (swing, shuffle, a 12/8 feel written
        4/4), as the ears heard it or as the artist sets it; suggestions in the song's feel follow it."""
        self.triplet_feel = QCheckBox("Triplet feel")
        self.triplet_feel.setObjectName("TripletFeel")
        self.triplet_feel.setToolTip("Each beat divides in three (swing, shuffle, a 12/8 feel written in 4/4): "
                                     "suggestions in the song's feel are in triplets (undoable)")
        self.triplet_feel.clicked.connect(lambda on: self._push_or_say(lambda: set_triplet_feel(self.project, on)))

    def _show_meter_choice(self) -> None:
        """The "As 4/4" / "As 12/8" button: shown where the meter has another common notation of its beats. The
        triplet feel box: shown on a simple meter with a quarter-note beat, once the song is analysed."""
        analysis = stored_analysis(self.project)
        self.triplet_feel.setVisible(analysis is not None and triplet_meter(self.project.time_signature) is not None)
        self.triplet_feel.setChecked(analysis is not None and analysis.triplet_feel)
        beats_as = beats_as_texts(self.project.tempo_bpm, self.project.time_signature)
        self.beats_as_button.setVisible(beats_as is not None)
        if beats_as is not None:
            self.beats_as_button.setText(beats_as[0])
            self.beats_as_button.setToolTip(beats_as[1])
            self.beats_as_button.setEnabled(beats_as[2])

    def use_tempo_runner_up(self) -> None:
        """One click: the runner-up tempo, everything heard kept on the audio (one undo step, as ½× and 2×)."""
        other = tempo_runner_up_texts(stored_analysis(self.project), self.project.tempo_bpm)
        if other is not None:
            self.scale_tempo(other[2])

    def set_snap(self, on: bool) -> None:
        """Snap the tempo to the whole BPM nearest the fit, or go back to the fit itself (undoable)."""
        analysis = stored_analysis(self.project)
        if analysis is None or analysis.tempo_fit_bpm <= 0:
            return
        fit = analysis.tempo_fit_bpm
        bpm = float(round(fit)) if on else round(fit, 2)
        if self.project.tempo_bpm is None or abs(bpm - self.project.tempo_bpm) > 1e-9:
            self._push(SetTempo(bpm))
        self.refresh()

    def scale_tempo(self, factor: float) -> None:
        """Halve (0.5) or double (2) the tempo, chords and the analysis kept on the audio (one undo step)."""
        self._push_or_say(lambda: scale_tempo(self.project, factor))

    def write_beats_as(self) -> None:
        """The same beats in the other common notation (6/8 ⇄ 4/4 in triplets), kept on the audio (one step)."""
        self._push_or_say(lambda: write_beats_as(self.project))

    def move_bar_one(self, beats: float) -> None:
        """Bar 1 a beat earlier (-1) or later (1), or every beat half a beat later (0.5): one undo step."""
        self._push_or_say(lambda: move_bar_one(self.project, beats))

    def move_grid_off_beat(self) -> None:
        """Every beat onto the "and": half a beat later, an eighth (a third of the beat) in 6/8 (one undo step)."""
        self.move_bar_one(off_beat_step(self.project.time_signature)[0])

    def _push_or_say(self, make: Callable[[], Edit]) -> None:
        try:
            edit = make()
        except ValueError as exc:  # no tempo, or past the tempo range: say so where the results are
            self.notes.setText(str(exc))
            return
        self._push(edit)

