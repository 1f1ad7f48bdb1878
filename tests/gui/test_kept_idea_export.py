"""A kept idea exported alone is exported as edited (its track's notes and velocities) and says how many
notes were edited by hand — the number its card and track show."""

from __future__ import annotations

import mido

from app.core.catalogue.store import Catalogue
from app.core.project.cocreation.suggestion_edits import KeepSuggestion
from app.core.project.export.project import export_project
from app.core.provenance.identity import TrustList, ensure_identity
from app.core.provenance.verify import verify_file
from app.ui.suggest.lane import track_target
from tests.gui.suggest_fixtures import cocreate, run_suggest, trained_home_template  # noqa: F401


def _notes(path):
    mid = mido.MidiFile(str(path))
    return sorted((m.note, m.velocity) for t in mid.tracks for m in t if m.type == "note_on" and m.velocity > 0)


def test_one_kept_idea_alone_exports_its_edited_notes(cocreate, tmp_path):  # noqa: F811
    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=12)
    roll = panel.lane.roll
    keep = KeepSuggestion(sid)
    assert window.push(keep)
    panel.lane.show_target(track_target(keep.track_id))  # Edit on the kept track
    first = roll.melody.notes[0]
    assert roll.move_note(0, onset=first.onset, pitch=first.pitch + 2)  # edited on the kept track
    roll.selection = {1} if len(roll.melody.notes) > 1 else {0}
    assert roll.editing.set_velocity(33)
    track = window.project.tracks[-1]
    edited = track.human_edited_notes
    assert edited >= 1
    home = window.home
    identity = ensure_identity(home.keys_dir)
    with Catalogue.open(home.catalogue_path) as catalogue:
        (result,) = export_project(window.project, what="suggestion", suggestion_id=sid, format="midi",
                                   out=tmp_path / "idea.mid", identity=identity, catalogue=catalogue)
    notes = _notes(result.path)
    assert (first.pitch + 2, first.velocity) in notes and any(v == 33 for _, v in notes)
    report = verify_file(result.path, TrustList.load(home.keys_dir))
    assert report.ok, report
    assert report.record["humanEditedNotes"] == edited  # what the track (and its row) say, not 0
