"""Co-creation edits and planning: suggestions added/kept/discarded with exact undo, note edits that mark
human edits, the plan from the song's context, one-at-a-time generation, the A/B crossfade, the demo
catalogue and the first-run readiness."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.audio.mix import MixState, TrackMix, render_offline
from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import ContributorShare
from app.core.errors import ConstraintError
from app.core.home import AccordHome
from app.core.model import as_usable_works, load_chorales, train
from app.core.music import ChordTimeline, Key, Melody, Note, TimeSignature
from app.core.project.cocreation.ab_switch import crossfade_tracks, max_step
from app.core.project.cocreation.cocreate import (
    SuggestRequest,
    generate_suggestions,
    plan,
    song_context,
    suggestion_entry,
)
from app.core.project.cocreation.suggestion_edits import (
    SUGGESTIONS,
    TRACKS,
    AddNote,
    AddSuggestions,
    DeleteNote,
    DiscardSuggestion,
    KeepSuggestion,
    MoveNote,
    NoteTarget,
    RemoveTrack,
    ResizeNote,
    edited_note_count,
    visible_suggestions,
)
from app.core.project.demo_catalogue import DEMO_TITLE_PREFIX, ensure_demo_catalogue, readiness
from app.core.project.model import Project
from app.core.provenance.adapters import suggestion_provenance


def entry(i: int, notes=((69, 0.0, 1.0), (72, 1.0, 1.0), (76, 2.0, 2.0))) -> dict:
    return {"id": f"s{i}", "mode": "continue", "name": f"#{i}",
            "notes": Melody(tuple(Note(p, o, d) for p, o, d in notes)).to_json(),
            "credit": {"3": 0.6, "5": 0.3}, "uniform_share": 0.1, "piece_share": 0.0,
            "longest_copied_run": {"length": 4, "work_id": 3}, "model_id": "m1", "model_fingerprint": "f1",
            "request": {"start_bar": 0, "bars": 1}}


def test_add_merge_keep_discard_and_undo_restore_exactly():
    p = Project()
    first = AddSuggestions([entry(1)], gesture=("run", 1))
    first.apply(p)
    second = AddSuggestions([entry(2)], gesture=("run", 1))
    second.apply(p)
    assert first.merge(second) and first.label == "Add 2 suggestions"
    before = p.snapshot()
    keep = KeepSuggestion("s1", render={"instrument": "lead"})
    keep.apply(p)
    assert p.suggestions[0].status == "kept" and p.tracks[0].suggestion_id == "s1"
    assert p.tracks[0].melody == p.suggestions[0].melody and p.tracks[0].instrument == "lead"
    with pytest.raises(ValueError):
        KeepSuggestion("s1").apply(p)
    discard = DiscardSuggestion("s2")
    discard.apply(p)
    assert [s.id for s in visible_suggestions(p)] == ["s1"]
    discard.revert(p)
    keep.revert(p)
    assert p.snapshot() == before
    first.revert(p)  # the merged run is one undo step
    assert p.suggestions == ()


def test_remove_track_unkeeps_its_suggestion():
    p = Project()
    AddSuggestions([entry(1)]).apply(p)
    keep = KeepSuggestion("s1")
    keep.apply(p)
    remove = RemoveTrack(keep.track_id)
    remove.apply(p)
    assert p.tracks == () and p.suggestions[0].status == "new"
    remove.revert(p)
    assert p.tracks[0].id == keep.track_id and p.suggestions[0].status == "kept"


def test_the_summary_counts_deleted_notes_as_hand_edits_but_not_a_moved_note_twice():
    p = Project()
    AddSuggestions([entry(1)]).apply(p)
    target = NoteTarget(SUGGESTIONS, "s1")
    n = len(p.suggestions[0].melody.notes)
    assert "by hand" not in p.suggestions[0].summary()
    DeleteNote(target, 0).apply(p)
    assert p.suggestions[0].summary().endswith(f"· {n - 1} notes · 1 deleted by hand")  # it read as untouched
    MoveNote(target, 0, onset=1.5, pitch=74).apply(p)
    assert p.suggestions[0].summary().endswith(f"· {n - 1} notes · 1 edited, 1 deleted by hand")


def test_note_edits_mark_human_edits_keep_provenance_and_undo():
    p = Project()
    AddSuggestions([entry(1)]).apply(p)
    target = NoteTarget(SUGGESTIONS, "s1")
    before = p.snapshot()
    move = MoveNote(target, 1, onset=1.5, pitch=74)
    move.apply(p)
    s = p.suggestions[0]
    assert s.human_edited and s.human_edited_notes == 1
    assert (s.melody.notes[1].pitch, s.melody.notes[1].onset, s.melody.notes[1].duration) == (74, 1.5, 1.0)
    assert s.original_notes[1][:3] == (72, 1.0, 1.0) and s.credit == {"3": 0.6, "5": 0.3}
    resize = ResizeNote(target, 2, duration=0.5)
    resize.apply(p)
    add = AddNote(target, Note(81, 3.0, 0.5))
    add.apply(p)
    delete = DeleteNote(target, 0)
    delete.apply(p)
    assert p.suggestions[0].human_edited_notes == 3  # moved, resized, added (the deletion adds no note)
    assert p.suggestions[0].human_deleted_notes == 3  # the moved, the resized and the deleted originals
    # three notes differ from the model's: the moved and the resized notes replace their originals
    assert p.suggestions[0].summary().endswith("· 3 edited by hand")
    prov = suggestion_provenance(p.suggestions[0].to_json())
    assert prov["human_edited_notes"] == 3 and prov["model_id"] == "m1" and sum(prov["credit"].values()) == 10000
    for e in (delete, add, resize, move):
        e.revert(p)
    assert p.snapshot() == before
    move.apply(p)  # redo replays the same change
    assert p.suggestions[0].human_edited_notes == 1


def test_note_edits_refuse_bad_notes_before_changing_anything():
    p = Project()
    AddSuggestions([entry(1)]).apply(p)
    before = p.snapshot()
    with pytest.raises(ValueError):
        MoveNote(NoteTarget(SUGGESTIONS, "s1"), 0, onset=-1.0, pitch=60).apply(p)
    with pytest.raises(IndexError):
        DeleteNote(NoteTarget(SUGGESTIONS, "s1"), 7).apply(p)
    with pytest.raises(KeyError):
        DeleteNote(NoteTarget(TRACKS, "nope"), 0).apply(p)
    assert p.snapshot() == before


def test_edited_count_moves_count_once():
    orig = [[60, 0, 1], [62, 1, 1], [64, 2, 1]]
    assert edited_note_count(orig, orig) == (0, 0)
    assert edited_note_count(orig, [[60, 0, 1], [63, 1, 1], [64, 2, 1]]) == (1, 1)
    assert edited_note_count(orig, [[60, 0, 1]]) == (0, 2)
    assert edited_note_count(orig, orig + [[67, 3, 1]]) == (1, 0)


def test_deleting_only_still_marks_the_suggestion_edited():
    p = Project()
    AddSuggestions([entry(1)]).apply(p)
    DeleteNote(NoteTarget(SUGGESTIONS, "s1"), 0).apply(p)
    assert p.suggestions[0].human_edited and p.suggestions[0].human_edited_notes == 0


@pytest.fixture(scope="module")
def model():
    return train(as_usable_works(load_chorales()[:12]))


def song() -> Project:
    chords = ChordTimeline.from_symbols(["Am", "F", "C", "G"] * 2, quarters_each=4.0)
    return Project(tempo_bpm=100.0, key=Key.parse("A minor"), time_signature=TimeSignature(4, 4), chords=chords)


def test_plan_uses_project_fields_and_generation_streams_distinct_results(model):
    ctx = song_context(song())
    assert ctx.source == "project" and ctx.grid.tempo_bpm == 100.0
    p = plan(ctx, SuggestRequest(mode="continue", start_bar=2, bars=2, count=3, seed=11))
    assert p.constraints.start == 8.0 and p.constraints.end == 16.0 and p.constraints.chords is not None
    seen = []
    found = generate_suggestions(model, p, on_result=seen.append)
    assert [s.id for s in seen] == [s.id for s in found] and len(found) == 3
    assert len({tuple(s.notes.notes) for s in found}) == 3
    scale = set(Key.parse("A minor").melodic_scale)
    for s in found:
        assert all(8.0 - 1e-9 <= n.onset < 16.0 and n.pitch % 12 in scale for n in s.notes.notes)
    e = suggestion_entry(found[0], p.request, name="#1", works=[{"id": 1, "title": "x"}])
    assert e.status == "new" and e.request["start_bar"] == 2 and "per_note_credit" not in e.to_json()
    assert e.provenance["training_works"] == [{"id": 1, "title": "x"}] and "notes" not in e.to_json()


def test_plan_refuses_what_cannot_work():
    ctx = song_context(song())
    with pytest.raises(ConstraintError, match="no lead melody"):
        plan(ctx, SuggestRequest(mode="vary", start_bar=0, bars=2))
    with pytest.raises(ConstraintError, match="bars"):
        plan(ctx, SuggestRequest(bars=40))
    with pytest.raises(ConstraintError, match="lead melody"):
        plan(ctx, SuggestRequest(whole_lead=True))


def test_demo_project_context_follows_its_known_key_and_lead():
    from app.core.project.demo import BPM, LEAD

    p = Project(tempo_bpm=BPM, extras={"demo": {"truth": {"key": "A minor", "chords_per_bar": ["Am"] * 8,
                                                         "lead": [list(n) for n in LEAD]}}})
    ctx = song_context(p)
    assert ctx.source == "demo" and ctx.key == Key.parse("A minor") and len(ctx.lead.notes) == len(LEAD)
    assert ctx.lead_bars() == (0, 8)


def _tone(freq: float, frames: int, rate: int = 48000) -> np.ndarray:
    t = np.arange(frames) / rate
    x = (0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([x, x])


def test_crossfade_switch_has_no_gap_and_no_click():
    a, b = TrackMix("a", _tone(440.0, 48000)), TrackMix("b", _tone(660.0 + 3.0, 48000))
    at = 20000 + 77  # deliberately off any zero crossing
    pieces = crossfade_tracks(a, b, at, fade_frames=1024)
    out = render_offline(MixState(pieces), frames=48000)
    ref_a = render_offline(MixState((a,)), frames=48000)
    ref_b = render_offline(MixState((b,)), frames=48000)
    assert np.array_equal(out[:, :at], ref_a[:, :at]) and np.array_equal(out[:, at + 1024:], ref_b[:, at + 1024:])
    normal = max(max_step(ref_a), max_step(ref_b))
    assert max_step(out[:, at - 256:at + 1300]) <= normal * 1.5  # equal-power sum of two tones: a bit steeper
    # a hard swap at the same frame would click: the step is far above the signal's own slope
    hard_swap = np.concatenate([ref_a[:, :at], ref_b[:, at:]], axis=1)
    assert max_step(hard_swap[:, at - 2:at + 2]) > normal * 3
    assert np.min(np.abs(out[0, at:at + 1024]).max()) > 0.1  # never silent in the fade


def test_demo_catalogue_only_into_an_empty_catalogue(tmp_path):
    home = AccordHome.resolve(tmp_path / "empty")
    assert readiness(home).step == "import"
    result = ensure_demo_catalogue(home, works=8)
    assert result.added == 8 and result.trained and readiness(home).ready
    with Catalogue.open(home.catalogue_path) as cat:
        works = cat.works()
        assert all(w.title.startswith(DEMO_TITLE_PREFIX) for w in works)
    assert ensure_demo_catalogue(home, works=8).added == 0  # never twice

    real = AccordHome.resolve(tmp_path / "real")
    with Catalogue.open(real.catalogue_path) as cat:
        wid = cat.add_work(Melody((Note(60, 0, 1), Note(62, 1, 1))), title="My song",
                           contributors=[ContributorShare("Me", "composer", 10000)])
    assert readiness(real).step == "consent"
    assert ensure_demo_catalogue(real).added == 0
    with Catalogue.open(real.catalogue_path) as cat:
        assert [w.id for w in cat.works()] == [wid]
        cat.record_consent(wid, "grant")
    assert readiness(real).step == "train"
