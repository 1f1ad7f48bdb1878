"""The compiled per-note step of generation (blendkernels.py) against the Python path it replaces
(sampler.COMPILED_BLEND = False): bitwise the same sums, the same suggestions for the same seed, with the same
credit, log-probability and copied runs — in every mode, with and without constraints."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.model import (
    Constraints,
    as_usable_works,
    continue_phrase,
    fill_gap,
    idyom_benchmark_set,
    train,
    vary,
)
from app.core.model.generation import sampler
from app.core.model.generation.blendkernels import MIN_RELATIVE_ENTROPY, pairwise_sum, rel_entropy
from app.core.model.generation.slots import rel_entropy as py_rel_entropy
from app.core.model.ppm import predict
from app.core.model.style.profile import STUDIO_STYLE
from app.core.music import ChordTimeline, Key

CHORDS = ChordTimeline.from_symbols(["A", "E", "D", "A", "F#m", "Bm", "E", "A"] * 4, quarters_each=4.0)


@pytest.fixture(scope="module")
def trained():
    works = as_usable_works(idyom_benchmark_set()[:30])
    return works, train(works)


def test_pairwise_sum_is_numpys_sum_bitwise():
    rng = np.random.default_rng(3)
    for n in list(range(1, 300)) + [513, 1000, 1027, 4096, 5000]:
        a = rng.random(n) ** 6  # widely spread magnitudes: any other order would round differently
        assert pairwise_sum(a, 0, n) == float(np.add.reduce(a)), n


def test_entropy_is_the_python_entropy_bitwise():
    assert MIN_RELATIVE_ENTROPY == predict.MIN_RELATIVE_ENTROPY
    rng = np.random.default_rng(4)
    for n in range(2, 120):
        p = rng.random(n) ** 4 + 1e-12
        p /= p.sum()
        assert rel_entropy(p, float(np.log2(n))) == py_rel_entropy(p, float(np.log2(n)))


def _both(run):
    """The suggestions of `run()` through the compiled blend and through the Python path."""
    try:
        sampler.COMPILED_BLEND = False
        slow = run()
    finally:
        sampler.COMPILED_BLEND = True
    return run(), slow


def _same(a, b) -> None:
    assert [s.notes.to_json() for s in a] == [s.notes.to_json() for s in b]
    for x, y in zip(a, b, strict=True):
        assert x.credit == y.credit and x.uniform_share == y.uniform_share and x.piece_share == y.piece_share
        assert x.log2_probability == y.log2_probability and x.longest_copied_run == y.longest_copied_run
        assert [c.works for c in x.per_note_credit] == [c.works for c in y.per_note_credit]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_suggestions_with_every_constraint_equal_the_python_path(trained, seed):
    works, model = trained
    src = works[4 + seed].melody
    c = Constraints(key=Key(9, "major"), chords=CHORDS, bars=8, start=8.0, pitch_range=(60, 81), density=(2, 8),
                    max_copy=8)
    _same(*_both(lambda: continue_phrase(model, src.between(0, 8), c, n=8, seed=seed)))


def test_every_mode_equals_the_python_path(trained):
    works, model = trained
    src = works[7].melody
    c = Constraints(bars=4, start=8.0, max_copy=6)
    _same(*_both(lambda: continue_phrase(model, src.between(0, 8), c, n=4, seed=11, temperature=1.0)))
    _same(*_both(lambda: continue_phrase(model, src.between(0, 8), c, n=4, seed=12, temperature=0.5)))
    _same(*_both(lambda: continue_phrase(model, src.between(0, 8), c, n=4, seed=13, style=STUDIO_STYLE)))
    _same(*_both(lambda: fill_gap(model, src, (4.0, 12.0), n=3, seed=5)))
    free = Constraints(chromatic=True, pitch_range=(40, 90), max_copy=0)
    for kind in ("rhythm", "pitches", "anchors", "ornament"):
        _same(*_both(lambda kind=kind: vary(model, src.between(0, 8), free, kind=kind, closeness=0.5, n=3, seed=2)))
