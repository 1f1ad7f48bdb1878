"""Onset features of the rhythm stems: the onset-strength envelopes (log-mel spectral flux, hop 256 at 22.05 kHz
≈ 11.6 ms) in the bands the tempo search reads (full band, low band, the body below 3 kHz, a drum kit's kick and
snare), and where the sound starts. `tempo.py` finds the beat grid on them (step 1 of its method).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOP = 256
KIT_FLOOR_DB = -25.0  # floor of the drum-kit envelope that chooses the felt beat (hats below it)
FIRST_SOUND_DB = -30.0  # a sample this far below the peak is where the song starts (quiet noise is not)
KICK_HZ = 120.0  # upper edge of the kick band that tells a kick from a snare (backbeat test)


@dataclass(frozen=True)
class OnsetFeatures:
    env: np.ndarray  # full-band onset strength per frame
    low: np.ndarray  # low band (< ~250 Hz: kick, bass) onset strength
    body: np.ndarray  # below ~3 kHz: kick, snare body, bass — the instruments that carry the felt beat
    fps: float
    sample_rate: int
    first_sound: float = 0.0  # seconds: the first sample within FIRST_SOUND_DB of the peak
    kit_body: np.ndarray | None = None  # like `body` with a KIT_FLOOR_DB floor: a drum kit's kick and snare only
    kick: np.ndarray | None = None  # below ~120 Hz: a kick drum's thump (a snare's body tone, 150–250 Hz, is above)


def onset_features(y: np.ndarray, sample_rate: int) -> OnsetFeatures:
    import librosa

    n_fft = 1024
    if y.size < n_fft:  # a clip under 25 ms: padded with silence rather than letting librosa warn on stderr
        y = np.pad(y, (0, n_fft - y.size))
    mel = librosa.feature.melspectrogram(y=y, sr=sample_rate, n_fft=n_fft, hop_length=HOP, n_mels=64)
    log_mel = librosa.power_to_db(mel, ref=np.max(mel) if mel.size and np.max(mel) > 0 else 1.0)
    env = librosa.onset.onset_strength(S=log_mel, sr=sample_rate, hop_length=HOP)
    freqs = librosa.mel_frequencies(n_mels=66, fmax=sample_rate / 2)[1:-1]
    n_low = max(2, int(np.searchsorted(freqs, 250.0)))
    low = librosa.onset.onset_strength(S=log_mel[:n_low], sr=sample_rate, hop_length=HOP)
    # the kick band with a floor under its own loud end: the spill of loud hats and snares is no kick
    n_kick = max(2, int(np.searchsorted(freqs, KICK_HZ)))
    kick_top = float(np.percentile(log_mel[:n_kick].max(axis=0), 99.5)) if log_mel.shape[1] else 0.0
    kick = librosa.onset.onset_strength(S=np.maximum(log_mel[:n_kick], kick_top + KIT_FLOOR_DB), sr=sample_rate,
                                        hop_length=HOP)
    n_body = max(n_low + 1, int(np.searchsorted(freqs, 3000.0)))
    # a 40 dB floor: quiet hi-hat spill in low bands must not count like a kick or a snare (log flux would)
    body = librosa.onset.onset_strength(S=np.maximum(log_mel[:n_body], -40.0), sr=sample_rate, hop_length=HOP)
    # on a drum kit alone, a 25 dB floor keeps loud hi-hats (whose spill below 3 kHz sits ~25–35 dB under the
    # kick) out, so only kick and snare decide the felt beat; measured on hat-heavy grooves (see tempo.estimate_grid)
    # the floor sits under the loud end of the kit's own low bands (not under the song's loudest bin: a loud
    # agogo or cymbal would floor every kick and snare away)
    body_top = float(np.percentile(log_mel[:n_body].max(axis=0), 99.5)) if log_mel.shape[1] else 0.0
    kit_body = librosa.onset.onset_strength(S=np.maximum(log_mel[:n_body], body_top + KIT_FLOOR_DB), sr=sample_rate,
                                            hop_length=HOP)
    # where the sound starts, from the samples: a song that starts on its first sample has no flux peak
    # there (the centred first STFT frame already holds the attack), so the envelope alone misses bar 1
    first_sound = first_sound_seconds(y, sample_rate)
    return OnsetFeatures(env.astype(np.float64), low.astype(np.float64), body.astype(np.float64),
                         sample_rate / HOP, sample_rate, first_sound, kit_body.astype(np.float64),
                         kick.astype(np.float64))


def first_sound_seconds(y: np.ndarray, sample_rate: int) -> float:
    """Seconds to the first sample within FIRST_SOUND_DB of the peak (0.0 for silence)."""
    a = np.abs(y)
    peak = float(a.max()) if a.size else 0.0
    if peak <= 0:
        return 0.0
    i = int(np.argmax(a > peak * 10.0 ** (FIRST_SOUND_DB / 20.0)))
    return i / sample_rate
