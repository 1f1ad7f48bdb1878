"""Bar 1 on the real songs: the truth from the MIDI (the downbeat at or just before the first note) and the
score (Accord's first downbeat within ± 50 ms of it). Kept apart from scoring.py (key and chords)."""

from __future__ import annotations

from pathlib import Path

TOLERANCE_S = 0.05


def truth_bar_one(folder: Path) -> float | None:
    """Seconds of the MIDI downbeat at or just before the song's first note (None without MIDI files).

    The role MIDI files beside the stems share the song's tempo map and meter; the audio was rendered from
    them from time 0, so MIDI seconds are audio seconds."""
    import pretty_midi

    mids = sorted(folder.glob("*.mid"))
    if not mids:
        return None
    pms = [pretty_midi.PrettyMIDI(str(p)) for p in mids]
    starts = [n.start for pm in pms for inst in pm.instruments for n in inst.notes]
    if not starts:
        return None
    first = min(starts)
    downbeats = pms[0].get_downbeats()
    before = downbeats[downbeats <= first + TOLERANCE_S]
    return float(before[-1]) if before.size else float(downbeats[0])


def bar_one_ok(truth: float | None, estimate: float | None) -> bool | None:
    if truth is None or estimate is None:
        return None
    return abs(estimate - truth) <= TOLERANCE_S


def bar_one_rows(per_song: list[dict], systems: tuple[str, ...]) -> list[dict]:
    scored = [r for r in per_song if r.get("truth_bar_one") is not None]
    rows = []
    for s in systems:
        v = sum(bool(r.get(f"{s}_bar_one_ok")) for r in scored) / len(scored) if scored else 0.0
        rows.append({"metric": f"real: bar 1 within 50 ms [{s}]", "value": v, "unit": "share",
                     "note": f"{len(scored)} songs; the MIDI's downbeat at the first note (essentia's and "
                             "librosa's beat trackers give no downbeat)"})
    return rows
