"""Guess each stem's role (drums, bass, harmony, lead) from its name and simple spectral features.

Names first: artists name stems ("Kick", "Bass DI", "Vox lead"), and a name is better evidence than any
feature. A name hint is a whole word of the name (split at spaces, punctuation, digits and camelCase), so a
song title that merely contains one ("BuzzerBeater", "What a Day", "Atomic") says nothing. Otherwise: mostly
percussive sound (the percussive part of a median-filtering harmonic/percussive split, Fitzgerald 2010, holds
at least PERCUSSIVE_DRUMS of the energy, unless the spectrum is a pitched instrument's and not a kick's:
staccato chords), or noise-like spectra with spiky envelopes, are drums, and so is a stem named for a cymbal's
kind (ride, crash) that sounds like one; a part whose notes sit low is bass (the salience-weighted pitch of its
notes, the NNLS note salience of Mauch & Dixon 2010 crediting each partial to its note, under A2 — only beside
other stems: a song that is one file is the whole mix or one part, with nothing to be under); among the pitched rest,
the most monophonic line (fewest simultaneous pitch classes) with the highest register is the lead, the others
are harmony. The user's override always wins (stored in the project).

**fx** is a stem the analysis leaves out: a riser, a vinyl crackle, rain, a noise bed. Such stems come with DAW
exports and are not the song's rhythm or harmony (a riser's glide crosses every chord; a vinyl bed's random
clicks are onsets of no beat). Only a name says it ("FX", "Riser", "Vinyl"; never for a song that is one file),
or the artist: no feature does reliably (a brown-noise bed's spectrum sits as low as a bass, a white one is
as flat as a hi-hat).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from app.core.analysis.harmony.chroma import BINS_PER_OCTAVE, CQT_HOP, FMIN_MIDI, raw_cqt
from app.core.analysis.harmony.nnls_chroma import note_profiles, note_salience
from app.core.analysis.result import ROLES

UNHEARD = "fx"  # the role the analysis leaves out
# whole words (a trailing plural "s" allowed; "bd", "sd": a drum machine's bass and snare drum); "low end" and
# "hi hat" are read as one word. Not hints: "beat" (in hip-hop the beat is the whole instrumental), "loop",
# "groove", "ride", "crash", "oh" (song titles too)
_NAME_HINTS = (
    ("drums", r"drum|drumkit|kit|kick|kickdrum|bassdrum|bd|snare|snaredrum|sd|hat|hihat|hh|perc|percussion"
              r"|cymbal|overhead|tom|clap|shaker|tambourine|rimshot|cowbell|conga|bongo"),
    ("bass", r"bass|basses|808|sub|subbass|lowend|bassline|slapbass|bassslap"),
    ("lead", r"vox|vocal|voice|lead|melody|sing|singer|singing|topline|hook|solo"),
    ("harmony", r"keys|piano|pad|chord|guitar|gtr|harmony|harm|string|organ|rhodes|comp|synth|epiano|ep"),
    # last: "Vox FX" is the lead, "Drum FX" drums. Only words no song title is likely to hold: an export that
    # prefixes the title ("Purple Rain 5.wav", "Make Some Noise_3") must not lose a part; not "click" either
    # (a click track is the beat's best evidence)
    ("fx", r"fx|sfx|riser|uplifter|downlifter|whoosh|vinyl|crackle|foley|atmo|atmos"),
)
_HINT_PATTERNS = tuple((role, re.compile(rf"(?:{words})s?")) for role, words in _NAME_HINTS)
# Cymbals named for their kind ("Ride", "Crash 02") ring, so little of their energy is percussive and the
# features read them as harmony; but "ride" and "crash" are song titles too. Such a name counts only with a
# cymbal's spectrum: nothing in the bass, a bright centroid, and no single pitch line (docs/analysis-evaluation.md).
_CYMBAL_WORDS = re.compile(r"(?:ride|crash|china|splash)s?")
CYMBAL_LOW_RATIO = 0.05
CYMBAL_CENTROID_HZ = 3000.0
CYMBAL_POLYPHONY = 3.0
PERCUSSIVE_DRUMS = 0.92  # share of the energy in the percussive part above which a stem is drums...
# ...unless its spectrum is a pitched instrument's: staccato chords (a reggae skank on an electric piano) are as
# percussive as a kit, but their flatness is 0.0004 where every kit found measures 0.007 or more (docs/analysis-evaluation.md);
# a kick alone is as tonal, and is told by its energy below 250 Hz
TONAL_FLATNESS = 0.003
KICK_LOW_RATIO = 0.5
# A part is bass when its notes' salience-weighted pitch (median over quarter-second slices) is under A2. On the
# evaluation songs' stems (docs/analysis-evaluation.md, stop 33) bass parts sit at MIDI 31-52 (median 37) and harmony parts at
# 42-69 (median 58): 50 of 54 basses and 1 of 57 harmony parts are under 45, where energy below 250 Hz with a dark
# centroid had found 29 of the basses (a General MIDI bass's bright partials) and called 2 harmony parts bass.
BASS_CENTRE_MIDI = 45.0
# A kit inside a mix (or a stem not named drums): its hats and cymbals make most of the sound above KIT_TOP_HZ
# percussive. The share of the energy there in the percussive part of a median split (up to four 15-s slices,
# 93-ms frames) is 0.41 or more in all 145 rendered mixes with a drum part, at most 0.23 in the 80 rendered
# chorales (oboe, piano, bass), 0.24-0.64 in 4 songs with percussion but no kit part (stop 55)
KIT_TOP_HZ = 5000.0
KIT_IN_MIX = 0.3
CENTRE_SLICE_SECONDS = 0.25
FEATURES_VERSION = 3


@dataclass(frozen=True)
class StemFeatures:
    rms: float
    flatness: float  # mean spectral flatness (noise ≈ 1, tones ≈ 0)
    centroid_hz: float
    low_ratio: float  # share of energy below 250 Hz
    spikiness: float  # 95th percentile / median of the frame energy envelope
    polyphony: float  # mean count of strong pitch classes per frame
    percussive: float = 0.0  # share of the energy in the percussive part of a harmonic/percussive split
    pitch_centre: float = 0.0  # MIDI pitch its notes centre on (see pitch_centre); 0: none heard
    version: int = FEATURES_VERSION

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> StemFeatures:
        if int(data.get("version", 0)) != FEATURES_VERSION:
            raise ValueError("stale features version")
        return cls(float(data["rms"]), float(data["flatness"]), float(data["centroid_hz"]), float(data["low_ratio"]),
                   float(data["spikiness"]), float(data["polyphony"]), float(data["percussive"]),
                   float(data["pitch_centre"]))


def name_words(name: str) -> list[str]:
    """The words of a stem's name, lower case: split at camelCase, digits and anything not a letter
    ("KickDrum_02" -> kick, drum; "Lead Vox" -> lead, vox), with "low end" and "hi hat" joined."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    words = re.findall(r"[a-z]+|808", spaced.lower())
    joined: list[str] = []
    for w in words:
        if joined and (joined[-1], w) in (("low", "end"), ("hi", "hat"), ("hi", "hats"), ("sub", "bass")):
            joined[-1] += w
        else:
            joined.append(w)
    return joined


def role_from_name(name: str, *, lone: bool = False) -> str | None:
    """The role a word of the name says, or None. `lone`: the song is this one file, the whole mix whatever
    its name says, so an fx word ("Vinyl Days.wav") does not leave it out."""
    words = name_words(name)
    for role, pattern in _HINT_PATTERNS:
        if any(pattern.fullmatch(w) for w in words):
            return None if role == UNHEARD and lone else role
    return None


EXCERPT_SECONDS = 15.0
EXCERPTS = 4


def _excerpt(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """Up to four 15 s slices spread over the stem: roles don't change within a song, and it keeps a
    4-minute stem as cheap as a 1-minute one."""
    n = int(EXCERPT_SECONDS * sample_rate)
    if y.size <= n * EXCERPTS:
        return y
    starts = np.linspace(0, y.size - n, EXCERPTS).astype(int)
    return np.concatenate([y[s:s + n] for s in starts])


def stem_features(y: np.ndarray, sample_rate: int) -> StemFeatures:
    import librosa

    y = _excerpt(y, sample_rate)
    if y.size < 2048:
        y = np.pad(y, (0, 2048 - y.size))
    level = float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))
    spec = np.abs(librosa.stft(y, n_fft=2048, hop_length=1024))
    power = spec ** 2
    frame_energy = power.sum(axis=0)
    loud = frame_energy > 0.01 * (frame_energy.max() + 1e-12)
    if level < 1e-5 or not np.any(loud):
        return StemFeatures(level, 0.0, 0.0, 0.0, 0.0, 0.0)
    flat = librosa.feature.spectral_flatness(S=spec)[0][loud]
    cent = librosa.feature.spectral_centroid(S=spec, sr=sample_rate)[0][loud]
    freqs = librosa.fft_frequencies(sr=sample_rate, n_fft=2048)
    low = float(power[freqs < 250.0].sum() / (power.sum() + 1e-12))
    env = frame_energy[loud]
    spiky = float(np.percentile(env, 95) / (np.median(env) + 1e-12))
    chroma = librosa.feature.chroma_stft(S=power[:, loud], sr=sample_rate, tuning=0.0)
    poly = float(np.mean((chroma > 0.5).sum(axis=0)))
    # a kit's hits are vertical lines in the spectrogram, tones horizontal ones: with 46-ms frames a 17 x 17
    # median split puts 0.59-1.0 of a General MIDI kit's energy in the percussive part (0.9+ for most) and
    # at most 0.89 of any bass, lead, harmony stem or whole mix of the evaluation songs (docs/analysis-evaluation.md)
    return StemFeatures(level, float(np.mean(flat)), float(np.median(cent)), low, spiky, poly, _percussive_share(spec),
                        pitch_centre(y, sample_rate))


def _percussive_share(spec: np.ndarray, rows: np.ndarray | None = None) -> float:
    """Share of the energy (in the spectrogram's `rows`, default all) that a 17 x 17 median split (Fitzgerald 2010)
    puts in the percussive part: a kit's hits are vertical lines, tones horizontal ones."""
    import librosa

    harmonic, percussive = librosa.decompose.hpss(spec, kernel_size=(17, 17))
    if rows is not None:
        harmonic, percussive = harmonic[rows], percussive[rows]
    h2, p2 = float(np.sum(harmonic ** 2)), float(np.sum(percussive ** 2))
    return p2 / max(h2 + p2, 1e-12)


def kit_inside(y: np.ndarray, sample_rate: int) -> bool:
    """A drum kit plays in this mono mix (see KIT_IN_MIX): what the analysis asks before it lets the chords move bar
    1 of a song loaded without a drum stem (grid_and_harmony); a few slices of the song, as for the roles."""
    import librosa

    y = _excerpt(y, sample_rate)
    if y.size < 2048:
        return False
    spec = np.abs(librosa.stft(y, n_fft=2048, hop_length=1024))
    top = librosa.fft_frequencies(sr=sample_rate, n_fft=2048) > KIT_TOP_HZ
    if not np.any(top):
        return False
    return _percussive_share(spec, top) >= KIT_IN_MIX


def pitch_centre(y: np.ndarray, sample_rate: int) -> float:
    """The MIDI pitch a part's notes centre on: per quarter-second slice of its constant-Q spectrum, the
    salience-weighted mean pitch of the notes that explain it (NNLS, each note with its partials, so a bass's
    bright upper partials are credited to its low notes), then the median over the slices that sound. 0.0
    when nothing sounds."""
    cqt = raw_cqt(np.asarray(y, dtype=np.float32), sample_rate)
    step = max(1, int(round(CENTRE_SLICE_SECONDS * sample_rate / CQT_HOP)))
    n = cqt.shape[1] // step
    if n == 0:
        return 0.0
    spectra = cqt[:, :n * step].reshape(cqt.shape[0], n, step).mean(axis=2).T
    energy = spectra.sum(axis=1)
    sounding = energy > 0.05 * max(float(np.percentile(energy, 95)), 1e-12)
    salience = note_salience(spectra[sounding], note_profiles(cqt.shape[0], BINS_PER_OCTAVE))
    pitches = np.arange(salience.shape[1]) + FMIN_MIDI
    totals = salience.sum(axis=1)
    centres = (salience @ pitches)[totals > 0] / totals[totals > 0]
    return float(np.median(centres)) if centres.size else 0.0


def cymbal_named(name: str) -> bool:
    """Whether a word of the name is a cymbal's kind (a weak hint: see `role_from_features`)."""
    return any(_CYMBAL_WORDS.fullmatch(w) for w in name_words(name))


def sounds_like_cymbal(f: StemFeatures) -> bool:
    return f.low_ratio < CYMBAL_LOW_RATIO and f.centroid_hz >= CYMBAL_CENTROID_HZ and f.polyphony >= CYMBAL_POLYPHONY


def role_from_features(f: StemFeatures, *, cymbal_name: bool = False, alone: bool = False) -> str:
    """`alone`: the song is this one file (the whole mix, or a part with nothing beside it to be under)."""
    if f.rms < 1e-5:
        return "other"
    if cymbal_name and sounds_like_cymbal(f):
        return "drums"
    if f.flatness > 0.12 or (f.spikiness > 30 and f.polyphony > 5) or (
            f.percussive >= PERCUSSIVE_DRUMS and (f.flatness >= TONAL_FLATNESS or f.low_ratio >= KICK_LOW_RATIO)):
        return "drums"
    if not alone and 0.0 < f.pitch_centre < BASS_CENTRE_MIDI:
        return "bass"
    return "lead" if f.polyphony < 2.6 else "harmony"


def needs_features(name: str, override: str | None = None, *, lone: bool = False) -> bool:
    """Whether `guess_roles` reads this stem's features: not when the user set its role or its name says it."""
    return override not in ROLES and role_from_name(name, lone=lone) is None


def guess_roles(names: list[str], features: Sequence[StemFeatures | None], overrides: dict[str, str] | None = None
                ) -> tuple[dict[str, str], dict[str, str]]:
    """(role per stem name, where it came from: 'user' | 'name' | 'features'). At most one guessed lead.

    `features` may hold None for a stem that does not `needs_features` (they are only read for the others)."""
    overrides = overrides or {}
    roles: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name, f in zip(names, features, strict=True):
        if overrides.get(name) in ROLES:
            roles[name], sources[name] = overrides[name], "user"
        elif (hinted := role_from_name(name, lone=len(names) == 1)) is not None:
            roles[name], sources[name] = hinted, "name"
        else:
            if f is None:
                raise ValueError(f"stem {name!r} needs its features to guess its role")
            roles[name], sources[name] = role_from_features(f, cymbal_name=cymbal_named(name),
                                                            alone=len(names) == 1), "features"
    guessed_leads = [n for n in names if roles[n] == "lead" and sources[n] == "features"]
    if any(roles[n] == "lead" and sources[n] != "features" for n in names):
        keep = None  # a named or chosen lead exists: guessed ones are harmony
    else:
        by_name = {n: f for n, f in zip(names, features, strict=True) if f is not None}  # guessed ones have them
        keep = max(guessed_leads, key=lambda n: (-by_name[n].polyphony, by_name[n].centroid_hz), default=None)
    for n in guessed_leads:
        if n != keep:
            roles[n] = "harmony"
    return roles, sources
