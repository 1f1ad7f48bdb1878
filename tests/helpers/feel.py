"""Triplet feels: a drum kit on a compound pulse (hats on every third of it; a slow 12/8 ballad is kick on 1, snare on
2 and 4, which charts write in 4/4 with triplets at its dotted-quarter pulse), and a song's analysis that heard one."""

from __future__ import annotations

import numpy as np

from app.core.analysis.result import SongAnalysis
from app.core.music import BeatGrid, ChordTimeline, Key, Melody, Note, TimeSignature

SR = 22050


class _Kit:
    """A kick, a snare and a hi-hat (noise and swept sines, seeded) and an empty track `seconds` (+1 s) long."""

    def __init__(self, seed: int, seconds: float) -> None:
        self.rng = np.random.default_rng(seed)
        n = int(0.3 * SR)
        t = np.arange(n) / SR
        self.kick = np.sin(2 * np.pi * np.cumsum(55 + 90 * np.exp(-t / 0.03)) / SR) * np.exp(-t / 0.15)
        self.snare = (self.rng.standard_normal(n) * np.exp(-t / 0.06) * 0.5
                      + 0.5 * np.sin(2 * np.pi * 200 * t) * np.exp(-t / 0.05))
        hat = np.diff(self.rng.standard_normal(int(0.08 * SR) + 1))
        self.hat = hat * np.exp(-np.arange(hat.size) / SR / 0.015) * 0.25
        self.y = np.zeros(int((seconds + 1.0) * SR))

    def add(self, at: float, sound: np.ndarray) -> None:
        i = int(at * SR)
        self.y[i:i + sound.size] += sound[:self.y.size - i]

    def audio(self) -> np.ndarray:
        return self.y.astype(np.float32)[None, :]


def compound_kit(pulse_bpm: float, bar: list[str], bars: int = 24) -> np.ndarray:
    """(1, samples) float32 at SR: hats on every third of each pulse, a kick ("k") and a snare ("s") on the pulses
    `bar` names (one string per pulse: "k", "s", "ks" or "")."""
    p = 60.0 / pulse_bpm
    kit = _Kit(1, bars * len(bar) * p)
    for b in range(bars):
        for j, hits in enumerate(bar):
            t0 = 0.1 + (b * len(bar) + j) * p
            for k in range(3):
                kit.add(t0 + k * p / 3, kit.hat * kit.rng.uniform(0.6, 1.0))
            for c in hits:
                kit.add(t0, kit.kick if c == "k" else 0.8 * kit.snare)
    return kit.audio()


def backbeat_kit(bpm: float, *, swung: bool, bars: int = 16) -> np.ndarray:
    """(1, samples) float32 at SR: kick on 1 and 3, snare on 2 and 4, and a hat on every beat and between the beats:
    on the beat's last third (swung eighths: a shuffle, a jazz ride) or on its half (straight eighths)."""
    beat = 60.0 / bpm
    kit = _Kit(2, bars * 4 * beat)
    for k in range(bars * 4):
        t0 = 0.1 + k * beat
        kit.add(t0, kit.kick if k % 2 == 0 else 0.8 * kit.snare)
        kit.add(t0, kit.hat * kit.rng.uniform(0.8, 1.0))
        kit.add(t0 + beat * (2.0 / 3.0 if swung else 0.5), kit.hat * kit.rng.uniform(0.6, 0.8))
    return kit.audio()


FOUR_FOUR = TimeSignature(4, 4)


def song_analysis(triplet_feel: bool, ts: TimeSignature = FOUR_FOUR, bpm: float = 76.0) -> SongAnalysis:
    """Am F C G twice, a lead of quarter notes over bars 1–2, at `bpm` in `ts`: its beat heard dividing in three or
    not."""
    chords = ChordTimeline.from_symbols(["Am", "F", "C", "G"] * 2, quarters_each=ts.bar_quarters)
    lead = Melody(tuple(Note(69 + (i % 3), i * 1.0, 1.0) for i in range(8)), key=Key.parse("A minor"),
                  time_signature=ts, tempo_bpm=bpm)
    return SongAnalysis(grid=BeatGrid(bpm, ts), tempo_determined=True, tempo_confidence=0.9,
                        key=Key.parse("A minor"), key_confidence=0.9, key_sections=(), chords=chords, melody=lead,
                        lead="lead", roles={"lead": "lead"}, role_sources={"lead": "name"},
                        stems=(("lead", "0" * 64),), duration_seconds=60.0, triplet_feel=triplet_feel)
