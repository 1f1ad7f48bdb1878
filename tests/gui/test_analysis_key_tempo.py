"""The analysis panel shows the key with its confidence and runner-up (one click switches, undoably), the
tempo with "snap to whole BPM", and analyses by itself once stems load (progress, cancel)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import soundfile as sf
from PySide6.QtGui import QUndoStack

from app.core.analysis import SongAnalysis
from app.core.music import BeatGrid, ChordTimeline, Key, TimeSignature
from app.core.project.analysis_edits import apply_analysis, stored_analysis
from app.core.project.model import Project, StemRef
from app.ui.analysis.panel import AnalysisPanel
from app.ui.context import ANALYSIS
from app.ui.workers import TaskRunner
from tests.gui.studio_fixtures import make_window
from tests.helpers.songs import make_song


@pytest.fixture(scope="module")
def song():
    return make_song(2, meter=TimeSignature(4, 4), tempo_bpm=104.0, key=Key(4, "minor"), seconds=6.0)


@pytest.fixture
def analysed():
    """A result as analysis returns it (built directly: these tests are about the panel, not the ears)."""
    return SongAnalysis(grid=BeatGrid(tempo_bpm=104.0, time_signature=TimeSignature(4, 4), offset_seconds=0.0),
                        tempo_determined=True, tempo_confidence=0.9, key=Key(4, "minor"), key_confidence=0.8,
                        key_sections=(), chords=ChordTimeline.from_symbols(["Em", "C"], quarters_each=4),
                        melody=None, lead=None, roles={}, role_sources={},
                        stems=(("drums", "a" * 64), ("bass", "b" * 64)), duration_seconds=6.0,
                        key_runner_up=Key(7, "major"), key_runner_up_confidence=0.1, tempo_fit_bpm=104.0)


def _panel(qtbot, analysis):  # noqa: ANN001, ANN202
    project = Project(stems=[StemRef(n, Path(f"/tmp/{n}.wav")) for n, _h in analysis.stems])
    stack = QUndoStack()
    apply_analysis(project, analysis).apply(project)
    panel = AnalysisPanel(project, stack, TaskRunner(synchronous=True))
    qtbot.addWidget(panel)
    panel.show()
    return panel, project, stack


def test_key_shows_confidence_and_runner_up_and_one_click_switches_undoably(qtbot, analysed):
    heard = replace(analysed, key=Key(4, "minor"), key_confidence=0.71, key_runner_up=Key(7, "major"),
                    key_runner_up_confidence=0.22)
    panel, project, stack = _panel(qtbot, heard)
    assert panel.key_confidence.text() == "confidence 71% · runner-up G major 22%"
    assert panel.runner_up_button.isVisible() and panel.runner_up_button.text() == "Use G major"
    panel.runner_up_button.click()
    assert project.key == Key(7, "major") and stack.count() == 1 and stack.undoText() == "Set key G major"
    assert panel.key.currentText() == "G major"
    assert panel.key_confidence.text().startswith("set by you (heard E minor 71%")
    assert panel.runner_up_button.text() == "Use E minor"  # one click back
    stack.undo()
    assert project.key == Key(4, "minor") and panel.runner_up_button.text() == "Use G major"


def test_no_runner_up_no_button(qtbot, analysed):
    panel, _project, _stack = _panel(qtbot, replace(analysed, key_runner_up=None))
    assert not panel.runner_up_button.isVisible()


def test_snap_to_whole_bpm_and_back_to_the_fit(qtbot, analysed):
    grid = BeatGrid(tempo_bpm=120.31, time_signature=TimeSignature(4, 4), offset_seconds=0.0)
    panel, project, stack = _panel(qtbot, replace(analysed, grid=grid, tempo_fit_bpm=120.31, tempo_determined=True))
    assert panel.snap.isEnabled() and not panel.snap.isChecked() and panel.tempo_fit.text() == "fit 120.31 BPM"
    panel.snap.click()
    assert project.tempo_bpm == 120.0 and panel.snap.isChecked() and stack.count() == 1
    panel.snap.click()
    assert project.tempo_bpm == pytest.approx(120.31) and not panel.snap.isChecked()
    stack.undo()
    assert project.tempo_bpm == 120.0 and panel.snap.isChecked()


def test_snap_needs_an_analysis(qtbot):
    panel = AnalysisPanel(Project(), QUndoStack(), TaskRunner(synchronous=True))
    qtbot.addWidget(panel)
    assert not panel.snap.isEnabled()


def _write_stems(song, folder: Path) -> list[Path]:  # noqa: ANN001
    folder.mkdir()
    paths = []
    for name, audio in song.stems.items():
        path = folder / f"{name}.wav"
        sf.write(str(path), audio.T if audio.ndim == 2 else audio, song.sample_rate, subtype="FLOAT")
        paths.append(path)
    return paths


def test_analysis_runs_by_itself_after_stems_load_and_not_again_for_the_same_stems(qtbot, tmp_path, song):
    window = make_window(qtbot, tmp_path)
    panel = window.context.panels.ensure(ANALYSIS)
    window.add_stem_files(_write_stems(song, tmp_path / "stems"))
    qtbot.waitUntil(lambda: stored_analysis(window.project) is not None, timeout=30000)
    analysis = stored_analysis(window.project)
    assert window.project.tempo_bpm == pytest.approx(104.0, rel=0.02) and window.project.key is not None
    assert not panel.needs_analysis()
    steps = window.undo_stack.count()
    window.stems_loaded.emit(None)  # the same stems again (e.g. a relink): nothing to do
    assert window.undo_stack.count() == steps and stored_analysis(window.project) == analysis
    window.undo_stack.setClean()
    window.close()


def test_automatic_analysis_shows_progress_and_can_be_cancelled(qtbot, tmp_path, song):
    window = make_window(qtbot, tmp_path, synchronous=False)
    panel = window.context.panels.ensure(ANALYSIS)
    seen = []
    window.stems_loaded.connect(lambda _o: seen.append((panel.progress.isVisible(), panel.cancel_button.isEnabled())))
    window.add_stem_files(_write_stems(song, tmp_path / "stems"))
    qtbot.waitUntil(lambda: bool(seen), timeout=30000)
    assert seen[0] == (True, True)  # started by itself, with progress and Cancel
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: panel.handle is None, timeout=30000)
    assert stored_analysis(window.project) is None or "cancelled" not in panel.notes.text()
    window.runner.wait()
    window.undo_stack.setClean()
    window.close()


def test_a_song_that_changes_tempo_says_so_and_which_tempo_the_bars_follow(qtbot, analysed):
    steady, _project, _stack = _panel(qtbot, analysed)
    assert not steady.tempo_changes.isVisible()
    changing = replace(analysed, tempo_map=((0.4, 150.0), (38.2, 120.0)), tempo_fit_bpm=120.0,
                       grid=replace(analysed.grid, tempo_bpm=120.0))
    panel, project, _stack = _panel(qtbot, changing)
    assert panel.tempo_changes.isVisible()
    text = panel.tempo_changes.text()
    assert "150 BPM from 0:00, 120 BPM from 0:38" in text and "The bars follow 120 BPM" in text
    many = replace(changing, tempo_map=tuple((10.0 * i, 100.0 + 3 * i) for i in range(8)))
    panel, _project, _stack = _panel(qtbot, many)
    assert panel.tempo_changes.text().count("BPM from") == 5 and "and 3 more changes" in panel.tempo_changes.text()


def test_the_studio_loads_the_analysis_code_once_before_anything_plays(qtbot, tmp_path, song, monkeypatch):
    from app.core.analysis import warmup

    calls = []
    monkeypatch.setattr(warmup, "warm_once", lambda: calls.append("warm") or 0.0)
    window = make_window(qtbot, tmp_path)
    window.context.panels.ensure(ANALYSIS)
    qtbot.waitUntil(lambda: calls == ["warm"], timeout=5000)  # no stems to decode: at once
    window.add_stem_files(_write_stems(song, tmp_path / "stems"))
    qtbot.waitUntil(lambda: stored_analysis(window.project) is not None, timeout=30000)
    assert calls == ["warm"]  # once per studio, not at every load
    window.undo_stack.setClean()
    window.close()


def test_a_song_played_without_a_click_says_the_bars_follow_it_until_a_tempo_is_typed(qtbot, analysed):
    # a beat every 0.5 s, then every 0.6 s: 120 then 100 BPM, as the analysis of a drifting band gives it
    anchors = tuple((float(q), 0.5 * min(q, 8) + 0.6 * max(0, q - 8)) for q in range(17))
    drifting = replace(analysed, tempo_map=(), grid=replace(analysed.grid, tempo_bpm=110.0, anchors=anchors))
    panel, project, stack = _panel(qtbot, drifting)
    assert project.beat_grid().follows_tempo
    text = panel.tempo_changes.text()
    assert panel.tempo_changes.isVisible() and "Played without a click" in text and "100 and 120 BPM" in text
    assert not panel.snap.isEnabled()  # no one tempo to snap
    panel.bpm.setValue(104.0)  # typed: one steady tempo from now on
    assert project.tempo_anchors == () and project.tempo_bpm == 104.0 and stack.count() == 1
    assert not panel.tempo_changes.isVisible()
    stack.undo()
    assert project.tempo_anchors == anchors and panel.tempo_changes.isVisible()
