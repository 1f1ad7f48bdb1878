"""analyze_stems end to end: a synthetic song, its JSON round trip, roles, and every kind of bad input."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from app.core.analysis import SongAnalysis, StemInput, analyze_stems
from app.core.analysis.roles import guess_roles, role_from_name, stem_features
from app.core.analysis.signal import ANALYSIS_RATE, mono_at
from app.core.errors import AnalysisError
from app.core.music import Key, TimeSignature
from app.core.tasks import Cancelled, CancelToken
from tests.helpers.songs import make_song


def _stems(song, names=None, *, rename=None):
    out = []
    for n in names or song.stems:
        a = song.stems[n]
        out.append(StemInput((rename or {}).get(n, n), a, song.sample_rate, hashlib.sha256(a.tobytes()).hexdigest()))
    return out


@pytest.fixture(scope="module")
def song():
    return make_song(4, meter=TimeSignature(4, 4), tempo_bpm=110.0, key=Key(7, "major"), seconds=9.0)


@pytest.fixture(scope="module")
def analysis(song):
    return analyze_stems(_stems(song))


def test_the_song_is_heard(song, analysis):
    assert analysis.tempo_determined and analysis.grid.tempo_bpm == pytest.approx(110.0, rel=0.02)
    assert analysis.time_signature == TimeSignature(4, 4)
    assert analysis.grid.offset_seconds == pytest.approx(song.offset_seconds, abs=0.05)
    assert analysis.key == Key(7, "major") and analysis.key_confidence > 0
    assert analysis.roles == {"drums": "drums", "bass": "bass", "harmony": "harmony", "lead": "lead"}
    assert analysis.lead == "lead"
    truth = song.chords
    right = sum(analysis.chords.at(q + 0.5).root_pc == truth.at(q + 0.5).root_pc for q in range(16))
    assert right >= 14
    got = {(n.onset, n.pitch) for n in analysis.melody.notes}
    want = {(n.onset, n.pitch) for n in song.melody.notes}
    assert len(got & want) >= 0.85 * len(want)


def test_json_round_trip(analysis):
    again = SongAnalysis.from_json(analysis.to_json())
    assert again == analysis
    with pytest.raises(AnalysisError):
        SongAnalysis.from_json({"version": 1, "grid": {"tempo_bpm": "fast"}})
    with pytest.raises(AnalysisError):
        SongAnalysis.from_json([1, 2])


def test_roles_from_features_when_names_say_nothing(song):
    names = {"drums": "a", "bass": "b", "harmony": "c", "lead": "d"}
    feats = [stem_features(mono_at(song.stems[n], song.sample_rate), ANALYSIS_RATE) for n in names]
    roles, sources = guess_roles(list(names.values()), feats)
    assert roles == {"a": "drums", "b": "bass", "c": "harmony", "d": "lead"}
    assert set(sources.values()) == {"features"}
    roles, sources = guess_roles(list(names.values()), feats, {"c": "lead"})
    assert roles["c"] == "lead" and sources["c"] == "user" and roles["d"] == "harmony"


def test_role_names():
    assert role_from_name("Kick In") == "drums" and role_from_name("Bass DI") == "bass"
    assert role_from_name("Lead Vox") == "lead" and role_from_name("Rhodes") == "harmony"
    assert role_from_name("take 3") is None


def test_explicit_lead_and_progress_and_cancel(song):
    seen = []
    a = analyze_stems(_stems(song, ("drums", "harmony")), lead="harmony", progress=lambda f, t="": seen.append(f))
    assert a.lead == "harmony" and a.roles["harmony"] == "lead"
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        analyze_stems(_stems(song, ("drums",)), cancel=token)


def test_unusable_input_is_a_clear_error(song):
    with pytest.raises(AnalysisError, match="no stems"):
        analyze_stems([])
    with pytest.raises(AnalysisError, match="same name"):
        analyze_stems(_stems(song, ("drums", "bass"), rename={"bass": "drums"}))
    with pytest.raises(AnalysisError, match="no stem named"):
        analyze_stems(_stems(song, ("drums",)), lead="vocals")
    bad = StemInput("x", np.zeros((2, 100), np.int16), 44100, "0" * 64)
    with pytest.raises(AnalysisError, match="float"):
        analyze_stems([bad])


def _one(name, samples, sr=22050):
    return StemInput(name, samples.astype(np.float32), sr, hashlib.sha256(samples.tobytes()).hexdigest())


def test_drums_only_says_no_key(song):
    a = analyze_stems(_stems(song, ("drums",)))
    assert a.key is None and any("could not determine the key" in n for n in a.notes)
    assert a.tempo_determined and a.grid.tempo_bpm == pytest.approx(110.0, rel=0.02)
    assert len(a.chords) == 0 and a.melody is None


@pytest.mark.parametrize("case", ["silence", "click", "noise", "two_seconds"])
def test_odd_audio_never_crashes(case):
    rng = np.random.default_rng(5)
    sr = 22050
    y = {"silence": np.zeros((2, sr * 4)),
         "click": np.pad(np.ones((2, 50)), ((0, 0), (sr, sr * 3))),
         "noise": 0.2 * rng.standard_normal((2, sr * 4)),
         "two_seconds": np.tile(0.3 * np.sin(2 * np.pi * 440 * np.arange(sr * 2) / sr), (2, 1))}[case]
    a = analyze_stems([_one("thing", y)])
    assert isinstance(a, SongAnalysis)
    if case in ("silence", "click", "noise"):
        assert a.key is None
    if case in ("silence", "click"):
        assert not a.tempo_determined and any("tempo" in n for n in a.notes)
    SongAnalysis.from_json(a.to_json())


def test_different_lengths_and_rates(song):
    drums = song.stems["drums"]
    import soxr

    harmony48 = soxr.resample(song.stems["harmony"].T, song.sample_rate, 48000).T.astype(np.float32)
    stems = [StemInput("drums", drums[:, : drums.shape[1] // 2], song.sample_rate, "a" * 64),
             StemInput("keys", harmony48, 48000, "b" * 64)]
    a = analyze_stems(stems)
    assert any("sample rates" in n for n in a.notes) and any("lengths" in n for n in a.notes)
    assert a.duration_seconds == pytest.approx(song.duration_seconds, abs=0.05)
    assert a.key is not None


def test_cancel_midway_stops_the_melody_worker_too(song):
    import threading

    token = CancelToken()

    def progress(fraction, _text=""):
        if fraction >= 0.35:
            token.cancel()

    with pytest.raises(Cancelled):
        analyze_stems(_stems(song), progress=progress, cancel=token)
    assert not [t for t in threading.enumerate() if t.name.startswith("accord-melody")]



def test_beat_meter_and_key_do_not_depend_on_the_choice_of_lead():
    # taking the melody from the bass (or the harmony) must not take that stem out of the beat, the meter's
    # accents and the key (a real song flipped between 4/4 and 3/4 with --lead): everything but the melody
    # is the same, down to the raw least-squares tempo and the beat's confidence
    song = make_song(21, meter=TimeSignature(3, 4), tempo_bpm=104.0, key=Key(2, "major"), seconds=8.0)
    stems = _stems(song)
    base = analyze_stems(stems)
    for lead in ("bass", "harmony"):
        other = analyze_stems(stems, lead=lead)
        assert other.lead == lead
        assert (other.time_signature, other.grid, other.tempo_fit_bpm, other.tempo_confidence) == \
            (base.time_signature, base.grid, base.tempo_fit_bpm, base.tempo_confidence)
        assert (other.key, other.chords) == (base.key, base.chords)


def test_role_features_are_computed_only_for_stems_whose_role_is_not_named_or_set(song, monkeypatch):
    import app.core.analysis.roles as roles_mod

    seen = []
    real = roles_mod.stem_features

    def counting(y, sample_rate):
        seen.append(y.size)
        return real(y, sample_rate)

    monkeypatch.setattr(roles_mod, "stem_features", counting)
    a = analyze_stems(_stems(song))  # drums, bass, harmony, lead: every role comes from its name
    assert seen == [] and a.roles["lead"] == "lead"
    a = analyze_stems(_stems(song, rename={"harmony": "take 3", "lead": "take 4"}))
    assert len(seen) == 2 and a.roles == {"drums": "drums", "bass": "bass", "take 3": "harmony", "take 4": "lead"}
    assert roles_mod.needs_features("take 3") and not roles_mod.needs_features("take 3", "bass")


def test_guess_roles_refuses_a_missing_feature_it_needs():
    with pytest.raises(ValueError, match="needs its features"):
        guess_roles(["take 1"], [None])
    assert guess_roles(["Bass DI", "x"], [None, None], {"x": "drums"})[0] == {"Bass DI": "bass", "x": "drums"}


def test_the_threaded_analysis_gives_the_one_thread_melody(song, analysis):
    # the transcription runs beside the beat, key and chords on two threads that share its chunks: none of
    # that may change the melody, which must be one thread's transcription of the lead stem, note for note
    from app.core.analysis.melody import INPUT_RATE, track_notes

    alone = track_notes(mono_at(song.stems["lead"], song.sample_rate, INPUT_RATE), sample_rate=INPUT_RATE)
    assert alone and analysis.melody_seconds == tuple((n.onset, n.duration, n.pitch) for n in alone)


def test_a_song_in_one_file_has_its_melody_picked_out_of_the_mix(song, monkeypatch):
    """A bounce loaded alone is a whole mix: its melody is picked among its parts (the full-mix line selection,
    not the lead-stem reading), and that line is not trusted for the key (docs/analysis-evaluation.md, eleventh pass)."""
    from app.core.analysis import roles as roles_mod
    from app.core.analysis.harmony import key_function

    mix = sum(song.stems[n] for n in ("drums", "bass", "harmony", "lead"))
    # the synthetic accompaniment is sparse enough for its mix to read as one line ("lead"); 64 of the 83 real
    # mixes at hand read as "harmony" (their chroma is dense), which is the case under test
    monkeypatch.setattr(roles_mod, "role_from_features", lambda f, **_: "harmony")
    used_for_key = []
    real = key_function.KeyInputs.with_lead
    monkeypatch.setattr(key_function.KeyInputs, "with_lead",
                        lambda self, est, lead, name: used_for_key.append(name) or real(self, est, lead, name))
    a = analyze_stems([_one("take 1", mix, song.sample_rate)])
    assert a.roles["take 1"] == "harmony" and a.lead == "take 1"
    assert a.melody is not None and any("picked out of the whole mix 'take 1'" in n for n in a.notes)
    got = {(n.onset, n.pitch) for n in a.melody.notes}
    want = {(n.onset, n.pitch) for n in song.melody.notes}
    assert len(got & want) >= 0.5 * len(want), (len(got & want), len(want))
    assert used_for_key == [] and a.key == Key(7, "major")
    # a lone file whose features hear one line (13 of the 58 real mixes) is read as a mix too, and the key hears
    # the same model output read as a lead alone (as before it had a mix's melody)
    from app.core.analysis import melody as melody_mod

    readings = []
    real_notes = melody_mod.PitchTrackJob.notes
    monkeypatch.setattr(melody_mod.PitchTrackJob, "notes",
                        lambda self, lead_stem=None: readings.append(lead_stem) or real_notes(self, lead_stem))
    monkeypatch.setattr(roles_mod, "role_from_features", lambda f, **_: "lead")
    line = analyze_stems([_one("take 2", mix * 0.9, song.sample_rate)])
    assert line.lead == "take 2" and any("picked out of the whole mix" in n for n in line.notes)
    assert readings == [None, True] and used_for_key == ["take 2"]
    assert {(n.onset, n.pitch) for n in line.melody.notes} & want
    # the same file named for what it is, or chosen as the lead by the user, is read as before
    named = analyze_stems([_one("lead vocal", mix, song.sample_rate)])
    assert named.lead == "lead vocal" and not any("whole mix" in n for n in named.notes)
    chosen = analyze_stems([_one("take 1", mix, song.sample_rate)], lead="take 1")
    assert chosen.lead == "take 1" and not any("whole mix" in n for n in chosen.notes)
