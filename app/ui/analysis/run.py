"""Running the analysis from the Analysis panel: on Analyse, or by itself after stems load (cancellable, with
progress; new stems arriving mid-run restart it with all of them). The result is applied as one undoable
edit. A mixin of `AnalysisPanel` (panel.py), which owns the widgets it updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.analysis.inputs import StemInput
from app.core.analysis.result import SongAnalysis
from app.core.errors import AccordError
from app.core.project.analysis_edits import apply_analysis, apply_heard_on_grid, stored_analysis
from app.core.project.model import Project

GUESS = "(guess)"  # the lead choice that lets the analysis pick the lead stem


def stems_from_studio(project: Project, decoded: Mapping[str, Any]) -> list[StemInput]:
    """StemInputs for the project's stems whose audio is decoded (`decoded`: stem id -> DecodedAudio, as the
    main window keeps it). Missing stems are skipped; duplicate names get a numeric suffix."""
    out: list[StemInput] = []
    seen: dict[str, int] = {}
    for stem in project.stems:
        audio = decoded.get(stem.id)
        if audio is None or stem.missing:
            continue
        seen[stem.name] = seen.get(stem.name, 0) + 1
        name = stem.name if seen[stem.name] == 1 else f"{stem.name} ({seen[stem.name]})"
        out.append(StemInput(name, audio.samples, audio.sample_rate, audio.content_sha256, stem.role))
    if not out:
        raise AccordError("no decoded stems to analyse", hint="add stems or locate the missing ones")
    return out


class AnalysisRun:
    """`analyze`, `cancel`, `needs_analysis`, `stems_loaded` for the Analysis panel."""

    def analyze(self, *, on_grid: bool = False) -> None:
        """Analyse the stems; `on_grid`: hear the key and chords on the project's grid as the artist has it (after
        ½×, a moved bar 1, a typed tempo), keeping that grid (see reread_on_grid)."""
        if self.stems_provider is None or self.handle is not None:
            return
        grid = self.project.beat_grid() if on_grid else None
        if on_grid and grid is None:
            self.notes.setText("The song has no tempo yet: analyse it, or type or tap one first.")
            return
        try:
            stems = list(self.stems_provider())
        except AccordError as exc:
            self.notes.setText(str(exc))
            return
        roles = {s.name: s.role for s in self.project.stems if s.role}
        stems = [StemInput(s.name, s.samples, s.sample_rate, s.content_sha256, roles.get(s.name, s.role))
                 for s in stems]
        lead = self.lead.currentText()
        lead = None if lead == GUESS or lead not in {s.name for s in stems} else lead
        cache = self.cache

        def task(progress, cancel):
            # imported here, on the worker: the estimators (numba, librosa) load with the first analysis, not
            # before the window shows
            from app.core.analysis.pipeline import analyze_stems

            return analyze_stems(stems, lead=lead, cache=cache, progress=progress, cancel=cancel, grid=grid)

        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.analyze_button.setEnabled(False)
        self.reread_button.setEnabled(False)
        self.running_changed.emit(True)
        finished = self._finished_on_grid if on_grid else self._finished
        handle = self.runner.start("Hear the chords on this grid" if on_grid else "Analyse stems", task,
                                   on_finished=finished, on_failed=self._failed, on_progress=self._progress,
                                   on_cancelled=self._cancelled)
        if not handle.done:  # a synchronous runner (tests) has already finished and reported
            self.handle = handle
            self.analyze_button.setEnabled(False)
            self.reread_button.setEnabled(False)

    def reread_on_grid(self) -> None:
        """The key and chords heard again on the grid as it is now: after fixing the tempo or bar 1 by hand, the
        chords read on the old grid sit across the new beats (one undo step; the grid stays the artist's)."""
        self.analyze(on_grid=True)

    def cancel(self) -> None:
        self._rerun = False
        if self.handle is not None:
            self.handle.cancel()

    def needs_analysis(self) -> bool:
        """No analysis yet, or one made from other stems than the project's decoded ones now."""
        analysis = stored_analysis(self.project)
        if analysis is None:
            return True
        try:
            now = sorted((s.name, s.content_sha256) for s in (self.stems_provider or (lambda: []))())
        except AccordError:
            return False
        return sorted(analysis.stems) != now

    def stems_loaded(self, outcome: Any = None) -> None:
        """After stems load: analyse by itself (with "Analyse when stems load"), unless the stored analysis
        is of these very stems. A run in progress is cancelled and started again with all of them."""
        if not self.auto.isChecked() or self.stems_provider is None or not self.project.stems:
            return
        if outcome is not None and getattr(outcome, "cancelled", False):
            return
        if self.handle is not None:
            self._rerun = True
            self.handle.cancel()
            return
        if self.needs_analysis():
            self.analyze()

    def _progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{text} %p%" if text else "%p%")

    def _done(self) -> None:
        self.handle = None
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(False)
        self.refresh()
        self.running_changed.emit(False)

    def _finished(self, analysis: SongAnalysis) -> None:
        self.handle = None
        self._push(apply_analysis(self.project, analysis))
        self._done()

    def _finished_on_grid(self, analysis: SongAnalysis) -> None:
        self.handle = None
        self._push(apply_heard_on_grid(self.project, analysis))
        self._done()

    def _failed(self, exc: BaseException) -> None:
        self._done()
        self.notes.setText(f"Analysis failed: {exc}")

    def _cancelled(self) -> None:
        self._done()
        if self._rerun:  # new stems arrived while analysing: start again with all of them
            self._rerun = False
            self.stems_loaded()
            return
        self.notes.setText("Analysis cancelled; nothing was changed.")
