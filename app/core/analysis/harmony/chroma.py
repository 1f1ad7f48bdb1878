"""Pitch-class features of the harmonic stems: one constant-Q transform gives the full chroma and a bass chroma.

The bass chroma (the lowest octaves only) matters because the bass line names chord roots and, on average,
the tonic far more reliably than the upper voices do.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from app.core.analysis.harmony.cqt import cqt as constant_q

CQT_HOP = 512
BINS_PER_OCTAVE = 36  # three bins per semitone: tolerant of slightly detuned instruments
N_OCTAVES = 7
FMIN_MIDI = 24  # C1
BASS_TOP_MIDI = 55  # up to G3: bass notes and the lowest chord tones
CHORD_SPLIT_MIDI = 48
CHORD_BASS_SHARE: float | None = 0.5
# The chord chroma is this share of the NNLS note-salience chroma (see nnls_chroma) and the rest the folded
# linear spectrum: on the 55 rendered real songs (openmsx + mma) chords per beat went 0.677 (spectrum alone)
# -> 0.686 (NNLS alone) -> 0.698 (half and half): NNLS credits partials to their notes but sometimes takes a
# chord's fifth for its root's partial; the two err on different beats.
NNLS_SHARE = 0.5
NNLS_BASS_SHARE = 0.5
NNLS_BASS_FLOOR = 0.5
# Median lengths of the chord features' harmonic part (see `harmonic_part`): frames along time (5: ~0.12 s, so a
# staccato chord of a tenth of a second is not taken for a hit) and CQT bins along frequency (13: ~4 semitones).
HARMONIC_FRAMES = 5
HARMONIC_BINS = 13


@dataclass(frozen=True)
class ChromaFeatures:
    chroma: np.ndarray  # (12, frames), each frame scaled to max 1 (0 where silent)
    bass: np.ndarray  # (12, frames), same for the low register
    energy: np.ndarray  # (frames,) CQT energy, for weighting and silence detection
    fps: float
    # for chord templates: linear magnitudes, each frame scaled to max 1. Log compression lifts every
    # harmonic partial and passing tone toward the chord tones; on 24 rendered MMA backing tracks (true
    # grid) it scored 0.67 of beats right where linear magnitudes scored 0.79 (0.90 with the chord weights)
    chord: np.ndarray | None = None
    # the linear CQT magnitude (bins, frames) the chord features read (its harmonic part when a kit may be inside,
    # see chroma_from_cqt), for the per-beat NNLS note salience of the chord chroma
    cqt: np.ndarray | None = None

    @property
    def frames(self) -> int:
        return int(self.chroma.shape[1])

    def beat_sync(self, boundaries_seconds: np.ndarray, *, for_chords: bool = False, notes: bool = True
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean chroma, bass chroma and energy between consecutive boundaries → (n-1, 12), (n-1, 12), (n-1,).

        `for_chords`: the linear-magnitude chroma (see `chord`), each beat scaled to max 1, mixed with the NNLS
        note-salience chroma unless `notes` is False; the bass is then the NNLS salience of the notes below
        CHORD_SPLIT_MIDI (see `_beat_notes`)."""
        source = self.chord if for_chords and self.chord is not None else self.chroma
        idx = np.clip(np.round(np.asarray(boundaries_seconds) * self.fps).astype(int), 0, self.frames)
        n = max(0, idx.size - 1)
        c = np.zeros((n, 12))
        b = np.zeros((n, 12))
        e = np.zeros(n)
        for i in range(n):
            lo, hi = idx[i], max(idx[i] + 1, idx[i + 1])
            if lo >= self.frames:
                break
            w = self.energy[lo:hi]
            ws = float(w.sum()) + 1e-12
            c[i] = (source[:, lo:hi] * w).sum(axis=1) / ws
            b[i] = (self.bass[:, lo:hi] * w).sum(axis=1) / ws
            e[i] = float(w.mean()) if w.size else 0.0
        if for_chords:
            c = c / np.maximum(c.max(axis=1, keepdims=True), 1e-9)
            if notes and self.cqt is not None and NNLS_SHARE > 0 and n:
                nn, b = _beat_notes(self.cqt, self.fps, np.asarray(boundaries_seconds)[:n + 1])
                c = NNLS_SHARE * nn + (1.0 - NNLS_SHARE) * c
                c = c / np.maximum(c.max(axis=1, keepdims=True), 1e-9)
        return c, b, e


def _beat_notes(cqt: np.ndarray, fps: float, boundaries_seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(beats, 12) chord chroma from NNLS note salience, the register below CHORD_SPLIT_MIDI balanced as in
    `chroma_from_cqt`, each beat scaled to max 1; and (beats, 12) the salience of the notes below
    CHORD_SPLIT_MIDI, the bass the chord templates read at a chord's root.

    That bass is note salience rather than the folded low spectrum (`bass`): a low note's own partials (its
    twelfth and seventeenth fold onto its fifth and major third, and the log compression lifts them to near
    the note's level) are credited to the note, so they do not name other roots. On the 55 rendered real songs
    the chords read 0.701 of beats where the folded bass gave 0.695 (mma 0.931 -> 0.942, openmsx 0.591 ->
    0.594); with the per-beat fits of chords.SPAN_MEAN_SHARE, 0.706."""
    from app.core.analysis.harmony import nnls_chroma

    notes = nnls_chroma.note_salience(nnls_chroma.beat_spectra(cqt, fps, boundaries_seconds),
                                      nnls_chroma.note_profiles(cqt.shape[0], BINS_PER_OCTAVE))
    split = CHORD_SPLIT_MIDI - FMIN_MIDI
    lo, hi = nnls_chroma.fold_notes(notes, 0, split), nnls_chroma.fold_notes(notes, split)
    c = hi + NNLS_BASS_SHARE * lo * max(hi.sum() / max(lo.sum(), 1e-12), NNLS_BASS_FLOOR)
    return c / np.maximum(c.max(axis=1, keepdims=True), 1e-9), lo


def _fold(cqt_mag: np.ndarray) -> np.ndarray:
    """Sum CQT bins into 12 pitch classes (bin 0 is C, 3 bins per semitone centred on the note)."""
    n_bins = cqt_mag.shape[0]
    pcs = (np.round(np.arange(n_bins) / (BINS_PER_OCTAVE / 12)).astype(int)) % 12
    fold = np.zeros((12, n_bins), dtype=cqt_mag.dtype)
    fold[pcs, np.arange(n_bins)] = 1.0
    return fold @ cqt_mag  # a matrix product: np.add.at is ~50x slower on four minutes


def _normalise(ch: np.ndarray) -> np.ndarray:
    peak = ch.max(axis=0, keepdims=True)
    return np.where(peak > 1e-9, ch / np.maximum(peak, 1e-9), 0.0)


def raw_cqt(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """CQT magnitude (N_OCTAVES * BINS_PER_OCTAVE bins from FMIN_MIDI, frames); (bins, 0) for a too-short signal."""
    import librosa

    fmin = float(librosa.midi_to_hz(FMIN_MIDI))
    if y.size < CQT_HOP * 4:
        return np.zeros((N_OCTAVES * BINS_PER_OCTAVE, 0))
    with warnings.catch_warnings():
        # a few-second stem is shorter than the lowest octave's FFT after librosa's downsampling: harmless
        warnings.filterwarnings("ignore", message="n_fft=.*is too large", category=UserWarning)
        # librosa.cqt's result without its transposing copies (see harmony/cqt.py)
        return np.abs(constant_q(y, sr=sample_rate, hop_length=CQT_HOP, fmin=fmin,
                                 n_bins=N_OCTAVES * BINS_PER_OCTAVE, bins_per_octave=BINS_PER_OCTAVE))


def chroma_features(y: np.ndarray, sample_rate: int, *, drums_inside: bool = False) -> ChromaFeatures:
    """`drums_inside`: `y` may hold a drum kit (no stem was the drums'), so the chord features read its harmonic
    part (see `harmonic_part`)."""
    cqt = raw_cqt(y, sample_rate)
    if not cqt.shape[1]:
        empty = np.zeros((12, 0))
        return ChromaFeatures(empty, empty, np.zeros(0), sample_rate / CQT_HOP)
    return chroma_from_cqt(cqt, sample_rate / CQT_HOP, drums_inside=drums_inside)


def harmonic_part(cqt: np.ndarray) -> np.ndarray:
    """The sustained part of a CQT magnitude: each bin times the soft mask H² / (H² + P²), where H is the median of
    its row over HARMONIC_FRAMES frames and P the median of its frame over HARMONIC_BINS bins (Fitzgerald 2010's
    median-filtering harmonic/percussive separation, on the CQT instead of an STFT: a quarter of the bins).

    Why: a drum hit is a vertical line in the spectrum and a chord tone a horizontal one. In a full mix the kit's
    broadband hits land in every pitch class of the beats they fall on, and a piano's or guitar's attack does the
    same on a smaller scale; the chord templates read that as other chords. Only the chord features use it, and
    only when no stem is the drums' (`drums_inside`): the key profile and the beat's harmonic-change accents keep
    the whole spectrum (a harmonic-part chroma for the key too lowered the mixes' key score, 0.884 -> 0.853), and
    separate stems keep it too (on self-generated stems it turned dominant sevenths into triads)."""
    from scipy.ndimage import median_filter

    if cqt.shape[1] < 2:
        return cqt
    # two working arrays, computed in place: a 30-minute mix's CQT is ~80 MB each
    h = median_filter(cqt, size=(1, HARMONIC_FRAMES), mode="nearest")
    p = median_filter(cqt, size=(HARMONIC_BINS, 1), mode="nearest")
    np.multiply(h, h, out=h)
    np.multiply(p, p, out=p)
    p += h
    np.maximum(p, 1e-30, out=p)
    h /= p
    h *= cqt
    return h


def chroma_from_cqt(cqt: np.ndarray, fps: float, *, drums_inside: bool = False) -> ChromaFeatures:
    """The features from a CQT magnitude (N_OCTAVES * BINS_PER_OCTAVE bins from FMIN_MIDI, frames)."""
    # log-ish compression so a loud pad does not drown the bass, as in common chroma variants (CLP)
    comp = np.log1p(100.0 * cqt / (cqt.max() + 1e-12))
    n_bass = (BASS_TOP_MIDI - FMIN_MIDI) * BINS_PER_OCTAVE // 12
    chroma = _fold(comp)
    bass = _fold(comp[:n_bass])
    energy = comp.sum(axis=0)
    if drums_inside:
        cqt = harmonic_part(cqt)  # from here on, the chord features only
    if CHORD_BASS_SHARE is None:
        chord = _normalise(_fold(cqt))
    else:
        # each register on its own scale: a loud bass must not drown the chord tones above it (the chord
        # is in the pitch classes that sound, not in how loud each instrument was mixed)
        split = (CHORD_SPLIT_MIDI - FMIN_MIDI) * BINS_PER_OCTAVE // 12
        lo, hi = _fold(cqt[:split]), _fold(cqt[split:])
        scale = max(float(lo.max()), float(hi.max()), 1e-12)
        chord = _normalise(hi / scale + CHORD_BASS_SHARE * lo / scale * (hi.sum() / max(lo.sum(), 1e-12)))
    return ChromaFeatures(_normalise(chroma), _normalise(bass), energy, fps, chord, cqt)
