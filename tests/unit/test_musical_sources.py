"""Item 5 of issue 15: the max-copy bound also holds against the parts as imported (before merging and
quantising), and both longest runs are reported."""

from __future__ import annotations

from app.core.model import Constraints, as_usable_works, continue_phrase, idyom_benchmark_set, train
from app.core.model.index.copyindex import brute_force_longest_copy
from app.core.model.style.profile import STUDIO_STYLE
from app.core.model.style.sources import part_pitches
from app.core.music import Note


def test_part_pitches_reads_chords_top_first():
    notes = [Note(60, 1, 1), Note(64, 0, 1), Note(67, 0, 1), Note(62, 2, 1)]
    assert part_pitches(notes) == [67, 64, 60, 62]


def test_suggestions_copy_at_most_k_from_the_sources_as_imported():
    melodies = idyom_benchmark_set()[:40]
    works = as_usable_works(melodies[:20])
    model = train(works)
    # the "as imported" parts differ from what was learned: here, other chorales' lines (a merge or a
    # quantisation can change a part's intervals as much)
    raw = {w.id: [n.pitch for n in melodies[20 + i][1].notes] for i, w in enumerate(works)}
    k = 3
    prime = melodies[0][1].between(0, 8)
    c = Constraints(key=prime.key, bars=4, start=8.0, pitch_range=(55, 80), max_copy=k)
    plain = continue_phrase(model, prime, c, n=6, seed=4, style=STUDIO_STYLE)
    # without the sources the bound is only against the learned lines: runs copied from the parts exceed k
    assert max(brute_force_longest_copy([n.pitch for n in s.notes.notes], raw) for s in plain) > k
    checked = continue_phrase(model, prime, c, n=6, seed=4, style=STUDIO_STYLE, sources=raw)
    learned = {w.id: [n.pitch for n in w.melody.notes] for w in works}
    for s in checked:
        pitches = [n.pitch for n in s.notes.notes]
        run = s.longest_copied_run
        assert run["length"] <= k and run["source_length"] <= k
        assert run["source_length"] == brute_force_longest_copy(pitches, raw)
        assert run["length"] == brute_force_longest_copy(pitches, learned)
