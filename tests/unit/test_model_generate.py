"""Generation: every hard constraint holds (checked independently, max-order by brute force), seeds are
deterministic, suggestions are distinct, credit is exact and never names a forgotten work."""

from __future__ import annotations

import math

import pytest

from app.core.errors import ConstraintError
from app.core.model import (
    Constraints,
    as_usable_works,
    continue_phrase,
    credit_basis_points,
    fill_gap,
    forget,
    idyom_benchmark_set,
    train,
    vary,
)
from app.core.model.index.copyindex import brute_force_longest_copy
from app.core.music import ChordTimeline, Key

CHORDS = ChordTimeline.from_symbols(["A", "E", "D", "A", "F#m", "Bm", "E", "A"] * 4, quarters_each=4.0)


@pytest.fixture(scope="module")
def data():
    works = as_usable_works(idyom_benchmark_set()[:40])
    return works, train(works)


def copied_run(pitches, works) -> int:
    """The longest run copied from one work, by the brute-force checker (independent of the copy index)."""
    return brute_force_longest_copy(pitches, {i: [n.pitch for n in w.melody.notes] for i, w in enumerate(works)})


def violations(s, c: Constraints, works, *, contiguous=True) -> list[str]:
    out = []
    notes = s.notes.notes
    bq = c.time_signature.bar_quarters
    lo, hi = c.pitch_range
    for n in notes:
        if not lo <= n.pitch <= hi:
            out.append(f"range {n}")
        if c.key is not None and not c.chromatic and n.pitch % 12 not in c.key.melodic_scale:
            out.append(f"key {n}")
        if c.chords is not None and c.time_signature.strong_beat(n.onset % bq):
            chord = c.chords.at(n.onset)
            if not chord.is_no_chord and n.pitch % 12 not in chord.pitch_classes:
                out.append(f"chord {chord} {n}")
        if n.onset < c.start - 1e-9 or n.end > c.end + 1e-9:
            out.append(f"outside the bars {n}")
    if contiguous:
        if not notes or abs(notes[0].onset - c.start) > 1e-9 or abs(notes[-1].end - c.end) > 1e-9:
            out.append("does not fill the bars")
        out += [f"gap/overlap at {b.onset}" for a, b in zip(notes, notes[1:], strict=False) if abs(a.end - b.onset) > 1e-9]
    if c.density is not None:
        for bar in range(c.bars):
            k = sum(1 for n in notes if c.start + bar * bq - 1e-9 <= n.onset < c.start + (bar + 1) * bq - 1e-9)
            if not c.density[0] <= k <= c.density[1]:
                out.append(f"density bar {bar}: {k}")
    if c.max_copy and copied_run([n.pitch for n in notes], works) > c.max_copy:
        out.append("max-copy")
    return out


@pytest.mark.parametrize("k", [8, 4])
def test_continue_satisfies_every_constraint(data, k):
    works, model = data
    prime = works[0].melody.between(0, 8)
    c = Constraints(key=Key(9, "major"), chords=CHORDS, bars=4, start=8.0, pitch_range=(62, 79), density=(2, 6),
                    max_copy=k)
    for seed in range(3):
        suggestions = continue_phrase(model, prime, c, n=4, seed=seed)
        assert len(suggestions) == 4
        for s in suggestions:
            assert violations(s, c, works) == []
            assert s.longest_copied_run["length"] == copied_run(s.notes.pitches, works) <= k


def test_max_copy_is_what_the_masks_enforce(data):
    works, model = data
    prime = works[5].melody.between(0, 8)
    c = Constraints(key=works[5].melody.key, bars=8, start=8.0, pitch_range=(55, 84), max_copy=2)
    for s in continue_phrase(model, prime, c, n=4, seed=11):
        assert copied_run(s.notes.pitches, works) <= 2


def test_fill_and_vary_satisfy_constraints(data):
    works, model = data
    melody = works[2].melody
    key = melody.key
    c = Constraints(key=key, pitch_range=(55, 84), max_copy=6)
    for s in fill_gap(model, melody, (4.0, 12.0), c, n=3, seed=1):
        cc = Constraints(key=key, pitch_range=(55, 84), max_copy=6, start=4.0, bars=2)
        assert violations(s, cc, works) == []
        assert s.mode == "fill"
    for kind in ("rhythm", "anchors", "ornament", "pitches"):
        try:
            out = vary(model, melody.between(0, 16), c, kind=kind, closeness=0.3, n=2, seed=3)
        except ConstraintError as exc:  # keeping a training melody's pitches copies it: must say so
            assert kind == "pitches" and "max-copy" in str(exc)
            continue
        for s in out:
            assert s.mode == f"vary-{kind}"
            cc = Constraints(key=key, pitch_range=(55, 84), max_copy=6, start=0.0, bars=4)
            assert violations(s, cc, works, contiguous=kind != "rhythm") == []
    rhythm = vary(model, melody.between(0, 16), c, kind="rhythm", n=1, seed=3)[0]
    original = melody.between(0, 16).notes
    assert [(n.onset, n.duration) for n in rhythm.notes] == [(n.onset, n.duration) for n in original]


def test_seed_determinism_and_distinct_suggestions(data):
    works, model = data
    prime = works[1].melody.between(0, 8)
    c = Constraints(bars=4, start=8.0, key=works[1].melody.key, pitch_range=(60, 81))
    a = [s.to_json() for s in continue_phrase(model, prime, c, n=4, seed=42)]
    b = [s.to_json() for s in continue_phrase(model, prime, c, n=4, seed=42)]
    other = [s.to_json() for s in continue_phrase(model, prime, c, n=4, seed=43)]
    assert a == b and a != other
    assert len({tuple(map(tuple, s["notes"]["notes"])) for s in a}) == 4


def test_credit_is_exact(data):
    works, model = data
    prime = works[3].melody.between(0, 8)
    for s in continue_phrase(model, prime, Constraints(bars=4, start=8.0, pitch_range=(55, 84)), n=2, seed=5):
        for note in s.per_note_credit:
            assert note.total() == pytest.approx(1.0, abs=1e-9)
            assert all(v > 0 for v in note.works.values())
        assert math.fsum(s.credit.values()) + s.uniform_share + s.piece_share == pytest.approx(1.0, abs=1e-9)
        bp = credit_basis_points(s)
        assert sum(bp.values()) == 10000 and set(bp) - {0} <= set(model.works)
        assert sum(s.contributors.values()) == pytest.approx(math.fsum(s.credit.values()))
        assert s.model_fingerprint == model.fingerprint


def test_a_forgotten_work_never_appears_in_credit(data):
    works, _ = data
    model = train(works)
    revoked = works[0].id  # the prime's own source: it would be credited heavily
    forget(model, [revoked])
    prime = works[0].melody.between(0, 8)
    for s in continue_phrase(model, prime, Constraints(bars=4, start=8.0, pitch_range=(55, 84)), n=4, seed=2):
        assert revoked not in s.credit and revoked not in credit_basis_points(s)
        assert all(revoked not in note.works for note in s.per_note_credit)
        assert s.longest_copied_run["work_id"] != revoked


def test_impossible_constraints_say_what_to_relax(data):
    works, model = data
    prime = works[0].melody.between(0, 8)
    with pytest.raises(ConstraintError, match="widen the range or allow chromatic"):
        continue_phrase(model, prime, Constraints(key=Key(0, "major"), pitch_range=(61, 61)), n=1, seed=1)
    with pytest.raises(ConstraintError, match="relax the chords"):
        continue_phrase(model, prime, Constraints(key=Key(0, "major"), pitch_range=(60, 60), start=8.0,
                                                  chords=ChordTimeline.from_symbols(["G"] * 8, quarters_each=4.0)),
                        n=1, seed=1)
    with pytest.raises(ConstraintError, match="relax the density"):
        continue_phrase(model, prime, Constraints(density=(0.2, 0.5)), n=1, seed=1)


@pytest.mark.parametrize("kw,words", [({"n": 0}, "1..64, not 0"), ({"n": 65}, "1..64, not 65"),
                                      ({"n": 1, "seed": -1}, "seed must be a whole number of 0 or more")])
def test_a_count_or_seed_out_of_range_is_a_constraint_error(data, kw, words):
    # a ValueError here (numpy's, for seed -1) was a traceback from `accord suggest -n 0` / `--seed -1`
    works, model = data
    with pytest.raises(ConstraintError, match=words):
        continue_phrase(model, works[0].melody.between(0, 8), Constraints(bars=2, start=8.0), **kw)


def test_a_gap_far_past_the_melody_is_refused(data):
    # `--gap 99999999999999:99999999999999` generated notes at beat 4e14, past what a MIDI file can hold
    works, model = data
    melody = works[0].melody.between(0, 8)
    with pytest.raises(ConstraintError, match="long after the melody ends"):
        fill_gap(model, melody, (4e14, 4e14 + 4), Constraints(), n=1, seed=1)
    assert fill_gap(model, melody, (8.0, 16.0), Constraints(), n=1, seed=1)  # right after it: a gap to fill
