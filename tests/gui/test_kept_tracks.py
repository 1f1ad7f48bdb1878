"""Kept ideas are tracks: a channel strip per kept idea (instrument, gain, pan, mute, solo), each change one
undo step, heard in the studio's mix."""

from __future__ import annotations

from app.core.audio.synth import display_names
from app.core.project.cocreation.suggestion_edits import KeepSuggestion, SetTrackSettings
from app.ui.suggest.audition import OWNER_TRACKS
from tests.gui.suggest_fixtures import cocreate, run_suggest, trained_home_template  # noqa: F401


def _kept(window, panel):
    panel.controls.play_first.setChecked(False)
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=12)
    keep = KeepSuggestion(sid)
    assert window.push(keep)
    return keep.track_id, panel.track_rows[keep.track_id]


def _track(window, tid):
    return next(t for t in window.project.tracks if t.id == tid)


def test_gain_pan_solo_and_instrument_are_undoable_track_settings(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    tid, row = _kept(window, panel)
    row.gain.setValue(-60)
    assert _track(window, tid).gain_db == -6.0 and panel.track_rows[tid] is row  # the strip stays put
    row.pan.setValue(-50)
    assert _track(window, tid).pan == -0.5
    row.solo.click()
    assert _track(window, tid).solo is True
    other = next(name for name in display_names() if name != _track(window, tid).instrument)
    row.instrument.setCurrentIndex(row.instrument.findData(other))
    row.instrument.activated.emit(row.instrument.currentIndex())
    assert _track(window, tid).render["instrument"] == other and _track(window, tid).instrument == other
    for _ in range(4):
        window.undo_stack.undo()
    t = _track(window, tid)
    assert t.gain_db == 0.0 and t.pan == 0.0 and not t.solo
    assert row.gain.value() == 0 and row.pan.value() == 0 and not row.solo.isChecked()  # the strip follows undo


def test_a_slider_drag_is_one_undo_step(cocreate):  # noqa: F811
    window, panel = cocreate
    tid, row = _kept(window, panel)
    before = window.undo_stack.count()
    row.gain.setSliderDown(True)  # the artist holds the handle
    row.gain.sliderPressed.emit()
    for v in (-10, -20, -30):
        row.gain.setValue(v)
    row.gain.setSliderDown(False)
    assert window.undo_stack.count() == before + 1 and _track(window, tid).gain_db == -3.0


def test_a_soloed_track_is_soloed_in_the_mix(cocreate):  # noqa: F811
    window, panel = cocreate
    tid, row = _kept(window, panel)
    assert panel.audition.wait(10)
    window.push(SetTrackSettings(tid, {"solo": True}))
    panel.audition.refresh()
    mixes = window.extra_tracks.get(OWNER_TRACKS, ())
    assert mixes and all(m.solo for m in mixes)


def test_bad_settings_are_refused():
    import pytest

    with pytest.raises(ValueError):
        SetTrackSettings("t", {"volume": 3})
    assert SetTrackSettings("t", {"gain_db": 99}).changes["gain_db"] == 24.0
