"""The key a MIDI work gets when its file states none, on real songs nobody here wrote (issue 11, items 1 and 7).

A catalogue MIDI work takes its key from the file's key signature. A file without one had no key, so the model
guessed it from the melody part alone (`viewpoints.estimate_key`: its scale-degree viewpoint reads every note
against that tonic). The import now reads the key of all the file's pitched parts together
(`midi_import.pitch_content_key`).

Songs: every mma groove chart of `benchmarks.realsongs` (main set and the three held-out sets), whose MIDI files
(`song.mid`, written by MMA from the chart) state the chart's key. Each file is imported with its key
signature removed, as a DAW export without one would be; truth is the chart's key. Also the openmsx songs that do
state a key signature (their truth is that signature). Rows, MIREX-weighted and tonic right: the melody part's
own guess (before), the file's pitch content (now), and essentia's KeyExtractor on the rendered mix from the
realsongs peer cache (audio, for scale).
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SETS = ("mma", "mma-heldout", "mma-casio", "mma-more", "openmsx")
QUICK_SONGS = 8


def _without_key_signature(src: Path, dst: Path) -> bool:
    """Copy a MIDI file without its key-signature events; False when it had none."""
    import mido

    mf = mido.MidiFile(str(src))
    had = False
    for track in mf.tracks:
        kept = mido.MidiTrack()
        carry = 0
        for msg in track:
            if msg.type == "key_signature":
                had = True
                carry += msg.time  # keep the following events' absolute times
                continue
            kept.append(msg.copy(time=msg.time + carry))
            carry = 0
        track[:] = kept
    mf.save(str(dst))
    return had


def _song_row(folder: Path, truth: dict, tmp: Path, essentia_key: str | None) -> dict | None:
    from app.core.catalogue.importing.midi_import import extract_with_detail
    from app.core.model.ppm.viewpoints import estimate_key

    midi = folder / "song.mid"
    if not midi.is_file():
        parts = sorted(p for p in folder.glob("*.mid") if p.stem != "drums")
        if not parts:
            return None
        midi = _merged(parts, tmp / f"{folder.name}-merged.mid")
    stripped = tmp / f"{folder.name}.mid"
    if not _without_key_signature(midi, stripped):
        return None
    melody, detail = extract_with_detail(stripped)
    before = estimate_key(melody.pitches, [n.duration for n in melody.notes])
    return {"song": folder.name, "set": folder.parent.name, "truth": truth["key"], "source": truth.get("key_source"),
            "before": before.name, "now": None if melody.key is None else melody.key.name,
            "essentia": essentia_key, "detail": detail}


def _merged(parts: list[Path], dst: Path) -> Path:
    """The role MIDI files of an openmsx song as one type-1 file (the catalogue imports one file)."""
    import mido

    files = [mido.MidiFile(str(p)) for p in parts]
    out = mido.MidiFile(type=1, ticks_per_beat=files[0].ticks_per_beat)
    for f in files:
        out.tracks.extend(f.tracks)
    out.save(str(dst))
    return dst


def _rows(per_song: list[dict], prefix: str, note: str) -> list[dict]:
    from benchmarks.realsongs.scoring import mirex_key, same_tonic

    rows = []
    for name, label in (("before", "the melody part's own guess (before)"), ("now", "all parts' notes (now)"),
                        ("essentia", "essentia KeyExtractor on the mix")):
        got = [r for r in per_song if r.get(name)]
        if not got:
            continue
        tonic = sum(same_tonic(r["truth"], r[name]) for r in got)
        rows.append({"metric": f"{prefix}MIDI work without a key signature, key MIREX: {label}",
                     "value": round(float(np.mean([mirex_key(r["truth"], r[name]) for r in got])), 3),
                     "unit": "score", "note": f"tonic right on {tonic} of {len(got)}; {note}"})
    return rows


def run(quick: bool) -> list[dict]:
    logging.getLogger().setLevel(logging.ERROR)
    try:
        from benchmarks.realsongs import build
        from benchmarks.realsongs import sources as data
        from benchmarks.realsongs.peers import peer_results
    except ImportError:
        return [{"metric": "catalogue MIDI key", "value": "skipped", "unit": "", "note": "benchmarks.realsongs missing"}]

    songs = build(None, sources=SETS, limit=QUICK_SONGS // 2 if quick else None)
    rows_by_group: dict[str, list[dict]] = {"chart": [], "key signature": []}
    with tempfile.TemporaryDirectory() as tmp_name:
        for song in songs:
            group = rows_by_group.get(song.truth.get("key_source"))
            if group is None or not song.truth.get("key"):
                continue  # a key derived from the notes is this very method: no evidence
            essentia = peer_results(song, data.default_cache()).get("essentia", {}).get("key")
            row = _song_row(Path(song.mix).parent, song.truth, Path(tmp_name), essentia)
            if row is not None:
                group.append(row)
    charts, signatures = rows_by_group["chart"], rows_by_group["key signature"]
    if not charts and not signatures:
        return [{"metric": "catalogue MIDI key", "value": "skipped", "unit": "",
                 "note": "no songs (fluidsynth, the soundfont or the Debian packages missing)"}]
    rows = _rows(charts, "", f"{len(charts)} mma charts' MIDI files, key signature removed; truth: the chart")
    rows += _rows(signatures, "openmsx: ", f"{len(signatures)} songs whose file states a key the notes agree with; "
                                           "signature removed, truth: that signature")
    rows.append({"metric": "catalogue MIDI key per song", "value": len(charts) + len(signatures), "unit": "songs",
                 "detail": charts + signatures})
    return rows


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r["metric"], r["value"], r.get("unit", ""), r.get("note", "") if "per song" not in r["metric"] else "")
