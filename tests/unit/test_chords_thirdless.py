"""A chord without a third (an open fifth) is named by the key it sounds in, and only such a chord."""

from __future__ import annotations

import numpy as np

from app.core.analysis.harmony.chords import ChordEstimate, name_thirdless_by_key
from app.core.music import Chord, ChordSpan, ChordTimeline, Key

D_MINOR = Key(2, "minor")


def _estimate(symbols: list[str]) -> ChordEstimate:
    """One chord per beat, spans merged as estimate_chords merges them."""
    per_beat = tuple(Chord.parse(s) for s in symbols)
    spans: list[ChordSpan] = []
    for i, ch in enumerate(per_beat):
        if spans and spans[-1].chord == ch:
            spans[-1] = ChordSpan(spans[-1].start, i + 1.0, ch)
        else:
            spans.append(ChordSpan(float(i), i + 1.0, ch))
    return ChordEstimate(ChordTimeline(tuple(spans)), per_beat, tuple(float(i) for i in range(len(symbols))),
                         tuple(0.5 + 0.1 * k for k in range(len(spans))))


def _chroma(*tones: dict[int, float]) -> np.ndarray:
    out = np.full((len(tones), 12), 0.02)
    for row, levels in zip(out, tones, strict=True):
        for pc, level in levels.items():
            row[pc] = level
    return out


def _symbols(est: ChordEstimate) -> list[str]:
    return [c.symbol for c in est.per_beat]


def test_open_fifths_take_the_keys_third():
    # Blues68's organ in D minor: D–A, C–G, Bb–F, with a faint leak of each chord's minor third
    chroma = _chroma({2: 1.0, 9: 0.5, 5: 0.1}, {0: 1.0, 7: 0.8, 3: 0.14}, {10: 1.0, 5: 0.9, 1: 0.16})
    est = name_thirdless_by_key(_estimate(["Dm", "Cm", "Bbm"]), chroma, lambda q: D_MINOR)
    assert _symbols(est) == ["Dm", "C", "Bb"]
    assert [s.chord.symbol for s in est.timeline] == ["Dm", "C", "Bb"]
    assert est.confidences == (0.5, 0.6, 0.7)  # each span keeps its own confidence


def test_a_sounding_third_is_kept_even_outside_the_key():
    chroma = _chroma({0: 1.0, 7: 0.8, 3: 0.6}, {0: 1.0, 7: 0.8, 3: 0.6})  # C–Eb–G: a real C minor
    est = name_thirdless_by_key(_estimate(["Cm", "Cm"]), chroma, lambda q: D_MINOR)
    assert _symbols(est) == ["Cm", "Cm"]


def test_the_minor_keys_dominant_and_an_unknown_key_are_left_alone():
    bare_a = _chroma({9: 1.0, 4: 0.9}, {9: 1.0, 4: 0.9})  # A–E in D minor: V and v are both the key's own
    assert _symbols(name_thirdless_by_key(_estimate(["Am", "Am"]), bare_a, lambda q: D_MINOR)) == ["Am", "Am"]
    bare_c = _chroma({0: 1.0, 7: 0.8})
    assert _symbols(name_thirdless_by_key(_estimate(["Cm"]), bare_c, lambda q: None)) == ["Cm"]


def test_a_renamed_span_merges_with_its_neighbour_and_the_key_may_change_by_section():
    bare_c = {0: 1.0, 7: 0.8}
    chroma = _chroma({0: 1.0, 4: 0.7, 7: 0.8}, bare_c, bare_c, bare_c)
    keys = {0: D_MINOR, 1: D_MINOR, 2: Key(3, "major"), 3: Key(3, "major")}  # a section in Eb major: C is vi
    est = name_thirdless_by_key(_estimate(["C", "Cm", "Cm", "C"]), chroma, lambda q: keys[int(q)])
    # beats 1-2 are one span (Cm) judged by the key at its start (D minor: C), which joins beat 0's C; beat 3's
    # bare C lies in the Eb major section, where C is the minor vi
    assert _symbols(est) == ["C", "C", "C", "Cm"]
    assert [(s.start, s.end, s.chord.symbol) for s in est.timeline] == [(0.0, 3.0, "C"), (3.0, 4.0, "Cm")]
    assert len(est.confidences) == 2


def test_open_fifths_do_not_vote_for_the_mode_they_were_named_by():
    """A G minor riff on bare G–D fifths (then Bb and C with their thirds): the G spans were named G major by a
    first G major reading of the key, so counted as the tonic chord's third they would make any later G minor
    estimate G major again. The parallel-mode step reads only the beats whose third sounds."""
    import numpy as np

    from app.core.analysis.harmony.chords import open_fifth_beats
    from app.core.analysis.harmony.key import KeyEstimate
    from app.core.analysis.harmony.key_function import KeyInputs, settle_parallel

    g5, bb, c = {7: 1.0, 2: 0.8}, {10: 1.0, 2: 0.7, 5: 0.8}, {0: 1.0, 4: 0.7, 7: 0.8}
    symbols = ["G"] * 4 + ["Bb", "C"] + ["G"] * 4 + ["Bb", "C"]
    chroma = _chroma(*[g5] * 4, bb, c, *[g5] * 4, bb, c)
    named = name_thirdless_by_key(_estimate(symbols), chroma, lambda q: Key(7, "major"))
    assert _symbols(named) == symbols  # already the major key's quality: left as it was
    open_ = open_fifth_beats(named, chroma)
    assert open_ == tuple(s == "G" for s in symbols)
    inputs = KeyInputs.of(chroma.T, None, np.ones(len(symbols)), [], named.per_beat, np.zeros(len(symbols)), [],
                          heard=("harmony",)).with_mode_spans(named, open_)
    assert [ch.symbol for _, ch in inputs.mode_spans] == ["Bb", "C", "Bb", "C"]
    assert sum(length for length, _ in inputs.mode_spans) == 4.0
    minor = KeyEstimate(Key(7, "minor"), 0.6, "", tuple(range(24)), Key(7, "major"), 0.3)
    assert settle_parallel(minor, inputs.mode_spans) == minor
    # every span counted, as before: the bare fifths outvote the key
    every = [(s.end - s.start, s.chord) for s in named.timeline.spans]
    assert settle_parallel(minor, every).key == Key(7, "major")


def test_a_third_that_sounds_is_no_open_fifth():
    from app.core.analysis.harmony.chords import open_fifth_beats

    chroma = _chroma({7: 1.0, 11: 0.5, 2: 0.8}, {7: 1.0, 11: 0.5, 2: 0.8}, {0: 1.0, 7: 0.8})
    assert open_fifth_beats(_estimate(["G", "G", "C"]), chroma) == (False, False, True)
    # sus chords, sevenths and N are never open fifths (they carry no major/minor claim to take back)
    assert open_fifth_beats(_estimate(["Gsus4", "G7", "N"]), chroma) == (False, False, False)
