"""Per-track effects from pedalboard: a JSON-able chain spec and a few sane presets.

A chain spec is what a project stores: `{"name": "room", "effects": [{"type": "reverb", "room_size": 0.3,
...}, ...]}`. Effect types and their parameters are a fixed, validated vocabulary (so a project file can't
smuggle arbitrary constructor calls); each parameter has a range. `apply_fx` keeps the buffer's length, so
a render's tail must already hold the reverb/delay tail (render with `tail_seconds`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from app.core.audio.synth.render import soft_clip
from app.core.errors import AccordError

# type -> (pedalboard class name, {param: (min, max)})
EFFECT_TYPES: Mapping[str, tuple[str, Mapping[str, tuple[float, float]]]] = MappingProxyType({
    "highpass": ("HighpassFilter", {"cutoff_frequency_hz": (10.0, 20000.0)}),
    "lowpass": ("LowpassFilter", {"cutoff_frequency_hz": (10.0, 20000.0)}),
    "low_shelf": ("LowShelfFilter", {"cutoff_frequency_hz": (10.0, 20000.0), "gain_db": (-24.0, 24.0),
                                     "q": (0.1, 10.0)}),
    "high_shelf": ("HighShelfFilter", {"cutoff_frequency_hz": (10.0, 20000.0), "gain_db": (-24.0, 24.0),
                                       "q": (0.1, 10.0)}),
    "peak": ("PeakFilter", {"cutoff_frequency_hz": (10.0, 20000.0), "gain_db": (-24.0, 24.0), "q": (0.1, 10.0)}),
    "compressor": ("Compressor", {"threshold_db": (-60.0, 0.0), "ratio": (1.0, 20.0), "attack_ms": (0.1, 500.0),
                                  "release_ms": (1.0, 5000.0)}),
    "reverb": ("Reverb", {"room_size": (0.0, 1.0), "damping": (0.0, 1.0), "wet_level": (0.0, 1.0),
                          "dry_level": (0.0, 1.0), "width": (0.0, 1.0)}),
    "delay": ("Delay", {"delay_seconds": (0.001, 2.0), "feedback": (0.0, 0.95), "mix": (0.0, 1.0)}),
    "chorus": ("Chorus", {"rate_hz": (0.01, 20.0), "depth": (0.0, 1.0), "centre_delay_ms": (1.0, 50.0),
                          "feedback": (-0.95, 0.95), "mix": (0.0, 1.0)}),
    "gain": ("Gain", {"gain_db": (-60.0, 24.0)}),
    "limiter": ("Limiter", {"threshold_db": (-60.0, 0.0), "release_ms": (1.0, 5000.0)}),
})

_PRESETS: Mapping[str, list[dict[str, Any]]] = MappingProxyType({  # copied out by preset(), never shared
    "dry": [],
    "room": [
        {"type": "highpass", "cutoff_frequency_hz": 60.0},
        {"type": "reverb", "room_size": 0.3, "damping": 0.5, "wet_level": 0.1, "dry_level": 0.85, "width": 0.8},
    ],
    "hall": [
        {"type": "highpass", "cutoff_frequency_hz": 80.0},
        {"type": "compressor", "threshold_db": -18.0, "ratio": 2.0, "attack_ms": 10.0, "release_ms": 150.0},
        {"type": "reverb", "room_size": 0.85, "damping": 0.35, "wet_level": 0.18, "dry_level": 0.75, "width": 1.0},
    ],
    "slapback delay": [
        {"type": "delay", "delay_seconds": 0.11, "feedback": 0.1, "mix": 0.25},
        {"type": "reverb", "room_size": 0.2, "damping": 0.6, "wet_level": 0.08, "dry_level": 0.9, "width": 0.6},
    ],
    "warm": [
        {"type": "low_shelf", "cutoff_frequency_hz": 200.0, "gain_db": 2.5, "q": 0.7},
        {"type": "high_shelf", "cutoff_frequency_hz": 6000.0, "gain_db": -4.0, "q": 0.7},
        {"type": "compressor", "threshold_db": -20.0, "ratio": 2.5, "attack_ms": 15.0, "release_ms": 200.0},
        {"type": "chorus", "rate_hz": 0.6, "depth": 0.15, "centre_delay_ms": 8.0, "feedback": 0.0, "mix": 0.25},
        {"type": "reverb", "room_size": 0.4, "damping": 0.6, "wet_level": 0.14, "dry_level": 0.85, "width": 0.9},
    ],
    "bright": [
        {"type": "highpass", "cutoff_frequency_hz": 120.0},
        {"type": "high_shelf", "cutoff_frequency_hz": 5000.0, "gain_db": 3.0, "q": 0.7},
        {"type": "compressor", "threshold_db": -16.0, "ratio": 3.0, "attack_ms": 5.0, "release_ms": 120.0},
    ],
})
PRESET_NAMES: tuple[str, ...] = tuple(_PRESETS)
DEFAULT_PRESET = "dry"


def preset(name: str) -> dict[str, Any]:
    """A fresh, JSON-able chain spec for a preset name."""
    effects = _PRESETS.get(name.strip().lower())
    if effects is None:
        raise AccordError(f"unknown effects preset {name!r}", hint="choose one of: " + ", ".join(PRESET_NAMES))
    return {"name": name.strip().lower(), "effects": copy.deepcopy(effects)}


def normalize_chain(spec: str | Mapping[str, Any] | list | None) -> dict[str, Any]:
    """Validate a preset name / chain spec / list of effects; return a canonical JSON-able spec.

    Raises AccordError naming the effect (by position) and the field that is wrong.
    """
    if spec is None:
        return preset(DEFAULT_PRESET)
    if isinstance(spec, str):
        return preset(spec)
    if isinstance(spec, list):
        spec = {"effects": spec}
    if not isinstance(spec, Mapping):
        raise AccordError(f"an effects chain must be a preset name or an object, not {type(spec).__name__}")
    effects = spec.get("effects")
    if not isinstance(effects, list):
        raise AccordError("an effects chain needs a list field 'effects'")
    if len(effects) > 16:
        raise AccordError(f"an effects chain holds at most 16 effects, not {len(effects)}")
    clean = []
    for i, effect in enumerate(effects, start=1):
        where = f"effect {i}"
        if not isinstance(effect, Mapping) or not isinstance(effect.get("type"), str):
            raise AccordError(f"{where}: needs a 'type' (one of: {', '.join(EFFECT_TYPES)})")
        kind = effect["type"]
        if kind not in EFFECT_TYPES:
            raise AccordError(f"{where}: unknown effect type {kind!r}", hint="choose one of: " + ", ".join(EFFECT_TYPES))
        _, params = EFFECT_TYPES[kind]
        item: dict[str, Any] = {"type": kind}
        for field, value in effect.items():
            if field == "type":
                continue
            if field not in params:
                raise AccordError(f"{where} ({kind}): unknown parameter {field!r}",
                                  hint="known: " + ", ".join(params))
            lo, hi = params[field]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                    or not lo <= value <= hi:
                raise AccordError(f"{where} ({kind}): {field} = {value!r} is outside {lo:g}–{hi:g}")
            item[field] = float(value)
        clean.append(item)
    name = spec.get("name")
    return {"name": name if isinstance(name, str) else "custom", "effects": clean}


def build_board(spec: str | Mapping[str, Any] | list | None, sample_rate: int):
    """A pedalboard.Pedalboard for the spec; effects above Nyquist are clamped to the sample rate."""
    import pedalboard

    chain = normalize_chain(spec)
    plugins = []
    for effect in chain["effects"]:
        cls_name, _ = EFFECT_TYPES[effect["type"]]
        kwargs = {k: v for k, v in effect.items() if k != "type"}
        if "cutoff_frequency_hz" in kwargs:  # a preset made for 48 kHz must still work at 22.05 kHz
            kwargs["cutoff_frequency_hz"] = min(kwargs["cutoff_frequency_hz"], 0.45 * sample_rate)
        plugins.append(getattr(pedalboard, cls_name)(**kwargs))
    return pedalboard.Pedalboard(plugins)


def apply_fx(samples: np.ndarray, sample_rate: int, fx: str | Mapping[str, Any] | list | None = DEFAULT_PRESET,
             ) -> np.ndarray:
    """Run float32 (channels, frames) audio through the chain; same shape out, finite, within [-1, 1]."""
    audio = np.asarray(samples, dtype=np.float32)
    if audio.ndim != 2 or audio.shape[0] not in (1, 2):
        raise AccordError(f"effects need (channels, frames) audio with 1 or 2 channels, not shape {audio.shape}")
    chain = normalize_chain(fx)
    if not chain["effects"] or audio.shape[1] == 0:
        return audio.copy()
    board = build_board(chain, sample_rate)
    try:
        out = board(audio, sample_rate, reset=True)
    except (RuntimeError, ValueError, MemoryError) as exc:
        raise AccordError(f"the effects chain {chain['name']!r} failed: {exc}") from exc
    out = np.asarray(out, dtype=np.float32)
    if out.shape[0] != audio.shape[0]:
        out = np.repeat(out[:1], audio.shape[0], axis=0) if out.shape[0] == 1 else out[: audio.shape[0]]
    fixed = np.zeros_like(audio)
    n = min(audio.shape[1], out.shape[1])
    fixed[:, :n] = out[:, :n]
    np.nan_to_num(fixed, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    for ch in fixed:
        soft_clip(ch)
    return fixed
