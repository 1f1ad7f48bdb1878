"""A/B switching between suggestions while the song plays, through the fake output stream: every block is
rendered, the output before the switch is exactly suggestion A's mix, after the fade exactly B's, and the
switch itself has no step larger than the music's own (no click)."""

from __future__ import annotations

import numpy as np

from app.core.audio.mix import render_offline
from app.core.project.cocreation.ab_switch import max_step
from tests.gui.suggest_fixtures import cocreate, run_suggest, trained_home_template  # noqa: F401


def test_switching_while_playing_has_no_gap_and_no_click(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    a, b = run_suggest(panel, start_bar=0, bars=4, count=2, seed=17)
    assert panel.audition.wait(10)
    engine = window.engine
    stream = engine.stream
    panel.audition.audition(a)
    state_a = engine.mix
    panel.audition.audition(b)
    state_b = engine.mix
    assert state_a.audible != state_b.audible
    panel.audition.audition(a)
    engine.seek(0.0)
    engine.play()
    block = engine.blocksize
    before = stream.pump(40)
    switch_frame = engine.transport.position_frames
    panel.audition.audition(b)  # crossfade a few blocks ahead of the playhead
    during = stream.pump(40)
    qtbot.wait(400)  # the settle timer swaps in the plain B state
    assert engine.mix == state_b or engine.mix.audible == state_b.audible
    after = stream.pump(20)
    out = np.concatenate([before, during, after]).T  # (2, frames)
    n = out.shape[1]
    ref_a = render_offline(state_a, frames=n)
    ref_b = render_offline(state_b, frames=n)
    fade_end = switch_frame + 3 * block + panel.audition.fade_frames
    assert np.allclose(out[:, :switch_frame + 3 * block], ref_a[:, :switch_frame + 3 * block], atol=1e-6)
    assert np.allclose(out[:, fade_end:], ref_b[:, fade_end:], atol=1e-6)
    normal = max(max_step(ref_a), max_step(ref_b))
    assert max_step(out[:, switch_frame:fade_end + block]) <= normal * 1.5
    blocks = out.reshape(2, -1, block)
    assert (np.abs(blocks).max(axis=2) > 0).all()  # no silent block anywhere, the switch included
    assert engine.underruns == 0 and engine.callback_errors == 0
    assert engine.blocks_rendered == 100 and engine.transport.position_frames == 100 * block


def test_switching_while_stopped_is_a_plain_swap(cocreate):  # noqa: F811
    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    a, b = run_suggest(panel, start_bar=0, bars=1, count=2, seed=2)
    assert panel.audition.wait(10)
    panel.audition.audition(b)
    names = [t.name for t in window.engine.mix.tracks if "~" in t.name]
    assert names == []  # no crossfade pieces when nothing plays
    assert f"suggestion:{b}" in window.engine.mix.audible and f"suggestion:{a}" not in window.engine.mix.audible
    panel.card_action("solo", a)
    assert window.engine.mix.audible == (f"suggestion:{a}",)


def test_a_late_idea_is_rendered_from_its_own_bar_and_placed_there(cocreate):  # noqa: F811
    from app.core.audio.mix import MixState, pan_gains
    from app.core.audio.synth import render_melody
    from app.core.project.cocreation.suggestion_edits import melody_of

    window, panel = cocreate
    (sid,) = run_suggest(panel, start_bar=3, bars=1, count=1, seed=19)
    assert panel.audition.wait(10)
    track = panel.audition.track_for(sid)
    rate = window.engine.sample_rate
    bar_frames = int(4 * 60.0 / 100.0 * rate)
    assert track.offset_frames == 3 * bar_frames and track.samples.shape[1] < 2 * bar_frames
    entry = next(s for s in window.project.suggestions if s.id == sid)
    full = render_melody(melody_of(entry), window.timeline_view.time_scale.grid, sample_rate=rate,
                         tail_seconds=panel.audition.settings.tail_seconds)
    placed = render_offline(MixState((track,)), frames=full.shape[1])
    centre = pan_gains(0.0)[0]  # the mixer's constant-power pan at the centre
    assert np.abs(full).max() > 0.05
    assert np.allclose(placed, full * np.float32(centre), atol=1e-5)  # the same sound at the same frames, minus the silence


def test_number_keys_switch_between_ideas(cocreate, qtbot):  # noqa: F811
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    window, panel = cocreate
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    panel.controls.play_first.setChecked(False)
    ids = run_suggest(panel, start_bar=0, bars=1, count=3, seed=23)  # #1, #2, #3 (the newest on top)
    qtbot.keyClick(panel, Qt.Key.Key_2)
    assert panel.audition.active == ids[1] and window.engine.transport.playing
    qtbot.keyClick(panel, Qt.Key.Key_1)
    assert panel.audition.active == ids[0]
    qtbot.keyClick(panel, Qt.Key.Key_Escape)
    assert panel.audition.active is None


def test_the_songs_lead_is_muted_while_an_idea_is_auditioned_and_back_after(cocreate):  # noqa: F811
    from app.core.project.edits import SetStemRole

    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    (a,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=5)
    assert panel.audition.wait(10)
    stems = window.project.stems
    assert stems, "the fixture song has stems"
    window.push(SetStemRole(stems[-1].id, "lead"))
    lead = stems[-1].name
    panel.audition.audition(a)
    assert lead not in window.engine.mix.audible and not window.project.stems[-1].mute  # project untouched
    panel.controls.mute_lead.setChecked(False)
    assert lead in window.engine.mix.audible
    panel.controls.mute_lead.setChecked(True)
    assert lead not in window.engine.mix.audible
    panel.audition.audition(None)
    assert lead in window.engine.mix.audible
