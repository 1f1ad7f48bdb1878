"""The project → MixState translation, checked by rendering and comparing with numpy sample by sample."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from app.core.audio.io import DecodedAudio
from app.core.audio.mix import TrackMix, render_offline
from app.core.project.edits import SetMasterGain, SetStemMute, SetStemSolo
from app.core.project.mixdown import mix_state_for
from app.core.project.model import Project, StemRef

RATE = 48000


def _audio(seed: int, frames: int) -> DecodedAudio:
    samples = np.random.default_rng(seed).uniform(-0.3, 0.3, (2, frames)).astype(np.float32)
    samples.flags.writeable = False
    return DecodedAudio(samples=samples, sample_rate=RATE, source_rate=RATE, source_channels=2,
                        source_format="WAV", path=Path(f"/x/{seed}.wav"), content_sha256="0" * 64)


def _project() -> tuple[Project, dict[str, DecodedAudio]]:
    stems = [StemRef(name="drums", path=Path("/x/d.wav"), gain_db=-6.0, pan=-0.5),
             StemRef(name="bass", path=Path("/x/b.wav"), gain_db=2.0, pan=0.25),
             StemRef(name="keys", path=Path("/x/k.wav"))]
    decoded = {s.id: _audio(i, 1000 + 500 * i) for i, s in enumerate(stems)}
    return Project(stems=stems, master_gain_db=-1.5), decoded


def _expected(project: Project, decoded: dict[str, DecodedAudio], frames: int) -> np.ndarray:
    out = np.zeros((2, frames), np.float64)
    for stem in project.stems:
        if not project.audible(stem) or stem.id not in decoded:
            continue
        g = 10 ** ((stem.gain_db + project.master_gain_db) / 20)
        theta = (stem.pan + 1) * math.pi / 4
        x = decoded[stem.id].samples.astype(np.float64)
        out[0, :x.shape[1]] += g * math.cos(theta) * x[0]
        out[1, :x.shape[1]] += g * math.sin(theta) * x[1]
    return out


def test_the_mix_matches_numpy_sample_by_sample():
    project, decoded = _project()
    state = mix_state_for(project, decoded)
    assert [t.name for t in state.tracks] == ["drums", "bass", "keys"]
    assert state.sample_rate == RATE and state.length_frames == 2000
    rendered = render_offline(state)
    np.testing.assert_allclose(rendered, _expected(project, decoded, 2000), atol=1e-6)


def test_mute_solo_master_and_missing_follow_the_project():
    project, decoded = _project()
    drums, bass, keys = project.stems
    SetStemMute(drums.id, True).apply(project)
    SetMasterGain(3.0).apply(project)
    np.testing.assert_allclose(render_offline(mix_state_for(project, decoded)), _expected(project, decoded, 2000),
                               atol=1e-6)
    SetStemSolo(keys.id, True).apply(project)
    assert mix_state_for(project, decoded).audible == ("keys",)
    keys.missing = True  # a soloed stem that is missing: the rest stays silent, as its solo button says
    state = mix_state_for(project, decoded)
    assert [t.name for t in state.tracks] == ["drums", "bass"] and state.audible == ()
    assert not render_offline(state).any()


def test_stems_not_decoded_yet_are_left_out_and_extra_tracks_follow_solo():
    project, decoded = _project()
    drums, bass, keys = project.stems
    del decoded[bass.id]
    extra_samples = np.full((2, 100), 0.1, np.float32)
    extra = TrackMix("suggestion", extra_samples)
    state = mix_state_for(project, decoded, [extra])
    assert [t.name for t in state.tracks] == ["drums", "keys", "suggestion"]
    SetStemSolo(drums.id, True).apply(project)
    state = mix_state_for(project, decoded, [extra, TrackMix("soloed take", extra_samples, solo=True)])
    assert state.audible == ("drums", "soloed take")


@pytest.mark.parametrize("gain", [-96.0, 24.0])
def test_extreme_gains_stay_inside_the_mixer_range(gain):
    project, decoded = _project()
    project.stems[0].gain_db = gain
    SetMasterGain(gain).apply(project)
    assert mix_state_for(project, decoded).master_gain_db == gain


def test_the_studio_can_mix_at_its_output_rate():
    project, decoded = _project()
    project.sample_rate = 44100  # a project from elsewhere; the audio was decoded at the output's 48 kHz
    assert mix_state_for(project, decoded).sample_rate == 44100
    assert mix_state_for(project, decoded, sample_rate=RATE).sample_rate == RATE


def test_stems_muted_for_an_audition_are_silent_without_editing_the_project():
    from app.core.project.cocreation.cocreate import lead_stem_ids
    from app.core.project.edits import SetStemRole

    project, decoded = _project()
    drums, bass, keys = project.stems
    SetStemRole(keys.id, "lead").apply(project)
    assert lead_stem_ids(project) == {keys.id}
    state = mix_state_for(project, decoded, muted_ids=lead_stem_ids(project))
    assert state.audible == ("drums", "bass") and not keys.mute
    SetStemMute(keys.id, False).apply(project)
    assert mix_state_for(project, decoded).audible == ("drums", "bass", "keys")


@pytest.mark.parametrize("setup", ["plain", "muted", "soloed", "extra solo", "master"])
def test_the_streaming_mix_equals_the_one_pass_render_sample_for_sample(setup):
    from app.core.project.mixdown import render_mix_streaming

    project, decoded = _project()
    synth = np.random.default_rng(9).uniform(-0.2, 0.2, (2, 3100)).astype(np.float32)  # longer than every stem
    extras = [TrackMix(name="idea", samples=synth, gain_db=-3.0, pan=0.3, solo=setup == "extra solo")]
    if setup == "muted":
        SetStemMute(project.stems[1].id, True).apply(project)
    elif setup == "soloed":
        SetStemSolo(project.stems[0].id, True).apply(project)
    elif setup == "master":
        SetMasterGain(4.0).apply(project)
    loaded: list[str] = []

    def load(stem):  # noqa: ANN202
        loaded.append(stem.id)
        return decoded[stem.id]

    mix, hashes = render_mix_streaming(project, load, extras, sample_rate=RATE)
    one_pass = render_offline(mix_state_for(project, decoded, extras, sample_rate=RATE))
    assert mix.dtype == np.float32 and mix.shape == one_pass.shape
    assert np.array_equal(mix, one_pass)  # the same sums in the same order: bit for bit
    assert loaded == [s.id for s in project.stems] and set(hashes) == set(loaded)
    assert np.abs(mix).max() > 0


def test_the_streaming_mix_holds_one_decoded_stem_at_a_time():
    import gc
    import weakref

    from app.core.project.mixdown import render_mix_streaming

    project, _ = _project()
    alive: list[weakref.ref] = []

    def load(stem):  # noqa: ANN202
        gc.collect()
        assert all(r() is None for r in alive), "an earlier stem is still held"
        audio = _audio(len(alive), 4000)
        alive.append(weakref.ref(audio.samples))  # the memory that matters: the decoded samples
        return audio

    mix, _ = render_mix_streaming(project, load, sample_rate=RATE)
    assert len(alive) == 3 and mix.shape == (2, 4000)


def test_what_the_project_calls_audible_is_what_the_mixer_plays():
    """Export credits the stems `project.audible` names and mixes what mix_state_for plays: for every mute and
    solo setting of two stems they must agree (a soloed, muted stem was credited but silent)."""
    import itertools

    for flags in itertools.product((False, True), repeat=4):
        project, decoded = _project()
        a, b = project.stems[0], project.stems[1]
        a.mute, a.solo, b.mute, b.solo = flags
        heard = set(mix_state_for(project, decoded, sample_rate=RATE).audible)
        assert {s.name for s in project.stems if project.audible(s)} == heard, flags
