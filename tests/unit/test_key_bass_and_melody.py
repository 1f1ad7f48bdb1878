"""A song with only a bass line and a melody (no chord instrument) still reads its key, not the parallel or
the dominant: the bass names roots and fifths, the melody the thirds and leading tones."""

from __future__ import annotations

import hashlib

import pytest

from app.core.analysis import analyze_stems
from app.core.analysis.pipeline import StemInput
from app.core.music import Key
from tests.helpers.songs import make_song


@pytest.mark.parametrize("seed,key", [(200, Key(0, "major")), (201, Key(7, "major")), (204, Key(4, "minor")),
                                      (207, Key(3, "minor"))])
def test_bass_and_melody_only_song_reads_its_key(seed, key):
    song = make_song(seed, key=key, seconds=16.0)
    stems = [StemInput(n, a, song.sample_rate, hashlib.sha256(a.tobytes()).hexdigest())
             for n, a in song.stems.items() if n in ("drums", "bass", "lead")]
    a = analyze_stems(stems)
    assert a.key == key, f"{a.key} (runner-up {a.key_runner_up})"
