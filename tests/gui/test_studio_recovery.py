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


def _plant(window, tmp_path, name: str, *, age_s: float, session: str):
    """A copy of the user's project `<name>.accord`, left by a studio that is gone `age_s` seconds ago."""
    from app.core.project.model import Project
    from app.core.project.recovery import write_copy
    from app.core.project.store import save_project

    own = tmp_path / f"{name}.accord"
    if not own.exists():
        save_project(Project(name=name), own)
    project = Project(name=name)
    project.path = own
    folder = window.home.recovery_dir
    write_copy(project, folder / f"{session}.accord", folder / f"{session}.json")
    meta = json.loads((folder / f"{session}.json").read_text())
    meta.update(pid=999_999_999, saved_at=meta["saved_at"] - age_s)
    (folder / f"{session}.json").write_text(json.dumps(meta))
    return own


def test_a_project_asked_for_is_offered_only_its_own_copy(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    _plant(window, tmp_path, "Alpha", age_s=10, session="a")
    beta = _plant(window, tmp_path, "Beta", age_s=60, session="b")
    assert offer_recovery(window, tmp_path / "Gamma.accord") is False  # no copy of it: nothing asked
    assert window.dialogs.asked_recover == []
    assert offer_recovery(window, beta)
    assert [n for n, _ in window.dialogs.asked_recover] == ["Beta"] and window.project.name == "Beta"
    assert window.project.path == beta
    # Alpha's unsaved work is another project's: still there for the next start.
    assert [i.name for i in find_recoverable(window.home.recovery_dir)] == ["Alpha"]
    window.undo_stack.setClean()
    window.close()


def test_declining_one_project_goes_on_to_the_next_and_never_drops_it(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    _plant(window, tmp_path, "Alpha", age_s=10, session="a2")
    _plant(window, tmp_path, "Alpha", age_s=300, session="a1")  # superseded by Alpha's newer copy
    _plant(window, tmp_path, "Beta", age_s=60, session="b")
    answers = [False, True]
    window.dialogs.ask_recover = lambda parent, name, when: (window.dialogs.asked_recover.append(name),
                                                             answers.pop(0))[1]
    assert offer_recovery(window)
    assert window.dialogs.asked_recover == ["Alpha", "Beta"]  # one question per project, newest first
    assert window.project.name == "Beta" and find_recoverable(window.home.recovery_dir) == []
    window.undo_stack.setClean()
    window.close()


def test_recovering_one_project_keeps_the_others_copies(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    _plant(window, tmp_path, "Alpha", age_s=10, session="a")
    _plant(window, tmp_path, "Beta", age_s=60, session="b")
    assert offer_recovery(window)
    assert [n for n, _ in window.dialogs.asked_recover] == ["Alpha"] and window.project.name == "Alpha"
    assert [i.name for i in find_recoverable(window.home.recovery_dir)] == ["Beta"]
    window.undo_stack.setClean()
    window.close()


def test_the_studio_opens_the_project_on_its_command_line_past_another_projects_copy(qtbot, tmp_path,
                                                                                       monkeypatch):
    from app.core.audio.engine import AudioEngine
    from app.core.project.model import Project
    from app.core.project.recovery import write_copy
    from app.core.project.store import save_project
    from app.ui import app as studio_app
    from app.ui.dialogs.messages import Dialogs

    asked = []
    monkeypatch.setattr(Dialogs, "ask_recover", lambda self, parent, name, when: asked.append(name) or True)
    monkeypatch.setattr(AudioEngine, "open", lambda self: None)
    home = tmp_path / "home"
    mine = save_project(Project(name="Mine"), tmp_path / "mine.accord")
    other = Project(name="Other")
    other.path = tmp_path / "other.accord"
    folder = home / "recovery"
    folder.mkdir(parents=True)
    write_copy(other, folder / "x.accord", folder / "x.json")
    meta = json.loads((folder / "x.json").read_text())
    (folder / "x.json").write_text(json.dumps(dict(meta, pid=999_999_999)))

    studio = studio_app.Studio(studio_app.parse_args([str(mine), "--home", str(home)]))
    assert studio.start(fallback_ok=True) is None
    qtbot.addWidget(studio.window)
    assert studio.window.home.recovery_dir == folder
    assert asked == [] and studio.window.project.name == "Mine"  # no question about another project
    assert [i.name for i in find_recoverable(folder)] == ["Other"]
    studio.window.undo_stack.setClean()
    studio.window.close()
