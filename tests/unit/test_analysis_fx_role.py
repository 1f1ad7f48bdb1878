"""Stems the analysis leaves out (role "fx": a riser, a vinyl bed, rain): named so, or set so by the artist,
they change nothing that is heard; a song that is one file is never left out whatever its name says."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from app.core.analysis import StemInput, analyze_stems
from app.core.analysis.roles import ROLES, UNHEARD, guess_roles, role_from_name
from app.core.errors import AnalysisError
from app.core.music import Key, TimeSignature
from tests.helpers.songs import make_song


def _input(name: str, samples: np.ndarray, rate: int, role: str | None = None) -> StemInput:
    return StemInput(name, samples, rate, hashlib.sha256(samples.tobytes()).hexdigest(), role)


def _riser(n: int, rate: int) -> np.ndarray:
    """A glide from 200 Hz to 3.2 kHz over the song, with noise: across every chord, and loud."""
    t = np.arange(n) / rate
    f = 200.0 * 16.0 ** (t / t[-1])
    glide = 0.4 * np.sin(2 * np.pi * np.cumsum(f) / rate)
    return (glide + 0.1 * np.random.default_rng(5).standard_normal(n)).astype(np.float32)[None, :]


def _vinyl(n: int, rate: int) -> np.ndarray:
    rng = np.random.default_rng(6)
    bed = 0.05 * rng.standard_normal(n)
    clicks = rng.integers(0, n, 200)
    bed[clicks] += rng.uniform(-0.9, 0.9, clicks.size)
    return bed.astype(np.float32)[None, :]


@pytest.fixture(scope="module")
def song():
    return make_song(11, meter=TimeSignature(4, 4), tempo_bpm=104.0, key=Key(2, "minor"), seconds=10.0)


def _heard(a):
    return (a.grid.tempo_bpm, a.grid.offset_seconds, a.time_signature, a.key, a.key_confidence,
            a.chords.spans, a.melody.notes)


def test_fx_stems_named_so_change_nothing_that_is_heard(song):
    stems = [_input(n, song.stems[n], song.sample_rate) for n in song.stems]
    n = max(s.samples.shape[-1] for s in stems)
    extra = [_input("Riser FX", _riser(n, song.sample_rate), song.sample_rate),
             _input("Vinyl Crackle", _vinyl(n, song.sample_rate), song.sample_rate)]
    alone, beside = analyze_stems(stems), analyze_stems(stems + extra)
    assert beside.roles["Riser FX"] == UNHEARD and beside.role_sources["Riser FX"] == "name"
    assert beside.roles["Vinyl Crackle"] == UNHEARD
    assert _heard(beside) == _heard(alone)
    # the same riser as an ordinary part would be heard: the test can tell
    as_other = analyze_stems(stems + [_input("take 7", extra[0].samples, song.sample_rate, "other")])
    assert _heard(as_other) != _heard(alone)


def test_the_artist_can_leave_any_stem_out(song):
    stems = [_input(n, song.stems[n], song.sample_rate) for n in song.stems]
    without_bass = analyze_stems([s for s in stems if s.name != "bass"])
    bass_left_out = analyze_stems([_input(s.name, s.samples, s.sample_rate, UNHEARD if s.name == "bass" else None)
                                   for s in stems])
    assert bass_left_out.roles["bass"] == UNHEARD and bass_left_out.role_sources["bass"] == "user"
    assert _heard(bass_left_out)[:6] == _heard(without_bass)[:6]


def test_a_song_that_is_one_file_is_never_left_out(song):
    mix = sum(song.stems[n] for n in song.stems).astype(np.float32)
    a = analyze_stems([_input("Vinyl Days", mix, song.sample_rate)])
    assert a.roles["Vinyl Days"] != UNHEARD and a.tempo_determined and a.key is not None
    assert role_from_name("Vinyl Days", lone=True) is None and role_from_name("Vinyl Days") == UNHEARD
    assert guess_roles(["Riser"], [None], {"Riser": "harmony"})[0] == {"Riser": "harmony"}


def test_every_stem_left_out_says_so(song):
    stems = [_input(n, song.stems[n], song.sample_rate, UNHEARD) for n in ("drums", "bass")]
    with pytest.raises(AnalysisError, match="every stem is marked fx"):
        analyze_stems(stems)


@pytest.mark.parametrize("name,role", [("FX Riser", UNHEARD), ("SFX", UNHEARD), ("Uplifter 2", UNHEARD),
                                       ("Vinyl", UNHEARD), ("Foley Steps", UNHEARD), ("Atmos", UNHEARD),
                                       ("Vox FX", "lead"), ("Drum FX", "drums"), ("Click", None),
                                       ("Purple Rain 5", None), ("Make Some Noise_3", None)])
def test_fx_names(name, role):
    assert role_from_name(name) == role


def test_fx_is_a_role_the_artist_can_choose():
    assert UNHEARD in ROLES
