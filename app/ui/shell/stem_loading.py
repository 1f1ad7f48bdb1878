"""The main window's stem loading: files and folders decode off the GUI thread in batches (app/ui/shell/
loading.py); a drop, File → Add Stems…, opening a project and relinking a missing file all come through here.

A mixin of `MainWindow` (it uses the window's project, runner, status bar, lanes and undo), kept apart so the
window's file stays about the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from app.core.project.edits import AddStems, RelinkStem
from app.core.project.model import StemRef
from app.ui.shell.loading import LoadBatch, LoadedStem, LoadOutcome, expand_paths


class StemLoading:
    """Loading stems for `MainWindow`: `add_stem_files`, `cancel_loading`, `loading`, `locate_stem`."""

    _batches: list[LoadBatch]


    def add_stem_files(self, paths: Iterable[str | Path]) -> LoadBatch | None:
        """Decode files/folders off the GUI thread and add them as stems (one undo step). What a drop does."""
        files, skipped = expand_paths(paths)
        if not files:
            if skipped:
                self._report_failures(skipped)
            return None
        return self._start_batch([(f, None) for f in files], adding=True, skipped=skipped)

    def _start_batch(self, items: list[tuple[Path, str | None]], *, adding: bool,
                     skipped: Sequence[tuple[Path, str]] = ()) -> LoadBatch:
        # Decode at the output's rate, so a project made at another rate still plays.
        batch = LoadBatch(self.runner, items, sample_rate=self.engine.sample_rate, skipped=skipped)
        self._batches.append(batch)
        batch.progress.connect(self.status.show_progress)
        if not adding:
            batch.stem_loaded.connect(self._project_stem_loaded)
        batch.finished.connect(lambda outcome, b=batch, a=adding: self._batch_finished(b, outcome, a))
        loading = f"Loading {len(items)} file{'s' if len(items) != 1 else ''}…"
        self.status.show_progress(0.0, loading)
        self.timeline_view.set_loading(loading + "\n(the progress and Cancel are in the status bar)")
        return batch.start()

    def _project_stem_loaded(self, loaded: LoadedStem) -> None:
        sid = loaded.key
        try:
            stem = self.project.stem(sid)
        except KeyError:
            return  # removed while it was decoding
        if stem.path != loaded.path:
            return  # relinked meanwhile; the newer load will arrive
        self._keep_audio(sid, loaded)
        if stem.content_sha256 is None:
            stem.content_sha256 = loaded.audio.content_sha256  # metadata only: not an edit to undo
        elif stem.content_sha256 != loaded.audio.content_sha256:
            self.status.message(f"{stem.name}: the file changed since the project was saved")
        self.rebuild_mix()

    def _keep_audio(self, sid: str, loaded: LoadedStem) -> None:
        self.decoded[sid] = loaded.audio
        self.peaks[sid] = loaded.peaks
        self.stem_lanes.show_audio(sid, loaded.peaks, loaded.audio.frames, loaded.audio.sample_rate)

    def _show_known_audio(self) -> None:
        """New lanes (added stems, undone removals) show audio that is already decoded."""
        for sid, lane in self.stem_lanes.lanes.items():
            if lane.waveform.peaks is None and sid in self.peaks:
                audio = self.decoded[sid]
                lane.waveform.set_audio(self.peaks[sid], audio.frames, audio.sample_rate)

    def _batch_finished(self, batch: LoadBatch, outcome: LoadOutcome, adding: bool) -> None:
        if batch in self._batches:
            self._batches.remove(batch)
        if not self._batches:
            self.status.hide_progress()
            self.timeline_view.set_loading(None)
        if outcome.cancelled:
            self.status.message("Loading cancelled")
            self.stems_loaded.emit(outcome)
            return
        if adding and outcome.loaded:
            stems = []
            for loaded in outcome.loaded:
                stem = StemRef(name=loaded.path.stem, path=loaded.path.absolute(),
                               content_sha256=loaded.audio.content_sha256)
                self._keep_audio(stem.id, loaded)
                stems.append(stem)
            self.push(AddStems(stems))
        if not adding:
            for path, _reason in outcome.failed:
                for stem in self.project.stems:
                    if stem.path == path:
                        self.stem_lanes.show_state(stem.id, "failed")
        if outcome.failed:
            self._report_failures(outcome.failed)
        n = len(outcome.loaded)
        self.status.message(f"Loaded {n} stem{'s' if n != 1 else ''}"
                            + (f", {len(outcome.failed)} failed" if outcome.failed else ""))
        self.stems_loaded.emit(outcome)

    def _report_failures(self, failed: Sequence[tuple[Path, str]]) -> None:
        self.dialogs.report_files(self, "Some files could not be loaded",
                                  "These files were not added; everything else was loaded.",
                                  [(str(p), reason) for p, reason in failed])

    def cancel_loading(self) -> None:
        for batch in list(self._batches):
            batch.cancel()
        self._batches.clear()
        self.status.hide_progress()
        self.timeline_view.set_loading(None)

    def loading(self) -> bool:
        return bool(self._batches)

    def _reload_stem(self, stem_id: str) -> None:
        stem = self.project.stem(stem_id)
        self.decoded.pop(stem_id, None)
        if stem.missing:
            self.stem_lanes.show_state(stem_id, "missing")
            return
        self.stem_lanes.show_state(stem_id, "loading")
        self._start_batch([(stem.path, stem_id)], adding=False)

    def locate_stem(self, stem_id: str) -> None:
        stem = self.project.stem(stem_id)
        start = stem.path.parent if stem.path.parent.is_dir() else (self.project.folder or Path.home())
        path = self.dialogs.locate_file(self, stem.name, start)
        if path is not None:
            self.push(RelinkStem(stem_id, path.absolute()))

