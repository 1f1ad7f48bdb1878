"""Decoding stems off the GUI thread: one task per file on the TaskRunner, reported as one batch.

Dropped files and folders, File → Add Stems… and opening a project all come through `LoadBatch`, so they
behave the same: files decode in parallel on the pool, each success is handed back as it finishes (the
lane fills in), failures are collected (the rest still loads) and reported once at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.audio.formats import AUDIO_EXTENSIONS, FOLDER_LIMIT, audio_files_in
from app.core.audio.io import DecodedAudio, load_audio
from app.core.audio.peaks import Peaks, compute_peaks
from app.core.errors import AccordError
from app.core.tasks import CancelToken, Progress
from app.ui.workers import TaskHandle, TaskRunner

log = logging.getLogger(__name__)

MAX_FILES_PER_DROP = FOLDER_LIMIT  # one drop, all its files and folders together


@dataclass(frozen=True)
class LoadedStem:
    path: Path
    audio: DecodedAudio
    peaks: Peaks
    key: Any = None  # the caller's tag (e.g. a stem id when reloading a project's stems)


@dataclass
class LoadOutcome:
    loaded: list[LoadedStem] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    cancelled: bool = False


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Audio files to load from dropped paths: files as given, folders searched (sorted, a few levels deep)
    for files with an audio extension. Returns (files, skipped-with-reason)."""
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        if p not in seen:
            seen.add(p)
            files.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = audio_files_in(p)
            if not found:
                skipped.append((p, "no audio files in this folder (" + ", ".join(sorted(AUDIO_EXTENSIONS)) + ")"))
            for f in found:
                add(f)
        elif p.exists():
            add(p)  # decode whatever the extension: the decoder says clearly what is wrong
        else:
            skipped.append((p, "file not found"))
    if len(files) > MAX_FILES_PER_DROP:
        skipped += [(f, f"more than {MAX_FILES_PER_DROP} files at once; not loaded")
                    for f in files[MAX_FILES_PER_DROP:]]
        files = files[:MAX_FILES_PER_DROP]
    return files, skipped





def decode_stem(path: Path, sample_rate: int, key: Any = None) -> Callable[[Progress, CancelToken], LoadedStem]:
    """A task decoding one file and computing its peaks (runs on a worker thread)."""

    def task(progress: Progress, cancel: CancelToken) -> LoadedStem:
        audio = load_audio(path, sample_rate=sample_rate, progress=progress, cancel=cancel)
        cancel.check()
        return LoadedStem(path=path, audio=audio, peaks=compute_peaks(audio.samples), key=key)

    return task


class LoadBatch(QObject):
    """Loads several files; `stem_loaded(LoadedStem)` per success, `finished(LoadOutcome)` once at the end.

    `progress(fraction, text)` covers the whole batch. `cancel()` stops what is still running; results that
    arrive afterwards are dropped, so a batch from a closed project can never touch the new one.
    """

    stem_loaded = Signal(object)
    progress = Signal(float, str)
    finished = Signal(object)

    def __init__(self, runner: TaskRunner, items: Sequence[tuple[Path, Any]], *, sample_rate: int,
                 skipped: Sequence[tuple[Path, str]] = ()) -> None:
        super().__init__()
        self.runner = runner
        self.items = list(items)
        self.sample_rate = sample_rate
        self.outcome = LoadOutcome(failed=list(skipped))
        self._fractions = [0.0] * len(self.items)
        self._handles: list[TaskHandle] = []
        self._pending = len(self.items)
        self.done = False

    def start(self) -> LoadBatch:
        if not self.items:
            self._finish()
            return self
        for i, (path, key) in enumerate(self.items):
            handle = self.runner.start(
                f"decode {path.name}", decode_stem(path, self.sample_rate, key),
                on_finished=lambda stem, i=i: self._one_done(i, stem, None),
                on_failed=lambda exc, i=i, p=path: self._one_done(i, None, (p, _reason(exc))),
                on_progress=lambda f, _t, i=i, p=path: self._one_progress(i, f, p),
                on_cancelled=lambda i=i: self._one_done(i, None, None))
            self._handles.append(handle)
        return self

    def cancel(self) -> None:
        if self.done:
            return
        self.outcome.cancelled = True
        for h in self._handles:
            h.cancel()
        self._finish()

    @property
    def total(self) -> int:
        return len(self.items)

    def _one_progress(self, i: int, fraction: float, path: Path) -> None:
        if self.done:
            return
        self._fractions[i] = fraction
        self.progress.emit(sum(self._fractions) / max(1, len(self._fractions)), f"Loading {path.name}")

    def _one_done(self, i: int, stem: LoadedStem | None, failure: tuple[Path, str] | None) -> None:
        if self.done:
            return
        self._fractions[i] = 1.0
        self._pending -= 1
        if stem is not None:
            self.outcome.loaded.append(stem)
            self.stem_loaded.emit(stem)
        if failure is not None:
            self.outcome.failed.append(failure)
        self.progress.emit(sum(self._fractions) / max(1, len(self._fractions)),
                           f"Loaded {self.total - self._pending} of {self.total}")
        if self._pending == 0:
            self._finish()

    def _finish(self) -> None:
        self.done = True
        order = {p: n for n, (p, _k) in enumerate(self.items)}
        # Report in the order the user gave the files, not the order the pool finished them.
        self.outcome.loaded.sort(key=lambda s: order.get(s.path, 0))
        self.finished.emit(self.outcome)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, AccordError):
        text = exc.reason + (f" ({exc.hint})" if exc.hint else "")
        return text
    log.error("unexpected failure while loading a stem", exc_info=exc)
    return f"unexpected error: {type(exc).__name__}: {exc}"
