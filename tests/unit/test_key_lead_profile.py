"""The lead melody joins the key's pitch-class profile once it is known (the chords still come from the
accompaniment alone): a melody that sings the scale the accompaniment leaves open settles the key."""

from __future__ import annotations

import numpy as np

from app.core.analysis.harmony.key import estimate_key
from app.core.analysis.harmony.key_function import KeyInputs
from app.core.music import Key


def _chroma(pcs: dict[int, float], frames: int = 40) -> np.ndarray:
    c = np.full((12, frames), 0.02)
    for pc, level in pcs.items():
        c[pc] = level
    return c


def _inputs(chroma: np.ndarray, *, heard: tuple[str, ...] = ("bass", "keys")) -> KeyInputs:
    # no chords: the harmonic refinement leaves the profile's ranking as it is, so the profile is what is tested
    return KeyInputs.of(chroma, None, np.ones(chroma.shape[1]), [], [], np.zeros(0, bool), [], heard=heard)


def test_the_lead_settles_what_the_accompaniment_leaves_open():
    # G and C triads over and over, C and G alike: C major or G major? The melody sings F (C major's fourth,
    # G major's flattened seventh) and E, C, A: C major
    chroma = _chroma({0: 1.0, 4: 0.8, 7: 1.2, 11: 0.8, 2: 0.8})
    alone = estimate_key(chroma)
    lead = [(0.5, 65), (0.5, 64), (0.5, 60), (0.5, 69), (1.0, 65), (0.5, 64), (1.0, 60)] * 4
    both = _inputs(chroma).with_lead(alone, lead, "vocal")
    assert both.key == Key(0, "major"), f"{both.key} (alone: {alone.key})"
    assert both.scores != alone.scores


def test_a_lead_already_in_the_chroma_or_no_lead_changes_nothing():
    chroma = _chroma({0: 1.0, 4: 0.8, 7: 1.2, 11: 0.8, 2: 0.8})
    alone = estimate_key(chroma)
    lead = [(1.0, 65), (1.0, 60)] * 4
    # a lead that joined the bass in the chroma is most of that profile already: it would count twice
    assert _inputs(chroma, heard=("bass", "vocal")).with_lead(alone, lead, "vocal") == alone
    assert _inputs(chroma).with_lead(alone, [], "vocal") == alone
    assert _inputs(chroma).with_lead(alone, [(0.0, 65)], "vocal") == alone  # no sounding time: nothing to weigh
    assert _inputs(chroma).with_lead(alone, lead, "vocal") != alone


def test_key_sections_are_judged_against_the_key_finally_chosen():
    """Modulations are sections in another key than the song's: when the melody changes the song's key,
    the sections are found again against it (a whole song in C is no 'section in C' of a song in C)."""
    beats = 32 * 4
    bc = np.tile(_chroma({0: 1.0, 4: 0.8, 7: 0.9, 5: 0.5, 9: 0.5, 2: 0.5, 11: 0.4}, 1).T, (beats, 1))
    bb = np.zeros((beats, 12))
    bb[:, 0] = 1.0
    inputs = KeyInputs.of(bc.T, None, np.ones(beats), [], [], np.zeros(0, bool), [], heard=("keys",),
                          beat_features=(bc, bb, np.ones(beats), 4, 1.0))
    against_g = inputs.sections(Key(7, "major"))
    assert against_g and all(s.key == Key(0, "major") for s in against_g)
    assert inputs.sections(Key(0, "major")) == ()
    assert _inputs(bc.T).sections(Key(0, "major")) == ()  # no beat features kept: no sections


def test_the_line_transcribed_from_a_full_mix_joins_its_profile():
    """A full mix is the one stem heard: its melody is one voice under the accompaniment's sustained chords,
    so the line transcribed from it weighs in as a separate lead stem's would (the same C-or-G mix as above,
    the melody singing F, E, C, A: C major)."""
    chroma = _chroma({0: 1.0, 4: 0.8, 7: 1.2, 11: 0.8, 2: 0.8})
    alone = estimate_key(chroma)
    lead = [(0.5, 65), (0.5, 64), (0.5, 60), (0.5, 69), (1.0, 65), (0.5, 64), (1.0, 60)] * 4
    mixed = _inputs(chroma, heard=("mix",)).with_lead(alone, lead, "mix")
    assert mixed.key == Key(0, "major"), f"{mixed.key} (alone: {alone.key})"
    assert mixed == _inputs(chroma).with_lead(alone, lead, "vocal")
