"""Bar 1 and the beat grid on the real songs: the truth from the MIDI (the downbeat at or just before the first
note; the MIDI's beats) and the scores (Accord's first downbeat within ± 50 ms of it; Accord's beats within
± 50 ms of the MIDI's, median over the song). Kept apart from scoring.py (key and chords)."""

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


def truth_beats(folder: Path) -> list[float] | None:
    """Seconds of the MIDI's beats (from its tempo map and meter; None without MIDI files)."""
    import pretty_midi

    mids = sorted(folder.glob("*.mid"))
    return [float(b) for b in pretty_midi.PrettyMIDI(str(mids[0])).get_beats()] if mids else None


def truth_grid(folder: Path):
    """The MIDI's own grid (BeatGrid: its meter, bar 1 at the first note's downbeat, anchors through every beat of
    its tempo map), as an artist who fixed the tempo and bar 1 by hand would have it; None without MIDI files."""
    import numpy as np
    import pretty_midi

    from app.core.music import BeatGrid, TimeSignature

    mids = sorted(folder.glob("*.mid"))
    bar_one = truth_bar_one(folder)
    if not mids or bar_one is None:
        return None
    pm = pretty_midi.PrettyMIDI(str(mids[0]))
    sig = pm.time_signature_changes[0] if pm.time_signature_changes else None
    meter = TimeSignature(sig.numerator, sig.denominator) if sig else TimeSignature(4, 4)
    beats = np.asarray(pm.get_beats(), dtype=float)  # compound meters: the dotted quarter, as pulse_quarters
    if beats.size < 2:
        return None
    first = int(np.argmin(np.abs(beats - bar_one)))
    step = meter.pulse_quarters
    anchors = tuple(((i - first) * step, float(b - beats[first])) for i, b in enumerate(beats))
    bpm = 60.0 * step * (beats.size - 1) / float(beats[-1] - beats[0])
    return BeatGrid(bpm, meter, offset_seconds=float(beats[first]), anchors=anchors)


def beats_on_beat(truth: list[float] | None, estimate: list[float] | None) -> bool | None:
    """The grid is on the beat: its beats' median distance from the nearest MIDI beat is within ± 50 ms. (A
    grid off by half or a third of a beat, or drifting, is not; at another metrical level it can be.)"""
    import numpy as np

    if not truth or not estimate:
        return None
    t, e = np.asarray(truth), np.asarray(estimate)
    e = e[(e >= t[0] - TOLERANCE_S) & (e <= t[-1] + TOLERANCE_S)]
    if e.size == 0:
        return False
    i = np.clip(np.searchsorted(t, e), 1, t.size - 1)
    d = np.minimum(np.abs(e - t[i - 1]), np.abs(e - t[i]))
    return float(np.median(d)) <= TOLERANCE_S


def half_a_beat_off(truth: list[float] | None, estimate: list[float] | None) -> bool | None:
    """The grid is off the beat but on it once every beat moves half a beat later (the studio's "½ Beat"): a grid
    on the "and" all song long."""
    import numpy as np

    if not truth or not estimate or len(estimate) < 2:
        return None
    e = np.asarray(estimate, dtype=float)
    return not beats_on_beat(truth, list(e)) and bool(beats_on_beat(truth, list(e + 0.5 * float(np.median(np.diff(e))))))


def bar_one_on_a_beat(truth: list[float] | None, estimate: float | None) -> bool | None:
    """Bar 1 is within ± 50 ms of one of the MIDI's beats: right, or whole beats away (the studio's "◀ Beat" /
    "Beat ▶", one click a beat)."""
    if not truth or estimate is None:
        return None
    return min(abs(estimate - t) for t in truth) <= TOLERANCE_S


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
    for s in systems:
        on = [r[f"{s}_on_beat"] for r in per_song if r.get(f"{s}_on_beat") is not None]
        rows.append({"metric": f"real: beats on the MIDI's beats [{s}]", "value": sum(on) / len(on) if on else 0.0,
                     "unit": "share", "note": f"{len(on)} songs; median distance within 50 ms"})
    return rows + one_click_rows(per_song, systems, "real")


def one_click_rows(per_song: list[dict], systems: tuple[str, ...], label: str) -> list[dict]:
    """How far the artist's fix is where bar 1 or the beats are wrong: whole beats for bar 1 (the studio's Beat ◀ ▶,
    one click a beat), half a beat for a grid on the "and" all song long (½ Beat, one click)."""
    rows = []
    scored = [r for r in per_song if r.get("truth_bar_one") is not None]
    for s in systems:
        near = [bool(r.get(f"{s}_bar_one_ok")) or bool(r.get(f"{s}_bar_one_on_a_beat")) for r in scored]
        rows.append({"metric": f"{label}: bar 1 right or whole beats away [{s}]",
                     "value": sum(near) / len(near) if near else 0.0, "unit": "share",
                     "note": f"{len(near)} songs; bar 1 on one of the MIDI's beats (Beat ◀ ▶: one click a beat)"})
    for s in systems:
        on = [bool(r[f"{s}_on_beat"]) or bool(r.get(f"{s}_half_beat_off")) for r in per_song
              if r.get(f"{s}_on_beat") is not None]
        rows.append({"metric": f"{label}: beats on the beat or half a beat off [{s}]",
                     "value": sum(on) / len(on) if on else 0.0, "unit": "share",
                     "note": f"{len(on)} songs; on the MIDI's beats once moved half a beat (½ Beat: one click)"})
    return rows
