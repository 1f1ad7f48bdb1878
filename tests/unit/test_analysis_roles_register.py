"""Bass by register (stop 33): an unnamed part is bass when its notes centre under A2, read from the notes that
explain its spectrum (NNLS note salience) rather than from its energy below 250 Hz. A General MIDI bass's bright
partials put half its energy above 250 Hz, so 25 of 54 bass stems had read as harmony; a low chord pad is not a
bass; a song that is one file is never called bass (nothing to be under)."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis.roles import (
    BASS_CENTRE_MIDI,
    StemFeatures,
    guess_roles,
    pitch_centre,
    role_from_features,
    stem_features,
)

SR = 22050


def _notes(pitches, seconds_each: float, partials: int, decay: float = 1.0) -> np.ndarray:
    """Notes one after another (chords: tuples sound together), each a sum of `partials` harmonics at 1/h^decay."""
    t = np.arange(int(seconds_each * SR)) / SR
    env = np.minimum(1.0, t / 0.01) * np.exp(-t / (2 * seconds_each))
    out = []
    for p in pitches:
        chord = p if isinstance(p, tuple) else (p,)
        f0s = [440.0 * 2 ** ((q - 69) / 12) for q in chord]
        out.append(env * sum(np.sin(2 * np.pi * f * h * t) / h ** decay for f in f0s for h in range(1, partials + 1)
                             if f * h < SR / 2))
    return 0.2 * np.concatenate(out) / max(1, len(pitches[0]) if isinstance(pitches[0], tuple) else 1)


BRIGHT_BASS = [33, 40, 38, 36, 33, 40, 41, 37] * 3  # A1..F2, twelve harmonics falling as 1/sqrt(h): bright
LOW_PAD = [(48, 52, 55), (53, 57, 60), (50, 53, 57), (55, 59, 62)] * 3  # chords from C3, like an LMMS pad
LEAD = [72, 74, 76, 79, 77, 76, 74, 72] * 3


def test_a_bright_bass_centres_on_its_notes_not_on_its_partials():
    bass = _notes(BRIGHT_BASS, 0.5, partials=12, decay=0.5)
    f = stem_features(bass, SR)
    assert f.low_ratio < 0.6 or f.centroid_hz >= 500  # what the old energy rule missed
    assert 34 <= f.pitch_centre < BASS_CENTRE_MIDI
    assert role_from_features(f) == "bass"
    assert role_from_features(f, alone=True) != "bass"  # alone it may be a whole mix: never "bass"


def test_a_low_chord_pad_and_a_lead_are_not_bass():
    pad = stem_features(_notes(LOW_PAD, 1.0, partials=6), SR)
    lead = stem_features(_notes(LEAD, 0.5, partials=6), SR)
    assert pad.pitch_centre >= BASS_CENTRE_MIDI and role_from_features(pad) != "bass"
    assert lead.pitch_centre > 66 and role_from_features(lead) == "lead"


def test_guess_roles_calls_a_lone_file_by_its_other_features():
    bass = stem_features(_notes(BRIGHT_BASS, 0.5, partials=12, decay=0.5), SR)
    pad = stem_features(_notes(LOW_PAD, 1.0, partials=6), SR)
    roles, _ = guess_roles(["track 1", "track 2"], [bass, pad])
    assert roles == {"track 1": "bass", "track 2": "harmony"}
    roles, _ = guess_roles(["track 1"], [bass])
    assert roles["track 1"] != "bass"


def test_silence_has_no_centre_and_features_round_trip():
    assert pitch_centre(np.zeros(SR * 2), SR) == 0.0
    f = stem_features(_notes(BRIGHT_BASS, 0.5, partials=12, decay=0.5), SR)
    assert StemFeatures.from_json(f.to_json()) == f
    stale = dict(f.to_json(), version=2)
    with pytest.raises(ValueError):
        StemFeatures.from_json(stale)
