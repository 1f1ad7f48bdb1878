"""Key by function on synthetic songs (unit-level evidence; the real-song figures are in bench_analysis):
I–IV–V–I in every major key, minor loops in their minor key not the relative major, a confidence and a
runner-up with every answer, the meter unchanged by the choice of lead, and the new fields' JSON round trip."""

from __future__ import annotations

import hashlib

import pytest

from app.core.analysis import SongAnalysis, analyze_stems
from app.core.analysis.pipeline import StemInput
from app.core.music import Key, TimeSignature
from tests.helpers.songs import make_song

I_IV_V_I = ((0, "maj"), (5, "maj"), (7, "7"), (0, "maj"))
AEOLIAN_LOOP = ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj"))  # i–VI–III–VII
MINOR_CADENCE = ((0, "min"), (5, "min"), (7, "7"), (0, "min"))  # i–iv–V7–i


def _stems(song, names=("drums", "bass", "harmony")) -> list[StemInput]:
    return [StemInput(n, song.stems[n], song.sample_rate, hashlib.sha256(song.stems[n].tobytes()).hexdigest())
            for n in names]


@pytest.mark.parametrize("tonic", range(12))
def test_i_iv_v_i_in_every_major_key(tonic):
    song = make_song(40 + tonic, key=Key(tonic, "major"), tempo_bpm=110.0, meter=TimeSignature(4, 4),
                     seconds=9.0, progression=I_IV_V_I)
    a = analyze_stems(_stems(song))
    assert a.key == Key(tonic, "major"), a.key_text
    # an answer always comes with its confidence and the runner-up
    assert 0.0 < a.key_confidence <= 1.0 and a.key_runner_up is not None and a.key_runner_up != a.key
    assert a.key_confidence >= a.key_runner_up_confidence


@pytest.mark.parametrize("tonic,progression", [(9, AEOLIAN_LOOP), (4, AEOLIAN_LOOP), (2, MINOR_CADENCE),
                                               (7, MINOR_CADENCE)])
def test_minor_songs_are_minor_not_their_relative_major(tonic, progression):
    song = make_song(60 + tonic, key=Key(tonic, "minor"), tempo_bpm=100.0, meter=TimeSignature(4, 4),
                     seconds=10.0, progression=progression)
    a = analyze_stems(_stems(song))
    assert a.key == Key(tonic, "minor"), a.key_text


def test_key_text_and_new_fields_round_trip():
    song = make_song(5, key=Key(2, "major"), tempo_bpm=120.0, meter=TimeSignature(4, 4), seconds=8.0,
                     progression=I_IV_V_I)
    a = analyze_stems(_stems(song))
    text = a.key_text
    assert text.startswith("D major (") and ";" in text
    back = SongAnalysis.from_json(a.to_json())
    assert back.key_runner_up == a.key_runner_up and back.key_runner_up_confidence == a.key_runner_up_confidence
    assert back.tempo_fit_bpm == a.tempo_fit_bpm and back.tempo_map == a.tempo_map
    assert back.chord_confidences == a.chord_confidences and len(a.chord_confidences) == len(a.chords)
    assert all(0.0 <= c <= 1.0 for c in a.chord_confidences)
    # JSON written before these fields existed still loads
    old = a.to_json()
    for k in ("key_runner_up", "tempo_fit_bpm", "tempo_map"):
        old.pop(k)
    for c in old["chords"]:
        c.pop("confidence", None)
    legacy = SongAnalysis.from_json(old)
    assert legacy.key == a.key and legacy.key_runner_up is None and legacy.chord_confidences == ()


@pytest.mark.parametrize("meter", [TimeSignature(3, 4), TimeSignature(4, 4)])
def test_meter_does_not_depend_on_the_choice_of_lead(meter):
    song = make_song(77, meter=meter, tempo_bpm=120.0, seconds=10.0)
    stems = _stems(song, ("drums", "bass", "harmony", "lead"))
    heard = {analyze_stems(stems, lead=name).time_signature for name in ("lead", "harmony", "bass")}
    assert heard == {meter}


DOUBLE_PLAGAL = ((0, "maj"), (10, "maj"), (5, "maj"), (0, "maj"))  # rock's I–bVII–IV–I (C Bb F C)


@pytest.mark.parametrize("tonic", [0, 4, 7, 9])
def test_a_double_plagal_rock_loop_is_in_its_tonic_not_in_the_key_of_iv(tonic):
    # the bass plays the chords' roots (I, bVII, IV): as a pitch-class distribution that fits the key of IV,
    # whose scale holds all three chords; the song opens and closes every phrase on I (key.BASS_WEIGHT)
    song = make_song(80 + tonic, key=Key(tonic, "major"), tempo_bpm=110.0, meter=TimeSignature(4, 4),
                     seconds=9.0, progression=DOUBLE_PLAGAL)
    a = analyze_stems(_stems(song))
    assert a.key is not None and a.key.tonic_pc == tonic, a.key_text


@pytest.mark.parametrize("tonic", [0, 5, 10])
def test_a_blues_dominant_sevenths_are_its_own_chords(tonic):
    # a 12-bar blues (I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7) is as much "in" its key as the same bars played
    # as triads: the flat sevenths of I7 and IV7 are the blues' b7 and b3, not another key's notes
    import numpy as np

    from app.core.analysis.harmony.key_function import functional_scores
    from app.core.music import Chord

    degrees = (0, 5, 0, 0, 5, 5, 0, 0, 7, 5, 0, 7)
    bass = [(tonic + d) % 12 for d in degrees]
    down = np.array([i % 4 == 0 for i in range(48)])
    sevenths = [Chord((tonic + d) % 12, "7") for d in degrees for _ in range(4)]
    triads = [Chord((tonic + d) % 12, "maj") for d in degrees for _ in range(4)]
    blues, plain = functional_scores(sevenths, down, bass), functional_scores(triads, down, bass)
    assert blues[tonic] == pytest.approx(plain[tonic])
    assert blues[tonic] > blues[(tonic + 5) % 12] + 0.3  # the key of IV is not home


def test_a_major_iv_is_not_the_minor_keys_own_chord():
    # G minor's own chords come from its natural and harmonic scales: Cm is its iv, C major needs the raised
    # sixth (E) of the melodic minor, a melody's passing tone. Counting C major as G minor's made a C drone read
    # as C major (its thirds blurred by detuned voices) pull LMMS's Zen, in C minor, to G minor.
    import numpy as np

    from app.core.analysis.harmony.key_function import functional_scores
    from app.core.music import Chord

    g_minor = 12 + 7
    down = np.array([i % 4 == 0 for i in range(16)])
    with_iv = [Chord(7, "min")] * 4 + [Chord(0, "min")] * 4
    with_major_iv = [Chord(7, "min")] * 4 + [Chord(0, "maj")] * 4
    own, borrowed = functional_scores(with_iv * 2, down), functional_scores(with_major_iv * 2, down)
    assert own[g_minor] > borrowed[g_minor] + 0.1
    # the harmonic minor's major V is the key's own
    with_v = [Chord(7, "min")] * 4 + [Chord(2, "maj")] * 4
    assert functional_scores(with_v * 2, down)[g_minor] >= own[g_minor]


def test_the_song_s_last_chord_is_stronger_tonic_evidence_than_its_first():
    # an intro may open anywhere (here on vi); the song ends at home (the final, as in modal theory)
    from app.core.analysis.harmony.key_function import tonic_evidence
    from app.core.music import Chord

    bars = [Chord(4, "min"), Chord(0, "maj"), Chord(2, "maj"), Chord(9, "min"), Chord(0, "maj"), Chord(7, "maj")]
    assert tonic_evidence(Key(7, "major"), bars, phrase_bars=5) > tonic_evidence(Key(4, "minor"), bars, phrase_bars=5)
