"""VST3/AU hosting: the error paths (no plugins exist on the test machine) and the MIDI message building."""

from __future__ import annotations

import pytest

from app.core.audio.synth.plugin import (
    FRAME_NUDGE,
    PluginInstrument,
    ensure_instrument,
    load_instrument,
    midi_messages,
    render_melody_plugin,
)
from app.core.audio.synth.timing import TempoMapTiming
from app.core.errors import AccordError
from app.core.music import BeatGrid, Melody, Note

SR = 48000


def test_midi_messages_are_sorted_bytes_at_the_note_frames():
    grid = BeatGrid(tempo_bpm=100.0, offset_seconds=0.25)
    notes = [Note(64, 1.0, 1.0, 90), Note(60, 0.0, 1.0, 127), Note(67, 2.0, 0.5, 1)]
    msgs = midi_messages(notes, grid, SR, channel=2)
    assert [m[0][0] for m in msgs] == [0x92, 0x82, 0x92, 0x82, 0x92, 0x82]
    assert [m[0][1] for m in msgs] == [60, 60, 64, 64, 67, 67]
    assert msgs[0][0][2] == 127 and msgs[4][0][2] == 1
    times = [t for _, t in msgs]
    assert times == sorted(times)
    for (_, t), q in zip(msgs[::2], (0.0, 1.0, 2.0), strict=True):
        frame = round(grid.seconds(q) * SR)
        assert int(t * SR) == frame and round(t * SR) == frame  # truncating and rounding hosts agree
        assert t * SR - frame == pytest.approx(FRAME_NUDGE)


def test_note_off_comes_before_a_note_on_at_the_same_frame():
    msgs = midi_messages([Note(60, 0.0, 1.0), Note(60, 1.0, 1.0)], BeatGrid(120.0), SR)
    kinds = [(round(t * SR), data[0] & 0xF0) for data, t in msgs]
    assert kinds == [(0, 0x90), (24000, 0x80), (24000, 0x90), (48000, 0x80)]


def test_midi_messages_follow_a_tempo_map_and_reject_bad_channels():
    timing = TempoMapTiming.from_midi_tempo_map([(0.0, 60.0), (1.0, 120.0)])
    msgs = midi_messages([Note(60, 2.0, 1.0)], timing, SR)
    assert round(msgs[0][1] * SR) == round(1.5 * SR)
    with pytest.raises(AccordError, match="channel 16"):
        midi_messages([Note(60, 0.0, 1.0)], timing, SR, channel=16)


def test_missing_plugin_file(tmp_path):
    with pytest.raises(AccordError, match="Synth.vst3: plugin not found"):
        load_instrument(tmp_path / "Synth.vst3")


def test_file_that_is_not_a_plugin(tmp_path):
    text = tmp_path / "readme.txt"
    text.write_text("hello")
    with pytest.raises(AccordError, match="readme.txt: is not a VST3 or Audio Unit plugin"):
        load_instrument(text)
    vst2 = tmp_path / "old.dll"
    vst2.write_bytes(b"MZ")
    with pytest.raises(AccordError, match="VST2"):
        load_instrument(vst2)
    fake = tmp_path / "Fake.vst3"  # right name, wrong content: pedalboard's scan fails
    fake.write_bytes(b"not a bundle")
    with pytest.raises(AccordError, match="Fake.vst3: could not be loaded as a plugin"):
        render_melody_plugin(Melody((Note(60, 0.0, 1.0),)), BeatGrid(), fake)


def test_an_effect_is_not_an_instrument(tmp_path):
    import pedalboard

    reverb = pedalboard.Reverb()  # a real pedalboard processor: audio in, audio out, no MIDI
    with pytest.raises(AccordError, match="is an effect, not an instrument"):
        ensure_instrument(reverb, tmp_path / "Reverb.vst3")
    with pytest.raises(AccordError, match="is an effect, not an instrument"):
        PluginInstrument(tmp_path / "Reverb.vst3", plugin=reverb)
