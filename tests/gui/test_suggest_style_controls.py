"""The suggestion form's style choices (issue 15) reach the request, and the request reaches the model."""

from __future__ import annotations

import pytest

from app.core.errors import ConstraintError
from app.core.model.style.profile import BREATHING, STUDIO_STYLE
from app.core.project.cocreation.cocreate import SuggestRequest, request_style


def test_breathing_and_structure_choices_reach_the_request(qtbot):
    from app.ui.suggest.controls import SuggestControls

    controls = SuggestControls()
    qtbot.addWidget(controls)
    r = controls.request()
    assert (r.breathing, r.structure) == ("catalogue", "repeat-and-vary")
    assert request_style(r) == STUDIO_STYLE
    controls.breathing.setCurrentIndex(controls.breathing.findData("none"))
    controls.structure.setCurrentIndex(controls.structure.findData("call-and-answer"))
    r = controls.request()
    style = request_style(r)
    assert style.breathing == BREATHING["none"] == 0.0 and style.structure == "call-and-answer"
    assert SuggestRequest.from_json(r.to_json()) == r


def test_unknown_choices_are_refused():
    with pytest.raises(ConstraintError, match="structure 'aaba'"):
        SuggestRequest(structure="aaba").checked()
    with pytest.raises(ConstraintError, match="breathing 'lots'"):
        SuggestRequest(breathing="lots").checked()


def test_studio_suggestions_are_checked_against_the_parts_as_imported(qtbot, tmp_path):
    """Issue 15, item 5, from the studio: works imported from MIDI files whose parts differ from the learned
    lines (a chord on the first note); the panel's run passes the parts as imported, so every stored idea
    reports its longest run against them too, within the requested max-copy."""
    from dataclasses import replace

    from app.core.catalogue.store import Catalogue
    from app.core.catalogue.types import ContributorShare
    from app.core.home import AccordHome
    from app.core.midifile import MidiPart, write_midi
    from app.core.model import idyom_benchmark_set
    from app.core.music import Key, TimeSignature
    from app.core.project.cocreation.source_parts import source_parts
    from app.core.project.demo_catalogue import train_current_model
    from app.core.project.edits import SetProjectField
    from tests.gui.suggest_fixtures import run_suggest, studio_with_panel

    home = AccordHome.resolve(tmp_path / "template")
    files = []
    for ident, m in idyom_benchmark_set()[:10]:
        path = tmp_path / f"{ident}.mid"
        notes = [*m.notes, replace(m.notes[0], pitch=m.notes[0].pitch - 12)]
        write_midi(path, [MidiPart("melody", m.with_notes(sorted(notes, key=lambda n: n.onset)))], tempo_bpm=90,
                   time_signature=m.time_signature)
        files.append(path)
    with Catalogue.open(home.catalogue_path) as cat:
        added = cat.import_files(files, contributors=[ContributorShare("J. S. Bach", "composer", 10000)]).added
        for w in added:
            cat.record_consent(w.id, "grant")
    model = train_current_model(home)
    parts = source_parts(home.catalogue_path, sorted(model.works))
    assert len(parts) == 10 and all(len(parts[w]) > len(model.works[w].events) for w in parts)

    window, panel = studio_with_panel(qtbot, tmp_path / "studio", home.root)
    try:
        window.push(SetProjectField("tempo_bpm", 90.0))
        window.push(SetProjectField("key", Key.parse("G major")))
        window.push(SetProjectField("time_signature", TimeSignature(4, 4)))
        panel.check_ready()
        ids = run_suggest(panel, start_bar=0, bars=4, count=2, seed=3, max_copy=5)
        assert len(ids) == 2
        for idea in (s for s in window.project.suggestions if s.id in ids):
            run = idea.provenance["longest_copied_run"]
            assert run["length"] <= 5 and 1 <= run["source_length"] <= 5
            assert run["source_work_id"] in parts
    finally:
        window.undo_stack.setClean()
        window.close()


def test_the_feel_choice_names_the_songs_feel_and_a_triplet_song_gets_triplet_ideas(qtbot, tmp_path):
    """A stored analysis that heard a triplet feel: the form says "Song's feel (triplets)", a run's ideas are named
    "… in triplets" and sit on the song's 4/4 grid in triplets; choosing Straight gives straight ones."""
    from app.core.home import AccordHome
    from app.core.project.analysis_edits import EXTRAS_KEY
    from app.core.project.demo_catalogue import ensure_demo_catalogue
    from app.core.project.edits import SetProjectField
    from tests.gui.suggest_fixtures import run_suggest, studio_with_panel
    from tests.helpers.feel import song_analysis

    ensure_demo_catalogue(AccordHome.resolve(tmp_path / "template"), works=8)
    window, panel = studio_with_panel(qtbot, tmp_path / "studio", tmp_path / "template")
    try:
        assert panel.controls.feel.itemText(0) == "Song's feel (straight)"
        a = song_analysis(True)
        window.push(SetProjectField("tempo_bpm", a.grid.tempo_bpm))
        window.push(SetProjectField("time_signature", a.grid.time_signature))
        window.push(SetProjectField("extras", {EXTRAS_KEY: {"result": a.to_json()}}))
        assert panel.controls.feel.itemText(0) == "Song's feel (triplets)"
        assert panel.controls.request().feel == "song"
        panel.check_ready()
        ids = run_suggest(panel, start_bar=2, bars=2, count=2, seed=3)
        ideas = [s for s in window.project.suggestions if s.id in ids]
        assert len(ideas) == 2 and all(i.name.endswith("in triplets") for i in ideas)
        onsets = {round(n.onset % 1.0, 3) for i in ideas for n in i.melody.notes}
        assert onsets & {0.333, 0.667}
        panel.controls.feel.setCurrentIndex(panel.controls.feel.findData("straight"))
        ids = run_suggest(panel, start_bar=2, bars=2, count=2, seed=3)
        ideas = [s for s in window.project.suggestions if s.id in ids]
        assert not any(i.name.endswith("in triplets") for i in ideas)
        assert not {round(n.onset % 1.0, 3) for i in ideas for n in i.melody.notes} & {0.333, 0.667}
    finally:
        window.undo_stack.setClean()
        window.close()
