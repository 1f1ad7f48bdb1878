"""Major or minor on the same tonic follows the tonic chord's third (settle_parallel): a blues lead's flat
thirds over C7 and F7 do not make the song C minor, and a song whose chords on G are Gm and Gm7 is not
G major because its profile leaned that way."""

from __future__ import annotations

import hashlib

import pytest

from app.core.analysis import pipeline
from app.core.analysis.harmony import key_function
from app.core.analysis.harmony.key import KeyEstimate
from app.core.analysis.harmony.key_function import settle_parallel
from app.core.music import Chord, Key

C7, F7, G7 = Chord(0, "7"), Chord(5, "7"), Chord(7, "7")
CM, GM7, GMIN, CMIN, D7 = Chord(0, "min"), Chord(7, "m7"), Chord(7, "min"), Chord(0, "min"), Chord(2, "7")
N = Chord(None)


def _est(key: Key) -> KeyEstimate:
    return KeyEstimate(key, 0.6, "", tuple(range(24)), None, 0.0)


def _twelve_bar() -> list[tuple[float, Chord]]:
    bars = [C7, C7, C7, C7, F7, F7, C7, C7, G7, F7, C7, G7]
    return [(4.0, c) for c in bars]


def test_a_blues_over_dominant_sevenths_is_major_whatever_its_lead_sings():
    out = settle_parallel(_est(Key(0, "minor")), _twelve_bar() + [(1.0, CM)])
    assert out.key == Key(0, "major")
    # the estimate's 0.6 shared by the thirds: 28 beats of C7 on C (plus one) against 1 of Cm (plus one)
    assert out.runner_up == Key(0, "minor")
    assert out.confidence == round(0.6 * 29 / 31, 3) and out.runner_up_confidence == round(0.6 * 2 / 31, 3)


def test_a_tie_between_the_modes_is_settled_by_the_tonic_chords_third():
    # JazzRock's stems: the profiles and function left F# minor 0.504, F# major 0.495; its chords on F# are F#m
    # for 60 quarter notes and F# for 18 (with Bm and C# between), so the modes share 0.999 as 61 : 19
    est = KeyEstimate(Key(6, "minor"), 0.504, "", tuple(range(24)), Key(6, "major"), 0.495)
    spans = [(60.0, Chord(6, "min")), (36.0, Chord(11, "min")), (36.0, Chord(1, "maj")), (18.0, Chord(6, "maj"))]
    out = settle_parallel(est, spans)
    assert out.key == Key(6, "minor") and out.runner_up == Key(6, "major")
    assert out.confidence == round(0.999 * 61 / 80, 3) == 0.762 and out.runner_up_confidence == 0.237
    # a runner-up that is not the parallel keeps its place and its confidence: nothing to share out
    other = KeyEstimate(Key(6, "minor"), 0.504, "", tuple(range(24)), Key(9, "major"), 0.3)
    assert settle_parallel(other, spans) == other


def test_minor_tonic_chords_make_a_major_estimate_minor():
    spans = [(4.0, GM7), (4.0, CMIN), (4.0, D7), (4.0, GMIN), (2.0, G7)]
    assert settle_parallel(_est(Key(7, "major")), spans).key == Key(7, "minor")


@pytest.mark.parametrize("spans, why", [
    ([(4.0, C7), (4.0, F7), (4.0, CM), (4.0, G7)], "one bar of each third: no clear tonic third"),
    ([(1.0, C7)] + [(4.0, F7)] * 3 + [(4.0, G7)] * 3, "the tonic chord too rare to decide"),
    ([(4.0, Chord(0, "sus4")), (4.0, F7), (1.0, CM)], "sus chords carry no third"),
    ([(8.0, N), (4.0, CM)], "the estimate's own third"),
    ([], "no chords at all"),
])
def test_no_switch_without_a_clear_tonic_third(spans, why):
    est = _est(Key(0, "minor"))
    assert settle_parallel(est, spans) == est, why


def test_no_key_stays_no_key():
    est = KeyEstimate(None, 0.0, "no harmony")
    assert settle_parallel(est, _twelve_bar()) is est


def test_the_pipeline_settles_the_parallel_mode_on_its_chord_timeline(monkeypatch):
    from app.core.analysis.pipeline import StemInput
    from tests.helpers.songs import make_song

    seen: list[list[tuple[float, Chord]]] = []
    real = key_function.settle_parallel

    def spy(est, spans):
        seen.append(list(spans))
        return real(est, spans)

    monkeypatch.setattr(key_function, "settle_parallel", spy)
    song = make_song(3)
    result = pipeline.analyze_stems([StemInput(name, audio, song.sample_rate, hashlib.sha256(audio.tobytes()).hexdigest())
                                     for name, audio in song.stems.items()])
    assert len(seen) == 1 and seen[0], "settle_parallel was not given the song's chords"
    assert sum(length for length, _ in seen[0]) == pytest.approx(
        sum(s.end - s.start for s in result.chords.spans))
