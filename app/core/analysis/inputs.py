"""What the analysis takes (StemInput) and the revision of the ears that hear it: light on purpose, so the
studio's panels can build inputs and compare revisions at startup without importing the estimators (numba,
librosa), which load with the first analysis."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# bumped when an estimator changes its results, so cached whole-song results from older code are not reused. 40:
# without a kit, a song whose chords cadence a beat after its first sound starts on a pickup
# (meter.starts_on_a_pickup); 39: without drums, a level on whose pulses the chords change is the beat (beatlevel.harmonic_beat); 38: the melody's
# phrase ends settle only what the chords leave open (key_function.settle_relative); 37: a
# quiet pad over a loud bass note is its chord (chords.ONE_NOTE_MARGIN); 36: a decaying chord in a quiet passage is
# still the chord, not silence (chords.DECAY_SHARE); 35: the key's profile counts each sounding frame once
# (key.SOUNDING_SHARE); 34: the triplet feel is kept (SongAnalysis.triplet_feel: suggestions follow it), swung eighths
# are one (meter.swung); 33: a compound beat with four pulses to the bar is a triplet feel written in 4/4, not 6/8;
# 32: a whole mix's line prefers the top voice as a note starts (lead_line.top_voice); 31: a steady sound (a drone, a
# held chord) has no beat, a stem named for an effect (riser, vinyl…) is left out; 30: the runner-up tempo is kept
# (SongAnalysis.tempo_runner_up_bpm); 29: the tonic chord's third shares the two modes' confidence out (JazzRock: F#
# minor 76 % against F# major 24 %, not 50/50); 28: an exact BPM only where the local tempo holds; 27: a drum stem
# shorter than the bass still leads the beat (its envelopes are read at the rhythm section's length); 26: a compound
# pulse with no 2-pulse accent pattern is the bar of a fast waltz, an open fifth gives no vote for the key's mode; 25:
# a chord change costs more (chords are read over the harmonic rhythm); 24: an unnamed part is bass by the register of
# its notes (NNLS), never a lone file; 23: a song that is one file (a whole mix) has its melody picked out of the mix;
# 22: a percussive stem with a tonal spectrum (staccato chords) is not drums unless its energy is a kick's; 21: a
# minor key's own chords are its natural and harmonic scale's (not the melodic's major IV); 20: a stem named for a
# cymbal's kind (ride, crash) with a cymbal's spectrum is drums, a major seventh must sound beyond its root's upper
# neighbour; 19: a key on pitched stems is refused only for noise, drum stems found by their percussive share, name
# hints whole words, a compound beat whose 2/3 pulse is stronger is a fast simple one; 18: a chord without a third
# takes the key's quality; 17: 5/4 is recognised from a 5-beat accent pattern; 16: without a drum stem, chords read
# the CQT's harmonic part (HPSS); 15: a full mix's transcribed melody joins its key profile; 14: the tonic chord's
# third settles major vs minor; 13: the lead melody joins the key profile; 12: chords read the NNLS bass and per-beat
# fits; 11: one BLAS thread (float round-off)
ESTIMATORS_REVISION = 40
MAX_SECONDS = 60 * 30  # the longest song the analysis takes (stems are refused past it, before decoding more)


@dataclass(frozen=True)
class StemInput:
    name: str
    samples: np.ndarray  # float32 (channels, frames)
    sample_rate: int
    content_sha256: str
    role: str | None = None  # a user's override; None: guess
