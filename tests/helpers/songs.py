"""A self-generated evaluation set: short synthetic songs with known tempo, meter, key, chords and melody.

`make_song(seed)` renders separate drum, bass, harmony and lead stems (float32, (2, frames)) with varied
timbres and a little timing jitter, plus the ground truth the analysis should recover. Deterministic per
seed. Conventions follow app/core/music/: tempo in quarter notes per minute, positions in quarter notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.core.music import Chord, ChordSpan, ChordTimeline, Key, Melody, Note, TimeSignature

METERS = (TimeSignature(4, 4), TimeSignature(3, 4), TimeSignature(6, 8))

# Diatonic progressions as (degree in semitones from the tonic, quality); start and end near the tonic
# so the key is musically defined, as in most real songs.
MAJOR_PROGRESSIONS = (
    ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),
    ((0, "maj"), (5, "maj"), (7, "7"), (0, "maj")),
    ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj")),
    ((2, "m7"), (7, "7"), (0, "maj"), (0, "maj")),
    ((0, "maj"), (4, "min"), (5, "maj"), (7, "maj")),
    ((0, "maj"), (5, "sus4"), (7, "maj"), (0, "maj")),
    ((5, "maj"), (7, "maj"), (0, "maj"), (0, "maj")),  # starts away from home
)
MINOR_PROGRESSIONS = (
    ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),
    ((0, "min"), (5, "min"), (7, "maj"), (0, "min")),
    ((0, "min"), (10, "maj"), (8, "maj"), (7, "7")),
    ((0, "m7"), (5, "m7"), (7, "7"), (0, "min")),
    ((0, "min"), (2, "dim"), (7, "maj"), (0, "min")),
    ((8, "maj"), (10, "maj"), (0, "min"), (0, "min")),  # starts away from home
)


@dataclass
class SynthSong:
    seed: int
    sample_rate: int
    tempo_bpm: float  # quarter notes per minute
    time_signature: TimeSignature
    key: Key
    offset_seconds: float  # time of bar 1, beat 1
    chords: ChordTimeline  # in quarter notes
    melody: Melody  # in quarter notes (as written, without jitter)
    melody_seconds: list[tuple[float, float, int]]  # (onset s, duration s, MIDI pitch) as rendered
    stems: dict[str, np.ndarray] = field(default_factory=dict)  # name -> float32 (2, frames)

    @property
    def duration_seconds(self) -> float:
        return max(s.shape[1] for s in self.stems.values()) / self.sample_rate

    @property
    def beat_quarters(self) -> float:
        return self.time_signature.pulse_quarters if self.time_signature.is_compound else 1.0

    def beat_labels(self) -> list[tuple[float, Chord]]:
        """(quarter position, chord) on every quarter note of the song: the per-beat ground truth."""
        end = self.chords.spans[-1].end
        return [(q, self.chords.at(q)) for q in np.arange(0.0, end - 1e-9, 1.0)]

    def mix(self, names: tuple[str, ...] | None = None) -> np.ndarray:
        chosen = [self.stems[n] for n in (names or tuple(self.stems))]
        n = max(s.shape[1] for s in chosen)
        out = np.zeros((2, n), np.float32)
        for s in chosen:
            out[:, : s.shape[1]] += s
        return out


def _midi_hz(p: float) -> float:
    return 440.0 * 2.0 ** ((p - 69) / 12.0)


def _add(buf: np.ndarray, start_s: float, sig: np.ndarray, sr: int) -> None:
    i = int(round(start_s * sr))
    if i >= buf.size or i + sig.size <= 0:
        return
    if i < 0:
        sig, i = sig[-i:], 0
    j = min(buf.size, i + sig.size)
    buf[i:j] += sig[: j - i]


def _tone(freq: float, dur: float, sr: int, harmonics: np.ndarray, *, attack: float, decay: float | None,
          vibrato: float = 0.0, rng: np.random.Generator) -> np.ndarray:
    n = max(1, int(dur * sr))
    t = np.arange(n) / sr
    phase = 2 * np.pi * freq * t
    if vibrato:
        phase += vibrato * np.sin(2 * np.pi * 5.5 * t) * (freq / 100.0)
    sig = np.zeros(n)
    for k, a in enumerate(harmonics, start=1):
        if a and k * freq < sr / 2.2:
            sig += a * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    env = np.minimum(1.0, t / max(attack, 1e-4))
    if decay is not None:
        env *= np.exp(-t / decay)
    rel = min(n, int(0.02 * sr))  # short release so notes don't click
    env[n - rel:] *= np.linspace(1.0, 0.0, rel)
    return sig * env


def _timbre(rng: np.random.Generator, kind: str) -> np.ndarray:
    k = np.arange(1, 13)
    if kind == "saw":
        h = 1.0 / k
    elif kind == "square":
        h = np.where(k % 2 == 1, 1.0 / k, 0.0)
    elif kind == "soft":
        h = 0.6 ** (k - 1)
    else:  # random bright/dull additive
        h = rng.uniform(0.2, 1.0, k.size) / k ** rng.uniform(0.8, 1.6)
    return h / np.abs(h).sum()


def _drums(buf: np.ndarray, sr: int, ts: TimeSignature, bar_s: float, n_bars: int, offset: float,
           tempo: float, rng: np.random.Generator, *, busy: bool = False) -> None:
    q = 60.0 / tempo
    kick_f = rng.uniform(45, 65)
    kick_dec = rng.uniform(0.08, 0.2)
    snare_tone = rng.uniform(160, 240)
    n_k = int(0.35 * sr)
    t = np.arange(n_k) / sr
    kick = np.sin(2 * np.pi * np.cumsum(kick_f + 90 * np.exp(-t / 0.03)) / sr) * np.exp(-t / kick_dec)
    snare = (rng.standard_normal(n_k) * np.exp(-t / 0.06) * 0.5
             + 0.5 * np.sin(2 * np.pi * snare_tone * t) * np.exp(-t / 0.05))
    hat_noise = np.diff(rng.standard_normal(int(0.08 * sr) + 1))  # differencing = crude high-pass
    hat = hat_noise * np.exp(-np.arange(hat_noise.size) / sr / 0.015) * 0.25
    if ts.is_compound:
        eighth = q / 2
        kicks, snares = [0.0], [3 * eighth]
        hats = [i * eighth for i in range(6)]
    else:
        beats = ts.numerator
        kicks = [0.0] + ([2 * q] if beats == 4 else [])
        snares = [q, 3 * q] if beats == 4 else [q, 2 * q]
        if beats == 5:  # 3 + 2, as in "Take Five": kicks on 1 and 4, snares on 3 and 5
            kicks, snares = [0.0, 3 * q], [2 * q, 4 * q]
        sub = 0.5 if tempo < 150 else 1.0
        if tempo < 80 and rng.random() < 0.5:
            sub = 0.25
        hats = [i * sub * q for i in range(int(round(beats / sub)))]
    if busy and not ts.is_compound:
        # hi-hat-heavy: loud eighth (sixteenth when slow) hats, an open hat on each off-beat eighth, and a
        # pushed kick on the "and" of the last beat every other bar — the eighths nearly as loud as the beat
        hat = hat * rng.uniform(2.0, 3.0)
        sub = 0.25 if tempo < 90 else 0.5
        hats = [i * sub * q for i in range(int(round(ts.numerator / sub)))]
        open_hat = np.diff(rng.standard_normal(int(0.2 * sr) + 1)) * np.exp(-np.arange(int(0.2 * sr)) / sr / 0.07)
        open_at = [(i + 0.5) * q for i in range(ts.numerator)]
    jitter = rng.uniform(0.002, 0.008)
    for b in range(n_bars):
        t0 = offset + b * bar_s
        if busy and not ts.is_compound:
            for x in open_at:
                _add(buf, t0 + x + rng.normal(0, jitter), open_hat * 0.4 * rng.uniform(0.7, 1.0), sr)
            if b % 2:
                _add(buf, t0 + (ts.numerator - 0.5) * q + rng.normal(0, jitter), kick * 0.8, sr)
        for x in kicks:
            _add(buf, t0 + x + rng.normal(0, jitter), kick * rng.uniform(0.85, 1.0), sr)
        for x in snares:
            _add(buf, t0 + x + rng.normal(0, jitter), snare * rng.uniform(0.7, 0.9), sr)
        for x in hats:
            _add(buf, t0 + x + rng.normal(0, jitter), hat * rng.uniform(0.6, 1.0), sr)


def _melody(rng: np.random.Generator, key: Key, bar_chords: list[list[tuple[float, Chord]]],
            ts: TimeSignature) -> list[Note]:
    bar_q = ts.bar_quarters
    rhythms = ([[1.0, 1.0, 1.0, 1.0], [2.0, 1.0, 1.0], [1.0, 0.5, 0.5, 2.0], [1.5, 0.5, 1.0, 1.0], [2.0, 2.0]]
               if bar_q == 4 else
               [[1.0, 1.0, 1.0], [2.0, 1.0], [1.0, 0.5, 0.5, 1.0]] if not ts.is_compound else
               [[1.5, 1.5], [1.0, 0.5, 1.5], [0.5, 0.5, 0.5, 1.5], [1.5, 1.0, 0.5]])
    scale = [p for p in range(60, 82) if p % 12 in key.scale]
    notes, prev = [], int(rng.choice([p for p in scale if 64 <= p <= 74]))
    for b, spans in enumerate(bar_chords):
        pos = b * bar_q
        for d in rhythms[int(rng.integers(len(rhythms)))]:
            chord = next(c for s, c in reversed(spans) if s <= pos + 1e-9)
            strong = ts.strong_beat(pos - b * bar_q)
            pool = [p for p in scale if p % 12 in chord.pitch_classes] if strong else scale
            near = [p for p in pool if abs(p - prev) <= 5 and p != prev] or pool
            prev = int(rng.choice(near))
            notes.append(Note(prev, pos, d, int(rng.integers(80, 110))))
            pos += d
    return notes


def make_song(seed: int, *, sample_rate: int = 22050, meter: TimeSignature | None = None,
              tempo_bpm: float | None = None, key: Key | None = None, seconds: float = 16.0,
              busy: bool = False, progression: tuple[tuple[int, str], ...] | None = None) -> SynthSong:
    """One synthetic song; parameters not given are drawn from the seed.

    `busy`: a hi-hat-heavy groove (loud eighth/sixteenth hats, open hats on the off-beats, a pushed kick)
    and a syncopated bass (eighth-note pick-ups on the off-beats, octave and fifth) — the off-beat eighths
    nearly as strong as the beat, which invites a double-time tempo. `progression`: (degree, quality) per
    bar instead of a drawn one. Without them a seed gives the same song as before they existed.
    """
    rng = np.random.default_rng(seed)
    ts = meter or METERS[seed % 3]
    if tempo_bpm is None:  # the felt beat is within 60-180 per minute
        tempo_bpm = float(rng.uniform(90, 165) if ts.is_compound else rng.uniform(60, 180))
    key = key or Key(int(rng.integers(12)), "major" if rng.random() < 0.5 else "minor")
    q = 60.0 / tempo_bpm
    bar_q = ts.bar_quarters
    bar_s = bar_q * q
    n_bars = max(4, 4 * int(round(seconds / bar_s / 4)))
    offset = float(rng.uniform(0.05, 0.8))
    progs = MAJOR_PROGRESSIONS if key.mode == "major" else MINOR_PROGRESSIONS
    prog = progs[int(rng.integers(len(progs)))]
    prog = progression or prog
    spans: list[ChordSpan] = []
    bar_chords: list[list[tuple[float, Chord]]] = []
    for b in range(n_bars):
        deg, quality = prog[b % len(prog)]
        chord = Chord((key.tonic_pc + deg) % 12, quality)
        spans.append(ChordSpan(b * bar_q, (b + 1) * bar_q, chord))
        bar_chords.append([(b * bar_q, chord)])
    chords = ChordTimeline(tuple(spans))
    melody_notes = _melody(rng, key, bar_chords, ts)
    total = offset + n_bars * bar_s + 0.6
    n = int(total * sr_check(sample_rate))
    sr = sample_rate
    bufs = {name: np.zeros(n) for name in ("drums", "bass", "harmony", "lead")}
    _drums(bufs["drums"], sr, ts, bar_s, n_bars, offset, tempo_bpm, rng, busy=busy)
    jit = rng.uniform(0.002, 0.008)
    # bass: chord roots, one note per beat or per half bar, with a varied timbre
    bass_h = _timbre(rng, str(rng.choice(["saw", "square", "soft", "random"])))
    bass_step = (1.5 if ts.is_compound else float(rng.choice([1.0, 2.0]) if bar_q == 4 else 1.0))
    for span in spans:
        root = 36 + (span.chord.root_pc - 0) % 12
        pos = span.start
        if busy and not ts.is_compound:
            _syncopated_bass(bufs["bass"], sr, span, root, offset, q, bass_h, jit, rng)
            continue
        while pos < span.end - 1e-9:
            d = min(bass_step, span.end - pos)
            _add(bufs["bass"], offset + pos * q + rng.normal(0, jit),
                 _tone(_midi_hz(root), d * q * 0.9, sr, bass_h, attack=0.01, decay=rng.uniform(0.3, 1.5), rng=rng), sr)
            pos += d
    # harmony: the chord voiced around middle C, sustained pad or re-struck on every beat
    harm_h = _timbre(rng, str(rng.choice(["saw", "soft", "random"])))
    restrike = rng.random() < 0.5
    for span in spans:
        pcs = [(span.chord.root_pc + i) % 12 for i in sorted(_quality_steps(span.chord))]
        voicing = [53 + (pc - 53) % 12 for pc in pcs]
        hits = ([span.start + i * (1.5 if ts.is_compound else 1.0) for i in range(int(bar_q / (1.5 if ts.is_compound else 1.0)))]
                if restrike else [span.start])
        for i, h in enumerate(hits):
            d = (hits[i + 1] if i + 1 < len(hits) else span.end) - h
            for p in voicing:
                _add(bufs["harmony"], offset + h * q + rng.normal(0, jit),
                     0.5 * _tone(_midi_hz(p), d * q, sr, harm_h, attack=rng.uniform(0.005, 0.08),
                                 decay=rng.uniform(0.5, 3.0) if restrike else None, rng=rng) / len(voicing) * 2, sr)
    # lead: the melody, monophonic, slightly detached, optional vibrato
    lead_h = _timbre(rng, str(rng.choice(["saw", "square", "soft", "random"])))
    vib = float(rng.choice([0.0, 0.0, 0.3]))
    melody_seconds = []
    for note in melody_notes:
        onset_s = offset + note.onset * q + rng.normal(0, jit)
        dur_s = note.duration * q * 0.9
        _add(bufs["lead"], onset_s, 0.6 * _tone(_midi_hz(note.pitch), dur_s, sr, lead_h, attack=0.01, decay=None,
                                               vibrato=vib, rng=rng) * note.velocity / 110, sr)
        melody_seconds.append((onset_s, dur_s, note.pitch))
    gains = {"drums": 0.5, "bass": 0.45, "harmony": 0.35, "lead": 0.4}
    stems = {}
    for name, buf in bufs.items():
        pan = rng.uniform(0.35, 0.65)
        mono = (gains[name] * buf / max(1e-9, float(np.max(np.abs(buf))))).astype(np.float32)
        stems[name] = np.stack([mono * (1 - pan) * 2 * 0.7, mono * pan * 2 * 0.7]).astype(np.float32)
    melody = Melody(tuple(melody_notes), key=key, time_signature=ts, tempo_bpm=tempo_bpm)
    return SynthSong(seed, sr, tempo_bpm, ts, key, offset, chords, melody, melody_seconds, stems)


def _syncopated_bass(buf: np.ndarray, sr: int, span: ChordSpan, root: int, offset: float, q: float,
                     harmonics: np.ndarray, jit: float, rng: np.random.Generator) -> None:
    """Root on the beat, an off-beat pick-up before the middle of the bar, octave and fifth on the last
    beat's eighths (the demo song's pattern, generalised to 3/4)."""
    bar_q = span.end - span.start
    pattern = ([(0.0, 1.5, 0), (1.5, 0.5, 0), (2.0, 1.0, 0), (3.0, 0.5, 12), (3.5, 0.5, 7)] if bar_q == 4 else
               [(0.0, 1.5, 0), (1.5, 0.5, 0), (2.0, 0.5, 12), (2.5, 0.5, 7)])
    for at, dur, interval in pattern:
        _add(buf, offset + (span.start + at) * q + rng.normal(0, jit),
             _tone(_midi_hz(root + interval), dur * q * 0.95, sr, harmonics, attack=0.005, decay=0.35, rng=rng), sr)


def _quality_steps(chord: Chord) -> tuple[int, ...]:
    from app.core.music import CHORD_QUALITIES

    return CHORD_QUALITIES[chord.quality]


def sr_check(sample_rate: int) -> int:
    if not 8000 <= sample_rate <= 192000:
        raise ValueError(f"sample rate {sample_rate} is outside 8000-192000")
    return sample_rate


def evaluation_set(count: int = 30, *, seconds: float = 16.0) -> list[SynthSong]:
    """The benchmark's songs: seeds 0..count-1 (meters cycle, keys and tempi drawn)."""
    return [make_song(seed, seconds=seconds) for seed in range(count)]
