"""The notes an LMMS project plays, read from the project file, for a key truth of the productions.

The LMMS demo projects state a tempo and a meter but no key (productions.py). Their notes are in the file:
each instrument track's patterns, placed on the song editor's timeline or looped by a Beat/Bassline track.
The key is then derived from those notes exactly as the openmsx songs' key is derived from their MIDI
(`truth.key_from_pitch_content`: Krumhansl–Kessler on duration-weighted pitch classes, the relative
settled by where the bass rests at the end).

What sounds at which pitch:
- a synth (TripleOscillator, ZynAddSubFX, LB302, BitInvader, Organic, SID, PAPU...) plays MIDI note
  `key + 12` (LMMS's key 57 is A4) moved by the track's base note (`57 - basenote`), its fine pitch
  (cents, rounded to semitones), the song's master pitch, and TripleOscillator's first oscillator's
  coarse detune;
- an AudioFileProcessor plays its sample at the sample's own pitch on the base note: a one-note sample of a
  pitched instrument (LMMS's `instruments/`, `stringsnpads/` and `basses/` folders) is pitched by pYIN on the
  sample file itself; drum, effect and loop samples, Kicker and sfxr are not pitched; chord and riff samples
  and samples from elsewhere are pitched but unreadable here;
- tracks whose name says they are drums are left out whatever plays them.
A song whose pitched notes cannot be placed this way (a pitched sample that pYIN cannot read, a plugin this
reader does not know) for more than UNREAD_MAX of their duration gets no key truth.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

VERSION = 3  # of the reading below: a cached truth of another version is read again (2, 3: chords too)
TICKS_PER_QUARTER = 48
DEFAULT_KEY = 57  # LMMS's A4
SYNTHS = frozenset({"tripleoscillator", "zynaddsubfx", "lb302", "bitinvader", "organic", "sid", "papu",
                    "monstro", "watsyn", "opl2", "malletsstk", "vibedstrings", "nes", "xpressive"})
UNPITCHED = frozenset({"kicker", "sfxr"})
PITCHED_SAMPLE_FOLDERS = ("instruments/", "stringsnpads/", "basses/")
UNPITCHED_SAMPLE_FOLDERS = ("drums/", "drumsynth/", "effects/", "beats/", "bassloops/", "misc/")
CHORD_SAMPLE = re.compile(r"accord|double_stop|drone|loop", re.I)
DRUM_NAME = re.compile(r"kick|snare|hat|hh\b|clap|crash|ride|cymbal|tom\b|perc|drum|\bbd\b|\bsd\b|shaker|rim|"
                       r"noise|tamb|cowbell|conga|bongo|beat", re.I)
SAMPLES = Path("/usr/share/lmms/samples")
UNREAD_MAX = 0.2
BASS_CEILING = 52  # a track whose notes average below E3 is a bass part (its final notes settle the relative)


@dataclass(frozen=True)
class Note:
    start: float  # seconds
    end: float
    pitch: int  # MIDI


@dataclass
class ProjectNotes:
    notes: list[Note]
    bass: list[Note]
    unread_share: float  # of the pitched tracks' note duration, the share this reader could not pitch
    unread: list[str]  # those tracks' names
    bpm: float = 120.0
    beats_per_bar: int = 4

    def chords(self) -> list[list]:
        """Chords per beat, [[start_s, end_s, 'C:maj'|'A:min'|'N'], ...], by the openmsx songs' derivation
        (chord_truth.chords_truth: Pardo & Birmingham's segmentation within each bar) on the project's grid."""
        from types import SimpleNamespace

        from benchmarks.realsongs.chord_truth import chords_truth

        if not self.notes:
            return []
        return chords_truth(_Grid(self.bpm, self.beats_per_bar, max(n.end for n in self.notes)),
                            [SimpleNamespace(notes=self.notes)], [SimpleNamespace(notes=self.bass)])


@dataclass(frozen=True)
class _Grid:
    """The project's constant grid, as chords_truth asks a MIDI file for it (LMMS plays on it to the sample)."""

    bpm: float
    beats_per_bar: int
    end: float

    def get_beats(self):  # noqa: ANN201 — numpy array, as pretty_midi returns
        import numpy as np

        return np.arange(0.0, self.end, 60.0 / self.bpm)

    def get_downbeats(self):  # noqa: ANN201
        return self.get_beats()[:: self.beats_per_bar]

    def get_end_time(self) -> float:
        return self.end


def _sample_pitch(src: str) -> float | None:
    """The MIDI pitch a one-note sample sounds at, by pYIN over its voiced frames (None when unreadable)."""
    import librosa
    import numpy as np

    path = SAMPLES / src
    if not path.is_file():
        return None
    y, sr = librosa.load(str(path), sr=22050, mono=True, duration=4.0)
    f0, voiced, _p = librosa.pyin(y, fmin=40.0, fmax=2000.0, sr=sr)
    f0 = f0[voiced & np.isfinite(f0)]
    if f0.size < 5:
        return None
    return float(np.median(librosa.hz_to_midi(f0)))


def _pitch_shift(track: ET.Element, master: float, sample_pitches: dict[str, float | None]) -> float | None:
    """Semitones from LMMS key + 12 to the MIDI pitch the track sounds (None: not pitched, or unknown)."""
    it = track.find("instrumenttrack")
    inst = it.find("instrument") if it is not None else None
    if inst is None or DRUM_NAME.search(track.get("name", "")):
        return None
    name = inst.get("name", "")
    shift = DEFAULT_KEY - float(it.get("basenote", DEFAULT_KEY)) + round(float(it.get("pitch", 0)) / 100) + master
    if name in UNPITCHED:  # a drum synth plays chords and leads in some songs, at pitches set in its own knobs
        return float("nan") if name == "kicker" else None
    if name in SYNTHS:
        osc = inst.find("tripleoscillator")
        return shift + (float(osc.get("coarse0", 0)) if osc is not None else 0.0)
    if name == "audiofileprocessor":
        src = (inst.find("audiofileprocessor").get("src", "") if inst.find("audiofileprocessor") is not None else "")
        if src.startswith(UNPITCHED_SAMPLE_FOLDERS):
            return None
        if not src.startswith(PITCHED_SAMPLE_FOLDERS) or CHORD_SAMPLE.search(src):
            return float("nan")  # a riff, a chord or a sample from elsewhere: pitched, but not as one note
        if src not in sample_pitches:
            sample_pitches[src] = _sample_pitch(src)
        p = sample_pitches[src]
        return None if p is None else shift + round(p) - (DEFAULT_KEY + 12)
    return float("nan")  # pitched by something this reader does not know


def _pattern_notes(pattern: ET.Element) -> list[tuple[int, int, int]]:
    """(tick, length, key) of the pattern's notes, cut at its length (a step note's negative length: a 16th)."""
    length = int(pattern.get("len", 0)) or None
    out = []
    for n in pattern.findall("note"):
        pos, dur = int(n.get("pos", 0)), int(n.get("len", 0))
        dur = dur if dur > 0 else TICKS_PER_QUARTER // 4
        if length is not None and pos >= length:
            continue
        out.append((pos, min(dur, length - pos) if length else dur, int(n.get("key", DEFAULT_KEY))))
    return out


def read_project(xml_text: str) -> ProjectNotes:
    root = ET.fromstring(xml_text)
    head = root.find("head")
    bpm = float(head.get("bpm", 120)) if head is not None else 120.0
    master = float(head.get("masterpitch", 0)) if head is not None else 0.0
    seconds = 60.0 / bpm / TICKS_PER_QUARTER
    song = root.find("song/trackcontainer")
    if song is None:
        raise ValueError("no song track container")
    sample_pitches: dict[str, float | None] = {}
    shifts: dict[int, float | None] = {}
    out, by_track, unread, unread_names, total = [], {}, 0.0, set(), 0.0
    for t, a, d, k in _placed_notes(song):
        if id(t) not in shifts:
            shifts[id(t)] = _pitch_shift(t, master, sample_pitches)
        shift = shifts[id(t)]
        if shift is None:
            continue
        total += d
        if shift != shift:  # nan: pitched, but not readable here
            unread += d
            unread_names.add(t.get("name", ""))
            continue
        note = Note(a * seconds, (a + d) * seconds, int(round(k + 12 + shift)))
        out.append(note)
        by_track.setdefault(id(t), []).append(note)
    bass = [n for ns in by_track.values() if sum(x.pitch for x in ns) / len(ns) < BASS_CEILING for n in ns]
    bar = int(head.get("timesig_numerator", 4)) if head is not None else 4
    return ProjectNotes(out, bass, unread / total if total else 1.0, sorted(unread_names), bpm, bar if bar > 1 else 4)


def _placed_notes(song: ET.Element):  # noqa: ANN202 — yields (track element, tick, length in ticks, LMMS key)
    """Every note the song plays, where it plays: a song-editor pattern once at its place; a Beat/Bassline pattern
    looped wherever its BB track plays (the first BB track holds the instruments, pattern i sits at bar i and
    belongs to the i-th BB track of the song)."""
    bb_tracks = [t for t in song.findall("track") if t.get("type") == "1"]
    for t in song.findall("track"):
        if t.get("type") == "0" and t.get("muted", "0") != "1":
            for p in t.findall("pattern"):
                if p.get("muted", "0") != "1":
                    start = int(p.get("pos", 0))
                    yield from ((t, start + a, d, k) for a, d, k in _pattern_notes(p))
    container = next((c for c in (bb.find("bbtrack/trackcontainer") for bb in bb_tracks) if c is not None), None)
    if container is None:
        return
    for t in container.findall("track"):
        if t.get("type") != "0" or t.get("muted", "0") == "1":
            continue
        for p in t.findall("pattern"):
            index = int(p.get("pos", 0)) // (4 * TICKS_PER_QUARTER)
            if index >= len(bb_tracks) or bb_tracks[index].get("muted", "0") == "1":
                continue
            loop = int(p.get("len", 0)) or 4 * TICKS_PER_QUARTER
            for tco in bb_tracks[index].findall("bbtco"):
                a0, span = int(tco.get("pos", 0)), int(tco.get("len", 0))
                for rep in range(0, max(span, 0), loop):
                    yield from ((t, a0 + rep + a, min(d, span - rep - a), k) for a, d, k in _pattern_notes(p)
                                if rep + a < span)
