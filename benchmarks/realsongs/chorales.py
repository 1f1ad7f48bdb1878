"""Songs with no drums: J. S. Bach's four-part chorales from music21's corpus, as a songwriter's piano-and-voice
demo would sound (the tune on an oboe, alto and tenor on a piano, the bass on an acoustic bass). The first 40
chose the harmonic beat's constants (rhythm/beatlevel.py); the next 40 are held out (CHORALE_SETS).

Every other rendered set has a drum part on almost every song; this one has none, so the beat, the meter and
bar 1 must come from the notes alone, and the key from four voices that modulate on the way. Only the
chorales from the cantatas (`bwvN.M`) are used, not BWV 253–438, which the demo catalogue ships.

Truth, none of it from a key profile or from Accord:
- tempo: one tempo per chorale, chosen from its name (60–100 quarter notes a minute, a hymn's pace), so the
  whole song is grid-perfect; fermatas are not held (a MIDI file does not hold them either);
- meter: the score's time signature; a pickup is moved to the end of an empty bar, so the MIDI's own downbeats
  fall on the score's barlines (bar 1's truth is then that bar's downbeat, the benchmark's rule: the downbeat
  at or before the first note);
- key: the key signature and the bass's last note, the rule a musician reads a chorale's key by: the final is
  the signature's major tonic → major, its relative minor → minor, a tone above the major tonic → minor written
  with the Baroque "Dorian" signature (one flat fewer). A chorale ending anywhere else (the Phrygian ones on
  the dominant) is left out: its key is a matter of analysis, not of reading;
- chords: the openmsx derivation from the notes (`chord_truth`), so a check, not a chart.
"""

from __future__ import annotations

import logging
import tempfile
import zlib
from pathlib import Path

from benchmarks.realsongs import chord_truth, render, truth

log = logging.getLogger(__name__)

SOURCE = "chorales"
PROGRAMS = {"lead": 68, "harmony": 0, "bass": 32}  # oboe, acoustic grand piano, acoustic bass
LIMIT = 40  # songs in the set: ~45 s each, about 4 minutes of the benchmark with the peers
NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def tempo_for(name: str) -> int:
    """A hymn's pace, fixed by the name (the same chorale always gets the same tempo)."""
    return 60 + zlib.crc32(name.encode()) % 41


def key_from_signature_and_final(sharps: int, final_pc: int) -> str | None:
    """"G major" / "E minor" from the key signature's sharps (flats negative) and the bass's last pitch class;
    None when the final is none of the signature's readings (a modal ending)."""
    major = (7 * sharps) % 12
    if final_pc == major:
        return f"{NAMES[major]} major"
    # the relative minor, or a minor written with the Dorian signature (D minor with no flat, G minor with one)
    if final_pc in ((major + 9) % 12, (major + 2) % 12):
        return f"{NAMES[final_pc]} minor"
    return None


def _score_facts(score) -> tuple[str | None, float, float]:
    """(key or None, pickup length in quarters (0 without a pickup), bar length in quarters)."""
    from music21 import key as m21key
    from music21 import meter

    parts = list(score.parts)
    sigs = list(parts[0].recurse().getElementsByClass(m21key.KeySignature))
    bass_notes = [n for n in parts[-1].recurse().notes if n.isNote]
    if not sigs or not bass_notes:
        return None, 0.0, 4.0
    ts = next(iter(parts[0].recurse().getElementsByClass(meter.TimeSignature)), None)
    bar = float(ts.barDuration.quarterLength) if ts is not None else 4.0
    first = parts[0].getElementsByClass("Measure").first()
    pickup = float(first.duration.quarterLength) if first is not None and first.number == 0 else 0.0
    pickup = pickup if 0.0 < pickup < bar else 0.0
    return key_from_signature_and_final(sigs[0].sharps, bass_notes[-1].pitch.pitchClass), pickup, bar


def _midi(score, name: str, lead_in: float = 0.0):
    """The chorale as a PrettyMIDI at its tempo with its programs set, its notes `lead_in` quarter notes late (a
    pickup then ends an empty bar), and its roles (soprano lead, alto and tenor harmony, bass bass). None when it
    is not four parts at one tempo."""
    import pretty_midi

    if len(score.parts) != 4:
        return None
    with tempfile.TemporaryDirectory(prefix="accord-chorale-") as scratch:
        raw = Path(scratch) / "score.mid"  # not beside the stems: the truth reads every *.mid there
        score.write("midi", fp=str(raw))
        src = pretty_midi.PrettyMIDI(str(raw))
    _times, tempi = src.get_tempo_changes()
    pitched = [i for i in src.instruments if i.notes and not i.is_drum]
    if len(tempi) != 1 or len(pitched) != 4:
        return None
    # Re-timed here rather than by a tempo mark in the score: music21 does not always write one it is given.
    bpm = tempo_for(name)
    scale = float(tempi[0]) / bpm
    late = lead_in * 60.0 / bpm
    pm = pretty_midi.PrettyMIDI(resolution=src.resolution, initial_tempo=float(bpm))
    roles = {0: "lead", 1: "harmony", 2: "harmony", 3: "bass"}
    by_height = sorted(pitched, key=lambda i: -sum(n.pitch for n in i.notes) / len(i.notes))
    for idx, part in enumerate(by_height):
        inst = pretty_midi.Instrument(PROGRAMS[roles[idx]], name=part.name)
        inst.notes = [pretty_midi.Note(n.velocity, n.pitch, n.start * scale + late, n.end * scale + late)
                      for n in part.notes]
        pm.instruments.append(inst)
    # music21 repeats the time signature at a repeat's barline, several times at one instant: keep the changes
    for ts in src.time_signature_changes:
        last = pm.time_signature_changes[-1] if pm.time_signature_changes else None
        if last is None or (ts.numerator, ts.denominator) != (last.numerator, last.denominator):
            pm.time_signature_changes.append(pretty_midi.TimeSignature(ts.numerator, ts.denominator, ts.time * scale))
    return pm, roles, bpm


def build(cache: Path, limit: int | None = None, *, first: int = 0) -> list:
    """Render (or load) the chorales with a key truth, at most `limit` (default LIMIT), from the `first`-th such
    chorale on (in the corpus's order of names): benchmarks.realsongs.CHORALE_SETS splits them."""
    from benchmarks.realsongs import _load

    try:
        from music21 import corpus
    except ImportError:
        log.warning("chorales skipped: music21 is not installed (pip install 'accord[musicxml]')")
        return []

    wanted = LIMIT if limit is None else min(limit, LIMIT)
    out: list = []
    seen = 0  # chorales with a key truth passed so far
    for path in sorted(corpus.getComposer("bach"), key=lambda p: p.name):
        if len(out) >= wanted:
            break
        name = path.name.removesuffix(".mxl").removesuffix(".xml")
        if "." not in name:  # BWV 253-438: the demo catalogue's chorales
            continue
        folder = cache / SOURCE / name
        if (folder / "skipped").is_file():
            continue
        song = _load(folder)
        if song is None:
            song = _render(path, name, folder)
        if song is None:
            continue
        seen += 1
        if seen > first:
            out.append(song)
    return out


def _render(path, name: str, folder: Path):  # noqa: ANN001 - music21's corpus path
    """Render one chorale into `folder` and save its truth; None (and a `skipped` marker) when it has no key to
    read or is not four parts."""
    from music21 import corpus

    from benchmarks.realsongs import RealSong, _save

    try:
        score = corpus.parse(path)
        key, pickup, bar = _score_facts(score)
        made = _midi(score, name, bar - pickup if pickup else 0.0) if key is not None else None
    except Exception as exc:  # noqa: BLE001 - one unreadable score is skipped, not fatal
        log.warning("skipping %s: %s", name, exc)
        made = None
    if made is None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "skipped").write_text("not four parts, or a modal ending (no key to read)\n")
        return None
    pm, roles, bpm = made
    mix, stems = render.render_stems(pm, roles, folder)
    by_role = {r: [pm.instruments[i] for i, x in roles.items() if x == r] for r in render.ROLES}
    t = {"bpm": float(bpm), "tempo_map": [[0.0, float(bpm)]], "key": key,
         "key_source": "key signature and the bass's final", "key_version": truth.KEY_VERSION,
         "time_signature": truth.time_signature_truth(pm),
         "chords": chord_truth.chords_truth(pm, by_role["bass"] + by_role["harmony"], by_role["bass"]),
         "chords_version": chord_truth.CHORDS_VERSION, "chords_source": "pitch content over the harmonic rhythm",
         "lead_notes": truth.lead_notes(by_role["lead"]), "grid_perfect": True,
         "duration": round(float(pm.get_end_time()), 3)}
    song = RealSong(name, SOURCE, mix, stems, t)
    _save(folder, song)
    return song
