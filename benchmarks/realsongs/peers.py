"""Peers on the same audio: essentia (RhythmExtractor2013, KeyExtractor, TonalExtractor's ChordsDetection)
and librosa (beat_track), run on the mix. Results are cached per song (peers do not change between runs)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)

PEERS_VERSION = 1
ESSENTIA_CHORD_HOP_S = 2048 / 44100  # TonalExtractor: frameSize 4096, hopSize 2048 at 44.1 kHz


def _essentia(mix: Path) -> dict:
    import essentia
    import essentia.standard as es

    essentia.log.infoActive = False
    essentia.log.warningActive = False
    t0 = time.perf_counter()
    y = es.MonoLoader(filename=str(mix), sampleRate=44100)()
    bpm = float(es.RhythmExtractor2013(method="multifeature")(y)[0])
    key, scale, strength = es.KeyExtractor()(y)
    tonal = es.TonalExtractor()
    d = dict(zip(tonal.outputNames(), tonal(y), strict=True))
    return {"bpm": bpm, "key": f"{key} {scale}", "key_strength": float(strength),
            "chords": [str(c) for c in d["chords_progression"]], "chord_hop": ESSENTIA_CHORD_HOP_S,
            "seconds": time.perf_counter() - t0}


def _librosa(mix: Path) -> dict:
    import librosa

    t0 = time.perf_counter()
    y, sr = librosa.load(str(mix), sr=22050, mono=True)
    tempo, _ = librosa.beat.beat_track(y=y, sr=sr)
    return {"bpm": float(tempo if not hasattr(tempo, "__len__") else tempo[0]), "seconds": time.perf_counter() - t0}


def peer_results(song, cache_dir: Path) -> dict:
    """{"essentia": {...} | {"error": ...}, "librosa": {...}} for one RealSong, from the cache when possible."""
    path = cache_dir / "peers" / f"{song.source}-{song.name}.json"
    if path.is_file():
        try:
            data = json.loads(path.read_text())
            if data.get("version") == PEERS_VERSION:
                return data
        except (OSError, ValueError):
            pass
    out: dict = {"version": PEERS_VERSION}
    for name, fn in (("essentia", _essentia), ("librosa", _librosa)):
        try:
            out[name] = fn(song.mix)
        except ImportError as exc:
            out[name] = {"error": f"not installed: {exc}"}
        except Exception as exc:  # noqa: BLE001 - a peer failing on one song is a row note, not a crash
            out[name] = {"error": repr(exc)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out
