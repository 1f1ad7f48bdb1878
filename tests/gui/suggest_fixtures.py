"""Shared fixtures for the co-creation GUI tests: a studio with the Suggestions panel, a home holding a small
demo catalogue and its trained model (built once per module, copied per test), and a short song."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.home import AccordHome
from app.core.music import Key, TimeSignature
from app.core.project.demo_catalogue import ensure_demo_catalogue
from app.core.project.edits import AddStems, SetProjectField
from app.core.project.model import StemRef
from app.ui.suggest.panel import SuggestPanel, install_cocreate
from tests.gui.studio_fixtures import make_window, write_tone

TEMPO = 100.0


@pytest.fixture(scope="module")
def trained_home_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("trained-home")
    ensure_demo_catalogue(AccordHome.resolve(root), works=12)
    return root


def studio_with_panel(qtbot, tmp_path: Path, home_template: Path | None) -> tuple:
    if home_template is not None:
        shutil.copytree(home_template, tmp_path / "home")
    window = make_window(qtbot, tmp_path)
    panel = install_cocreate(window.context)
    return window, panel


@pytest.fixture
def cocreate(qtbot, tmp_path, trained_home_template):
    """(window, panel) with a trained model and a song at 100 BPM in A minor with one decoded 12 s stem."""
    window, panel = studio_with_panel(qtbot, tmp_path, trained_home_template)
    stem = write_tone(tmp_path / "pad.wav", 220.0, seconds=12.0)
    window.push(AddStems([StemRef(name="pad", path=stem)]))
    window.push(SetProjectField("tempo_bpm", TEMPO))
    window.push(SetProjectField("key", Key.parse("A minor")))
    window.push(SetProjectField("time_signature", TimeSignature(4, 4)))
    _decode_now(window, stem)
    panel.check_ready()
    yield window, panel
    window.undo_stack.setClean()
    window.close()


def _decode_now(window, path: Path) -> None:
    from app.core.audio.io import load_audio

    stem = window.project.stems[0]
    window.decoded[stem.id] = load_audio(path, sample_rate=window.engine.sample_rate)
    window.rebuild_mix()


def run_suggest(panel: SuggestPanel, **changes) -> list[str]:
    """Run one synchronous Suggest with the form's request changed by `changes`; the new suggestion ids."""
    from dataclasses import replace

    before = {s.id for s in panel.ctx.project.suggestions}
    request = replace(panel.controls.request(), **changes)
    handle = panel.suggest(request)
    assert handle is not None, panel.status.text()
    return [s.id for s in panel.ctx.project.suggestions if s.id not in before]
