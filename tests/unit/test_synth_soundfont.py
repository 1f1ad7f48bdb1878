"""SoundFont rendering with tinysoundfont and a real GM bank (skipped with a reason when absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.core.audio.synth.soundfont import (
    SoundFontPlayer,
    find_soundfonts,
    render_melody_soundfont,
    tinysoundfont_available,
)
from app.core.errors import AccordError
from app.core.music import BeatGrid, Melody, Note

SR = 48000
needs_tsf = pytest.mark.skipif(not tinysoundfont_available(),
                               reason="tinysoundfont is not installed (pip install --no-deps tinysoundfont)")
needs_sf2 = pytest.mark.skipif(not find_soundfonts(), reason="no GM SoundFont (apt install timgm6mb-soundfont)")


def test_find_soundfonts_lists_existing_files_without_duplicates(tmp_path):
    extra = tmp_path / "fonts"
    extra.mkdir()
    (extra / "notes.txt").write_text("not a soundfont")
    mine = extra / "Mine.sf2"
    mine.write_bytes(b"RIFF\0\0\0\0sfbk")
    found = find_soundfonts([extra])
    assert mine in found and all(p.suffix.lower() in (".sf2", ".sf3") for p in found)
    assert len({p.resolve() for p in found}) == len(found)


@needs_tsf
def test_missing_or_bogus_soundfont_is_a_clear_error(tmp_path):
    with pytest.raises(AccordError, match="SoundFont not found"):
        SoundFontPlayer(tmp_path / "nope.sf2")
    fake = tmp_path / "fake.sf2"
    fake.write_bytes(b"this is not a soundfont at all")
    with pytest.raises(AccordError, match="fake.sf2: is not a SoundFont"):
        SoundFontPlayer(fake)
    damaged = tmp_path / "damaged.sf2"
    damaged.write_bytes(b"RIFF\x10\0\0\0sfbkLIST\0\0")
    with pytest.raises(AccordError, match="damaged.sf2: could not be loaded"):
        SoundFontPlayer(damaged)


@needs_tsf
@needs_sf2
def test_soundfont_notes_start_on_their_frames_and_sound():
    grid = BeatGrid(tempo_bpm=110.0, offset_seconds=0.05)
    onsets = [0.0, 4.0, 8.5]
    melody = Melody(tuple(Note(69, q, 1.0, 100) for q in onsets))
    # GM 80 (square lead) starts at full level on its first sample, so onsets are measurable exactly.
    audio = render_melody_soundfont(melody, grid, program=80, sample_rate=SR)
    assert audio.dtype == np.float32 and audio.shape[0] == 2 and np.all(np.isfinite(audio))
    assert np.max(np.abs(audio)) <= 1.0
    mag = np.abs(audio[0])
    for q in onsets:
        frame = round(grid.seconds(q) * SR)
        assert not mag[frame - 200 : frame].any() or q != onsets[0]
        first = frame - 50 + int(np.argmax(mag[frame - 50 : frame + 500] > 0.01 * mag.max()))
        assert abs(first - frame) <= SR // 1000


@needs_tsf
@needs_sf2
def test_program_changes_the_sound_and_the_player_is_reusable():
    player = SoundFontPlayer(find_soundfonts()[0], sample_rate=SR)
    assert player.preset_name(0)
    melody = Melody((Note(60, 0.0, 1.0, 100), Note(64, 1.0, 1.0, 100)))
    piano = player.render(melody, BeatGrid(120.0), program=0, tail_seconds=0.5)
    again = player.render(melody, BeatGrid(120.0), program=0, tail_seconds=0.5)
    flute = player.render(melody, BeatGrid(120.0), program=73, tail_seconds=0.5)
    # No tail of the previous render leaks in (tinysoundfont's reused voices differ by < -70 dB only).
    assert np.allclose(piano, again, atol=1e-3), "a render must not depend on the previous one"
    assert not np.allclose(piano, flute)
    with pytest.raises(AccordError, match="outside 0–127"):
        player.render(melody, BeatGrid(120.0), program=128)
    # A render cut off mid-note must not leak into the next one.
    player.render(Melody((Note(60, 0.0, 4.0, 127),)), BeatGrid(120.0), program=80, tail_seconds=0.0)
    later = player.render(Melody((Note(72, 2.0, 1.0, 100),)), BeatGrid(120.0), program=80, tail_seconds=0.2)
    assert not later[:, : SR].any() and later[:, SR:].any()


def test_bundled_pretty_midi_soundfont_is_found_when_installed():
    pm = pytest.importorskip("pretty_midi")
    bundled = Path(pm.__file__).parent / "TimGM6mb.sf2"
    if not bundled.is_file():
        pytest.skip("this pretty_midi wheel ships no TimGM6mb.sf2")
    assert any(p.resolve() == bundled.resolve() for p in find_soundfonts()) or find_soundfonts()


@needs_tsf
@needs_sf2
def test_programs_are_level_matched_to_the_builtin_voices():
    melody = Melody(tuple(Note(60 + (i * 5) % 14, i * 0.5, 0.45, 100) for i in range(16)))
    matched = SoundFontPlayer(sample_rate=SR)
    raw = SoundFontPlayer(sample_rate=SR, level_match=False)

    def rms_db(x):
        return 20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)))

    raw_levels = [rms_db(raw.render(melody, BeatGrid(120.0), program=p)) for p in (0, 73)]
    levels = [rms_db(matched.render(melody, BeatGrid(120.0), program=p)) for p in (0, 73)]
    assert abs(levels[0] - levels[1]) < 4.0 < abs(raw_levels[0] - raw_levels[1])
