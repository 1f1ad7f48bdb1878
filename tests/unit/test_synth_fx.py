"""Effects presets and JSON chain specs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.core.audio.synth import render_melody
from app.core.audio.synth.fx import PRESET_NAMES, apply_fx, normalize_chain, preset
from app.core.errors import AccordError
from app.core.music import BeatGrid, Melody, Note

SR = 48000


@pytest.fixture(scope="module")
def dry():
    melody = Melody(tuple(Note(60 + (i * 7) % 12, i * 0.5, 0.4, 110) for i in range(8)))
    return render_melody(melody, BeatGrid(150.0), instrument="pluck", sample_rate=SR, tail_seconds=1.0)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_presets_keep_length_and_finiteness(name, dry):
    wet = apply_fx(dry, SR, name)
    assert wet.shape == dry.shape and wet.dtype == np.float32
    assert np.all(np.isfinite(wet)) and np.max(np.abs(wet)) <= 1.0
    assert np.sqrt(np.mean(wet**2)) > 0.2 * np.sqrt(np.mean(dry**2))
    if name != "dry":
        assert not np.allclose(wet, dry, atol=1e-4), f"{name} changed nothing"


def test_dry_is_identity_and_reverb_adds_a_tail(dry):
    assert np.array_equal(apply_fx(dry, SR, "dry"), dry)
    hall = apply_fx(dry, SR, "hall")
    last_note_end = int(3.6 * 60 / 150 * SR) + int(0.1 * SR)
    assert np.abs(hall[:, -SR // 4 :]).mean() > np.abs(dry[:, -SR // 4 :]).mean()
    assert hall.shape[1] > last_note_end


def test_chain_specs_are_json_round_trippable_and_validated():
    spec = preset("room")
    assert normalize_chain(json.loads(json.dumps(spec))) == spec
    custom = normalize_chain([{"type": "delay", "delay_seconds": 0.25, "feedback": 0.3, "mix": 0.3}])
    assert custom["name"] == "custom" and custom["effects"][0]["delay_seconds"] == 0.25
    with pytest.raises(AccordError, match="unknown effects preset 'cathedral'"):
        normalize_chain("cathedral")
    with pytest.raises(AccordError, match="effect 2: unknown effect type 'flanger'"):
        normalize_chain({"effects": [{"type": "gain", "gain_db": -3}, {"type": "flanger"}]})
    with pytest.raises(AccordError, match=r"effect 1 \(reverb\): room_size = 3 is outside 0–1"):
        normalize_chain([{"type": "reverb", "room_size": 3}])
    with pytest.raises(AccordError, match="unknown parameter 'evil'"):
        normalize_chain([{"type": "compressor", "evil": 1}])
    with pytest.raises(AccordError, match="needs a list field 'effects'"):
        normalize_chain({"name": "x"})


def test_apply_fx_works_at_other_rates_and_mono(dry):
    mono = dry[:1, : SR // 2]
    out = apply_fx(mono, 22050, "bright")  # highpass/shelves clamp below the lower Nyquist
    assert out.shape == mono.shape and np.all(np.isfinite(out))
    with pytest.raises(AccordError, match="1 or 2 channels"):
        apply_fx(np.zeros((3, 10), np.float32), SR, "room")
