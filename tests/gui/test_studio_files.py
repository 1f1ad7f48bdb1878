"""Projects in the studio: save/open round trip, recent files, unsaved-changes prompt, missing stems."""

from __future__ import annotations

import shutil

from app.core.project.store import load_project
from app.ui.dialogs.messages import CANCEL, SAVE

from . import studio_fixtures as fx

studio, tones = fx.studio, fx.tones  # shared pytest fixtures


def _song(studio, tones):
    studio.add_stem_files(tones)
    kick, bass, keys = studio.project.stems
    studio.stem_lanes.lanes[kick.id].header.mute.click()
    studio.stem_lanes.lanes[bass.id].header.gain_moved.emit(-4.5, 1)
    studio.stem_lanes.lanes[keys.id].header.pan.setValue(30)
    return kick, bass, keys


def test_save_and_open_round_trip(studio, tones, tmp_path):
    _song(studio, tones)
    assert studio.isWindowModified()
    path = tmp_path / "songs" / "My Song.accord"
    assert studio.documents.save_as(path)
    assert not studio.isWindowModified() and studio.project.name == "My Song"
    assert "My Song" in studio.windowTitle()
    assert load_project(path).stems[0].mute

    assert studio.documents.new_project()
    assert studio.project.stems == [] and studio.engine.mix.tracks == () and not studio.stem_lanes.lanes
    assert studio.dialogs.asked_unsaved == []  # nothing unsaved, nothing asked

    recent = studio.documents.recent_menu.actions()
    assert [a.text() for a in recent] == ["My Song.accord"]
    recent[0].trigger()  # File → Open Recent → My Song
    kick, bass, keys = studio.project.stems
    assert (kick.mute, bass.gain_db, keys.pan) == (True, -4.5, 0.3)
    assert studio.engine.mix.audible == ("bass", "keys")
    assert all(studio.stem_lanes.lanes[s.id].waveform.state == "ready" for s in studio.project.stems)
    assert studio.stem_lanes.lanes[bass.id].header.gain_label.text() == "-4.5 dB"
    assert studio.undo_stack.count() == 0 and not studio.isWindowModified()


def test_open_through_the_dialog_and_by_dropping_the_project(studio, tones, tmp_path):
    _song(studio, tones)
    path = tmp_path / "a.accord"
    studio.documents.save_as(path)
    studio.documents.new_project()
    studio.dialogs.open_path = path
    assert studio.documents.open_project()
    assert len(studio.project.stems) == 3
    studio.documents.new_project()
    studio.handle_dropped_paths([path])  # dropping a .accord file opens it
    assert studio.project.path == path and len(studio.project.stems) == 3


def test_unsaved_changes_prompt(studio, tones, tmp_path):
    _song(studio, tones)
    studio.dialogs.unsaved_answer = CANCEL
    assert not studio.documents.new_project()
    assert len(studio.project.stems) == 3 and studio.dialogs.asked_unsaved == ["Untitled"]
    assert not studio.close()  # closing is refused too
    studio.dialogs.unsaved_answer = SAVE
    studio.dialogs.save_path = tmp_path / "saved.accord"
    assert studio.documents.new_project()
    assert load_project(tmp_path / "saved.accord").stems[2].pan == 0.3
    assert studio.project.stems == []


def test_missing_stems_are_reported_and_the_project_still_opens(studio, tones, tmp_path):
    _song(studio, tones)
    path = tmp_path / "song.accord"
    studio.documents.save_as(path)
    studio.documents.new_project()
    moved = tmp_path / "moved.wav"
    shutil.move(tones[1], moved)
    assert studio.documents.open_project(path)
    kick, bass, keys = studio.project.stems
    assert bass.missing and studio.stem_lanes.lanes[bass.id].waveform.state == "missing"
    title, problems = studio.dialogs.reports[-1]
    assert title == "Missing stem files" and [p for p, _ in problems] == [str(tones[1])]
    assert studio.engine.mix.audible == ("keys",)  # kick is muted, bass is missing
    studio.dialogs.last_report.close()
    # Locate the file: the stem comes back, undoably
    studio.dialogs.locate = moved
    studio.locate_stem(bass.id)
    assert not bass.missing and bass.path == moved and bass.id in studio.decoded
    assert studio.engine.mix.audible == ("bass", "keys")
    studio.undo_stack.undo()
    assert bass.missing and studio.engine.mix.audible == ("keys",)


def test_a_bad_project_file_shows_an_error_and_keeps_the_studio(studio, tones, tmp_path):
    studio.add_stem_files(tones[:1])
    bad = tmp_path / "bad.accord"
    bad.write_text('{"format": "accord-project", "version": 1, "stems": [{"id": "x"}]}')
    studio.undo_stack.setClean()
    assert not studio.documents.open_project(bad)
    title, text = studio.dialogs.errors[-1]
    assert "bad.accord" in text and "stems[0].path" in text
    assert [s.name for s in studio.project.stems] == ["kick"]


def test_a_project_at_another_rate_still_plays(studio, tones, tmp_path):
    import json

    studio.add_stem_files(tones[:1])
    path = tmp_path / "cd.accord"
    studio.documents.save_as(path)
    doc = json.loads(path.read_text())
    doc["sample_rate"] = 44100
    path.write_text(json.dumps(doc))
    assert studio.documents.open_project(path)
    assert studio.engine.mix.sample_rate == 48000 and len(studio.engine.mix.tracks) == 1
    assert studio.status.currentMessage().startswith("Opened")


def test_file_menu_opens_the_demo_song_after_the_unsaved_prompt(studio, tones):
    # the demo song was reachable only as `accord --demo`: a studio started bare had no way to it
    action = next(a for a in studio.menuBar().actions() if a.text() == "&File").menu().actions()
    demo = next(a for a in action if a.text() == "Open &Demo Song")
    assert "File → Open Demo Song" in studio.timeline_view.empty_hint.text()
    _song(studio, tones)
    studio.dialogs.unsaved_answer = CANCEL
    demo.trigger()
    assert len(studio.project.stems) == 3 and studio.dialogs.asked_unsaved == ["Untitled"]  # nothing lost
    studio.dialogs.unsaved_answer = fx.DISCARD
    demo.trigger()
    assert [s.name for s in studio.project.stems] == ["drums", "bass", "keys", "lead"]
    assert studio.project.name == "Accord Demo" and studio.dialogs.errors == []
    assert (studio.home.demo_dir / "Accord Demo.accord").is_file()
