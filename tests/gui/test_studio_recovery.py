"""Autosave and crash recovery: unsaved work is copied aside, offered back after a crash, removed on save."""

from __future__ import annotations

import json
import os

from app.ui.shell.recovery import find_recoverable, offer_recovery

from . import studio_fixtures as fx
from .studio_fixtures import make_window

studio, tones = fx.studio, fx.tones  # shared pytest fixtures


def test_unsaved_work_is_autosaved_and_recovered_after_a_crash(studio, tones, qtbot, tmp_path):
    studio.add_stem_files(tones)
    kick = studio.project.stems[0]
    studio.stem_lanes.lanes[kick.id].header.mute.click()
    assert studio.autosave.save_now()
    assert studio.autosave.file.is_file() and studio.project.path is None  # the user's file is untouched
    # "Crash": a new studio starts while the copy is still there.
    other = make_window(qtbot, tmp_path)
    assert offer_recovery(other)
    assert studio.dialogs.asked_recover == [] and other.dialogs.asked_recover[0][0] == "Untitled"
    assert [s.name for s in other.project.stems] == ["kick", "bass", "keys"]
    assert other.project.stems[0].mute and other.engine.mix.audible == ("bass", "keys")
    assert other.isWindowModified() and not other.undo_stack.isClean()  # still to be saved
    assert find_recoverable(other.home.recovery_dir) == []  # offered once
    other.undo_stack.setClean()
    other.close()


def test_declining_discards_the_copy_and_keeps_the_usual_start(studio, tones, qtbot, tmp_path):
    studio.add_stem_files(tones[:1])
    studio.autosave.save_now()
    other = make_window(qtbot, tmp_path)
    other.dialogs.recover = False
    assert not offer_recovery(other)
    assert other.project.stems == [] and find_recoverable(other.home.recovery_dir) == []
    other.close()


def test_saving_or_a_clean_project_leaves_no_copy(studio, tones, tmp_path):
    assert not studio.autosave.save_now()  # nothing unsaved
    studio.add_stem_files(tones[:1])
    studio.autosave.save_now()
    assert studio.autosave.file.exists()
    studio.documents.save_as(tmp_path / "song.accord")
    assert not studio.autosave.file.exists() and not studio.autosave.meta.exists()
    studio.stem_lanes.lanes[studio.project.stems[0].id].header.solo.click()
    studio.autosave.save_now()
    meta = json.loads(studio.autosave.meta.read_text())
    assert meta["original_path"] == str(tmp_path / "song.accord") and meta["pid"] == os.getpid()
    studio.documents.new_project()  # discard answered: the copy goes with the project
    assert not studio.autosave.file.exists()


def test_a_copy_from_a_studio_that_still_runs_is_not_offered(studio, tones):
    studio.add_stem_files(tones[:1])
    studio.autosave.save_now()
    meta = json.loads(studio.autosave.meta.read_text())
    meta["pid"] = os.getppid()  # a live process other than this one
    studio.autosave.meta.write_text(json.dumps(meta))
    assert find_recoverable(studio.home.recovery_dir) == []
    (studio.home.recovery_dir / "junk.json").write_text("{broken")
    assert find_recoverable(studio.home.recovery_dir) == []
