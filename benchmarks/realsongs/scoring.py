"""Scores for the real-song evaluation: tempo within a tolerance, MIREX weighted key score, chords per beat."""

from __future__ import annotations

import re

import numpy as np

PCS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def parse_pc(name: str) -> int:
    pc = PCS[name[0].upper()]
    for ch in name[1:]:
        pc += {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(ch, 0)
    return pc % 12


def parse_key(text: str | None) -> tuple[int, str] | None:
    if not text:
        return None
    m = re.fullmatch(r"\s*([A-Ga-g][#b♯♭]?)\s*(major|minor|maj|min)\s*", text)
    if not m:
        return None
    return parse_pc(m.group(1)), "minor" if m.group(2).startswith("min") else "major"


def same_tonic(ref: str | None, est: str | None) -> bool:
    """The same tonic pitch class, whatever the mode and spelling ("C# major" and "Db minor")."""
    r, e = parse_key(ref), parse_key(est)
    return r is not None and e is not None and r[0] == e[0]


def mirex_key(ref: str | None, est: str | None) -> float:
    """MIREX weighted key score: 1 same, 0.5 a fifth above (same mode), 0.3 relative, 0.2 parallel, else 0."""
    r, e = parse_key(ref), parse_key(est)
    if r is None or e is None:
        return 0.0
    if r == e:
        return 1.0
    if r[1] == e[1] and (e[0] - r[0]) % 12 == 7:
        return 0.5
    if r[1] == "major" and e[1] == "minor" and (e[0] - r[0]) % 12 == 9:
        return 0.3
    if r[1] == "minor" and e[1] == "major" and (e[0] - r[0]) % 12 == 3:
        return 0.3
    if r[0] == e[0]:
        return 0.2
    return 0.0


def tempo_ok(ref: float, est: float | None, tolerance: float = 0.04) -> bool:
    return est is not None and abs(est / ref - 1.0) <= tolerance


def felt_bpm(quarter_bpm: float | None, meter: str | None) -> float | None:
    """The felt beat's rate: a compound meter's (6/8, 9/8, 12/8) beat is the dotted quarter, so 6/8 at 120 quarter
    notes is 80 beats a minute; other meters (and a peer's BPM, which has no meter: meter None) as given. It
    makes notations of the same music agree: MMA's Rock128 is written 4/4 with triplets at 84, which Accord may
    hear as 12/8 at 126 quarter notes, the same beats and the same bars."""
    if quarter_bpm is None or not meter:
        return quarter_bpm
    num, _, den = meter.partition("/")
    compound = den == "8" and num.isdigit() and int(num) % 3 == 0 and int(num) > 3
    return quarter_bpm / 1.5 if compound else quarter_bpm


def chord_family(label: str) -> tuple[int, str] | None:
    """'C:maj' / 'A:min' / 'Am' / 'C#' / 'Dm7' / 'N' -> (root pc, 'maj'|'min') or None for no chord."""
    t = label.strip()
    if t in ("N", "X", "") or t.upper() == "NC":
        return None
    if ":" in t:
        root, q = t.split(":", 1)
        return parse_pc(root), "min" if q.startswith(("min", "dim", "hdim")) else "maj"
    m = re.fullmatch(r"([A-G][#b]?)(.*)", t)
    if not m:
        return None
    q = m.group(2)
    minor = q.startswith("m") and not q.startswith("maj") or q.startswith("dim")
    return parse_pc(m.group(1)), "min" if minor else "maj"


def beat_samples(truth: dict) -> list[tuple[float, tuple[int, str] | None]]:
    """(time, truth family) at the middle of each beat of every truth chord span."""
    beat = 60.0 / float(truth["bpm"])
    out = []
    for start, end, label in truth.get("chords", []):
        n = max(1, int(round((end - start) / beat)))
        step = (end - start) / n
        fam = chord_family(label)
        out += [(start + (i + 0.5) * step, fam) for i in range(n)]
    return out


def chord_score(truth: dict, estimate_at) -> tuple[int, int]:
    """(hits, total) of root + major/minor per beat; `estimate_at(t)` returns a label or family."""
    hits = total = 0
    for t, fam in beat_samples(truth):
        est = estimate_at(t)
        est_fam = chord_family(est) if isinstance(est, str) else est
        total += 1
        hits += est_fam == fam
    return hits, total


def essentia_chord_at(chords: list[str], hop: float):
    arr = np.asarray(chords)

    def at(t: float) -> str:
        i = int(t / hop)
        return str(arr[i]) if 0 <= i < arr.size else "N"

    return at
