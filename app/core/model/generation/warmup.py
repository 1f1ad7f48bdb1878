"""Compile generation's numba kernels ahead of need, so the first suggestion an artist asks for is not a
one-off compile (about 16 s of CPU on a 2-core laptop; later processes load the cached machine code in ~1 s).

`warm_kernels()` trains a throw-away model on a few scale and arpeggio lines (no catalogue, nothing kept),
generates with and without the learned style, fills a gap (whose candidates are rescored), and does the same
from a saved (memory-mapped) model file, which reaches every kernel the studio and `accord suggest` use for
ordinary catalogues; the separate draw, which only unusual systems fall back to, is called once directly. The install script
runs it once (`python -m app.core.model.generation.warmup`); the studio runs it on a worker thread at start-up.
"""

from __future__ import annotations

import functools
import tempfile
import time
from pathlib import Path

import numpy as np

from app.core.music import Melody, Note


def _lines() -> list[tuple[str, Melody]]:
    shapes = ([0, 2, 4, 5, 7, 5, 4, 2], [0, 4, 7, 12, 7, 4, 0, -5], [0, 2, 3, 5, 7, 8, 10, 12],
              [7, 5, 4, 2, 0, 2, 4, 0], [0, 0, 7, 7, 9, 9, 7, 5])
    lines = []
    for i, shape in enumerate(shapes):
        notes = [Note(60 + i + step, float(j), 1.0 if j % 4 != 3 else 2.0) for j, step in
                 enumerate(shape * 4)]
        onset = 0.0
        timed = []
        for n in notes:  # durations laid end to end, with a rest after every second bar
            timed.append(Note(n.pitch, onset, n.duration))
            onset += n.duration + (1.0 if len(timed) % 8 == 0 else 0.0)
        lines.append((f"warm-up line {i + 1}", Melody(tuple(timed))))
    return lines


def warm_kernels() -> float:
    """Seconds taken to compile (first time on this machine) or load (later) the generation kernels."""
    from app.core.model.datasets import as_usable_works
    from app.core.model.generation import blendkernels
    from app.core.model.generation.generate import continue_phrase, fill_gap
    from app.core.model.modelfile import load_model, save_model
    from app.core.model.style.profile import STUDIO_STYLE
    from app.core.model.training import train

    t0 = time.perf_counter()
    works = as_usable_works(_lines(), composer="Accord warm-up")
    model = train(works)
    prime = Melody(works[0].melody.notes[:8])
    for style in (None, STUDIO_STYLE):
        continue_phrase(model, prime, n=2, seed=1, style=style)
    # a gap with notes after it: its candidates are rescored by the mixture alone (Sampler._distribution)
    fill_gap(model, works[0].melody, (4.0, 8.0), n=2, seed=1)
    # the draw alone (CompiledSteps._sample_compiled): only a row holding a zero or 3+ viewpoints reach it
    blendkernels.sampling_draw(np.full(2, 0.5), np.ones(2, dtype=bool), -1, 0.0, 1.0, -1, 1.0, np.zeros(0), 0.5)
    with tempfile.TemporaryDirectory(prefix="accord-warmup-") as folder:
        path = save_model(model, Path(folder) / "warm.accordmodel")
        continue_phrase(load_model(path), prime, n=2, seed=1, style=STUDIO_STYLE)
    return time.perf_counter() - t0


@functools.cache
def warm_once() -> float:
    """`warm_kernels()` once per process (the studio's model preload calls it before the first suggestion)."""
    return warm_kernels()


if __name__ == "__main__":
    print(f"Accord: generation kernels ready ({warm_kernels():.1f} s)")
