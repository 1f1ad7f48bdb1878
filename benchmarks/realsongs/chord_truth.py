"""Chords per beat from a MIDI file's notes, as a musician would label them, and a check of that labelling.

The openmsx songs state no chords, so their chord truth is derived from the notes; how far that derivation
can be trusted is measured on the mma songs, whose MIDI was made *from* a chord chart: the labelling runs on
their rendered parts and is compared with the chart (`chart_agreement`, a row of the analysis benchmark).

Version 5 (this one) reads chords over the harmonic rhythm, not beat by beat — Pardo & Birmingham's
segmentation ("Algorithms for chordal analysis", Computer Music Journal 26(2), 2002): within each bar, every
way of cutting the bar at beats is scored, each segment by its best chord template as P − N − M (P: the
sounding time, in beats, of the segment's notes that are chord tones; N: of those that are not; M: the
template's tones that do not sound), and the best-scoring cut wins. A chord held over a walking or boogie
bass is then one chord, not a new "chord" on every bass note. Templates are theirs (major, dominant
seventh, minor, diminished, half- and fully-diminished sevenths); ties go to the chord whose root is the
segment's lowest note, then to the simpler template. Labels are reduced to the MIREX maj/min vocabulary;
segments that it cannot name are left out of the score, as MIREX's maj/min evaluation leaves them out:
diminished chords, chords whose third does not sound (an open fifth is neither major nor minor), and
segments where one pitch class sounds (a unison riff or a pedal: Harte's C:(1)). "N" is a segment where
nothing pitched sounds.

Version 3 labelled each beat on its own (the triad covering most of the beat's notes, the bass counted
twice; a beat with fewer than two pitch classes was N). On the 27 mma songs it agreed with the charts on
0.886 of the beats it kept and left 11 % out; a bar of F7 over a boogie bass (F, A, F, C) read N F Dm Cm.
Version 5: 0.986 of beats, 6 % left out. It is not a musician either: say_what_redfarn's opening bars of F7
(the piano's F A E♭ and A♭ A D E♭ over that bass) still read Dm for three beats, the D and the missing C
outweighing the seventh; its later F7 bars read F.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from benchmarks.realsongs.truth import NAMES, _pc_weights, role_parts

CHORDS_VERSION = 5  # 4 (stop 37's first commit) still called a one-pitch-class segment N
SOUNDING_SHARE = 0.1  # a pitch class sounds in a segment when it is held for at least this share of each beat
# (intervals, maj/min family or None when maj/min cannot name it); the order breaks ties (simpler first)
TEMPLATES = (((0, 4, 7), "maj"), ((0, 4, 7, 10), "maj"), ((0, 3, 7), "min"), ((0, 3, 6, 9), None),
             ((0, 3, 6, 10), None), ((0, 3, 6), None))
UNNAMED = "?"  # a segment the maj/min vocabulary cannot name: left out of the truth


def _segment(w: np.ndarray, beats: int, lowest: int | None) -> tuple[float, str]:
    """(score, label) of one segment: its best template by P − N − M, labelled 'C:maj' / 'A:min' / UNNAMED / 'N'."""
    floor = SOUNDING_SHARE * beats
    sounding = np.count_nonzero(w >= floor)
    if sounding < 2:
        # nothing pitched: no chord; one pitch class (a unison riff, a pedal): Harte's C:(1), outside maj/min
        return 0.0, "N" if sounding == 0 else UNNAMED
    total = float(w.sum())
    best: tuple | None = None
    for root in range(12):
        for order, (steps, family) in enumerate(TEMPLATES):
            pcs = [(root + s) % 12 for s in steps]
            p = float(w[pcs].sum())
            misses = sum(1 for pc in pcs if w[pc] < floor)
            rank = (round(p - (total - p) - misses, 6), root == lowest, -order)
            if best is None or rank > best[0]:
                third_sounds = w[(root + steps[1]) % 12] >= floor
                label = f"{NAMES[root]}:{family}" if family and third_sounds else UNNAMED
                best = (rank, label)
    assert best is not None
    return best[0][0], best[1]


def _bars(beats: np.ndarray, downbeats: np.ndarray) -> list[list[int]]:
    """Indices of the beats of each bar (a bar starts at each downbeat; beats before the first form a bar)."""
    downs = set(np.round(downbeats, 6).tolist())
    bars: list[list[int]] = []
    for i, t in enumerate(beats):
        if not bars or round(float(t), 6) in downs:
            bars.append([])
        bars[-1].append(i)
    return bars


def chords_truth(pm, harmonic: list, bass: list, *, end: float | None = None) -> list[list]:
    """[[start_s, end_s, 'C:maj'|'A:min'|'N'], ...] per beat, equal neighbours merged; unnamed beats omitted.

    `harmonic`: the pitched parts heard as harmony (the bass among them); `bass`: the bass parts (for ties)."""
    beats = np.asarray(pm.get_beats(), dtype=float)
    end = pm.get_end_time() if end is None else end
    bounds = np.append(beats, max(end, float(beats[-1]) if beats.size else 0.0))
    notes = [n for inst in harmonic for n in inst.notes]
    low = [n for inst in bass for n in inst.notes]
    labels: dict[int, str] = {}
    for bar in _bars(beats, np.asarray(pm.get_downbeats(), dtype=float)):
        k = len(bar)
        seg: dict[tuple[int, int], tuple[float, str]] = {}
        for i in range(k):
            for j in range(i + 1, k + 1):
                a, b = float(bounds[bar[i]]), float(bounds[bar[j - 1] + 1])
                if b - a < 1e-3:
                    seg[i, j] = (0.0, UNNAMED)
                    continue
                w = _pc_weights(notes, a, b) / ((b - a) / (j - i))  # sounding time per pitch class, in beats
                starting = [n for n in (low or notes) if n.start < b and n.end > a]
                lowest = min(starting, key=lambda n: (n.start > a + 0.02, n.pitch)).pitch % 12 if starting else None
                seg[i, j] = _segment(w, j - i, lowest)
        best = [0.0] + [-np.inf] * k
        back = [0] * (k + 1)
        for j in range(1, k + 1):
            for i in range(j):
                if best[i] + seg[i, j][0] > best[j] + 1e-9:
                    best[j], back[j] = best[i] + seg[i, j][0], i
        j = k
        while j > 0:
            i = back[j]
            for x in range(i, j):
                labels[bar[x]] = seg[i, j][1]
            j = i
    out: list[list] = []
    for i in range(beats.size):
        a, b, label = float(bounds[i]), float(bounds[i + 1]), labels.get(i, UNNAMED)
        if b - a < 1e-3 or label == UNNAMED:
            continue
        if out and out[-1][2] == label and abs(out[-1][1] - a) < 1e-6:
            out[-1][1] = round(b, 4)
        else:
            out.append([round(a, 4), round(b, 4), label])
    return out


def chart_agreement(mma_folders: list[Path]) -> dict:
    """The labelling run on mma songs' rendered parts, against their charts: share of the chart's beats the
    labelling names (kept) and share of those it names as the chart does (agree), maj/min level."""
    from benchmarks.realsongs import scoring as sc

    agree = kept = total = 0
    for folder in mma_folders:
        data = json.loads((folder / "song.json").read_text())
        parts = role_parts(folder)
        if not parts:
            continue
        bass = parts["bass"].instruments if "bass" in parts else []
        derived = chords_truth(next(iter(parts.values())), [i for p in parts.values() for i in p.instruments], bass,
                               end=float(data["truth"]["duration"]))
        starts = np.array([s for s, _, _ in derived])
        for t, family in sc.beat_samples(data["truth"]):
            total += 1
            i = int(np.searchsorted(starts, t, side="right")) - 1
            if i < 0 or t >= derived[i][1]:
                continue
            kept += 1
            agree += sc.chord_family(derived[i][2]) == family
    return {"beats": total, "kept": kept / total if total else 0.0, "agree": agree / kept if kept else 0.0}
