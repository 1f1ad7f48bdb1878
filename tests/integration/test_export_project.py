"""Project export: the mix, stems + suggestion tracks, a suggestion alone (audio and MIDI), the credit
statement and the catalogue's export log."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from app.core.errors import ProvenanceError
from app.core.project.cocreation.ideas import Idea
from app.core.project.export.project import export_project
from app.core.provenance.canonical import canonical_bytes
from app.core.provenance.identity import TrustList, create_identity
from app.core.provenance.record import COMPOSITE_TRAINED, DIGITAL_CAPTURE, TRAINED, contributor_shares
from app.core.provenance.verify import VERIFIED, verify_file
from app.core.tasks import Cancelled, CancelToken
from tests.helpers.provenance import consented_catalogue, make_project, works


@pytest.fixture
def me(tmp_path):
    return create_identity(tmp_path / "keys", "Ada")


@pytest.fixture
def trust(me, tmp_path):
    return TrustList.load(tmp_path / "keys")


@pytest.fixture
def cat(tmp_path):
    """The artist's catalogue holding the suggestion's training works, all consented."""
    c = consented_catalogue(tmp_path / "cat.sqlite")
    yield c
    c.close()


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "song")



def _rename(project, name: str) -> None:
    """The idea and its track renamed (a test shortcut past the undoable edits)."""
    project.suggestions = (replace(project.suggestions[0], name=name),) + project.suggestions[1:]
    project.tracks = tuple(replace(t, name=name) for t in project.tracks)


def _forget_works(project) -> None:
    idea = project.suggestions[0]
    prov = {k: v for k, v in idea.provenance.items() if k != "training_works"}
    project.suggestions = (replace(idea, provenance=prov),) + project.suggestions[1:]

def test_mix_export_is_composite_lists_stems_and_is_logged(project, me, trust, tmp_path):
    with consented_catalogue(tmp_path / "cat.sqlite") as cat:
        progress = []
        [result] = export_project(project, what="mix", format="wav24", out=tmp_path / "out" / "mix.wav",
                                  identity=me, catalogue=cat, progress=lambda f, t="": progress.append(f))
        log = cat.exports()
    rec = result.record
    assert verify_file(result.path, trust).status == VERIFIED
    assert rec["kind"] == "mix" and rec["digitalSourceType"] == COMPOSITE_TRAINED and rec["aiContent"]
    assert [s["name"] for s in rec["stems"]] == ["drums", "bass"] and all(len(s["sha256"]) == 64 for s in rec["stems"])
    assert rec["suggestions"] == ["s1"] and rec["humanEditedNotes"] == 1 and rec["longestCopiedRun"] == 4
    assert rec["credit"] == [{"workId": 1, "bp": 7000}, {"workId": 2, "bp": 3000}]
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert len(log) == 1 and log[0]["content_sha256"] == result.content_sha256
    assert log[0]["record_json"] == canonical_bytes(rec).decode() and log[0]["file_name"].endswith("mix.wav")


def test_credit_statement_numbers_equal_the_suggestions_credit(project, me, tmp_path, cat):
    [result] = export_project(project, what="suggestion", suggestion_id="s1", format="flac",
                              out=tmp_path / "out" / "hook.flac", identity=me, catalogue=cat)
    expected = contributor_shares(works(), {1: 7000, 2: 3000})
    assert result.record["contributorShares"] == expected
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "hook.flac.credits.csv").read_text())))
    people = {r["name"]: int(r["basis_points"]) for r in rows if r["section"] == "contributor"}
    assert people == {s["name"]: s["bp"] for s in expected} and sum(people.values()) == 10000
    per_work = {int(r["work_id"]): int(r["basis_points"]) for r in rows if r["section"] == "work"}
    assert per_work == {1: 7000, 2: 3000}
    html = (tmp_path / "out" / "hook.flac.credits.html").read_text()
    for s in expected:
        assert s["name"] in html and f"{s['bp'] // 100}.{s['bp'] % 100:02d}%" in html


def test_stems_export_marks_human_stems_and_the_suggestion_track(project, me, trust, tmp_path, cat):
    results = export_project(project, what="stems", format="wav16", out=tmp_path / "stems", identity=me, catalogue=cat)
    by_name = {r.path.name: r.record for r in results}
    assert set(by_name) == {"drums.wav", "bass.wav", "Hook s1.wav"}
    for name in ("drums.wav", "bass.wav"):
        assert by_name[name]["aiContent"] is False and by_name[name]["digitalSourceType"] == DIGITAL_CAPTURE
        assert by_name[name]["contributorShares"] == [] and by_name[name]["model"] is None
    assert by_name["Hook s1.wav"]["digitalSourceType"] == TRAINED
    assert all(verify_file(r.path, trust).status == VERIFIED for r in results)
    assert not (tmp_path / "stems" / "drums.wav.credits.html").exists()
    assert (tmp_path / "stems" / "Hook s1.wav.credits.html").exists()


def test_suggestion_alone_as_midi(project, me, trust, tmp_path, cat):
    import pretty_midi

    _rename(project, "#4 Continue bars 5–8")
    [result] = export_project(project, what="suggestion", suggestion_id="s1", format="midi",
                              out=tmp_path / "hook.mid", identity=me, catalogue=cat)
    assert verify_file(result.path, trust).status == VERIFIED
    pm = pretty_midi.PrettyMIDI(str(result.path))
    assert pm.instruments[0].name == "#4 Continue bars 5-8"  # the en dash spelled plainly, never "5?8"
    assert [n.pitch for n in pm.instruments[0].notes] == [67, 69, 71, 72]
    assert pm.get_tempo_changes()[1][0] == pytest.approx(120.0)
    assert result.record["content"]["method"] == "midi-events-v2"


def test_model_manifest_lists_every_training_work(project, me, tmp_path, cat):
    manifest = {"model_id": "model-7", "fingerprint": "f" * 64,
                "training_works": [{"id": w.id, "title": w.title, "sha256": w.sha256} for w in works()]}
    _forget_works(project)
    [result] = export_project(project, what="suggestion", suggestion_id="s1", format="ogg",
                              out=tmp_path / "hook.ogg", identity=me, catalogue=cat, model_manifest=manifest)
    assert [w["id"] for w in result.record["trainingWorks"]] == [1, 2, 3]


def test_bad_requests_are_clear_errors(project, me, tmp_path, cat):
    with pytest.raises(ProvenanceError, match="no suggestion"):
        export_project(project, what="suggestion", suggestion_id="zz", out=tmp_path / "x.wav", identity=me, catalogue=cat)
    with pytest.raises(ProvenanceError, match="audio format"):
        export_project(project, what="mix", format="midi", out=tmp_path / "x.mid", identity=me, catalogue=cat)
    with pytest.raises(ProvenanceError, match="cannot export"):
        export_project(project, what="everything", out=tmp_path / "x.wav", identity=me, catalogue=cat)
    _forget_works(project)
    with pytest.raises(ProvenanceError, match="training works are unknown"):
        export_project(project, what="mix", out=tmp_path / "x.wav", identity=me, catalogue=cat)
    assert not list(tmp_path.glob("x.*"))


def test_cancel_leaves_no_file(project, me, tmp_path, cat):
    token = CancelToken()

    def progress(fraction, text=""):
        if fraction > 0.5:
            token.cancel()

    with pytest.raises(Cancelled):
        export_project(project, what="mix", out=tmp_path / "out" / "mix.flac", format="flac", identity=me, catalogue=cat,
                       progress=progress, cancel=token)
    assert [p.name for p in (tmp_path / "out").iterdir()] == [] if (tmp_path / "out").exists() else True


def test_model_suggestion_json_credit_equals_credit_basis_points(project, me, tmp_path, cat):
    from app.core.model.credit import Suggestion, credit_basis_points
    from app.core.music import Melody, Note

    s = Suggestion(id="m1", mode="continue", notes=Melody((Note(60, 0, 1), Note(62, 1, 1))), seed=3, settings={},
                   credit={1: 0.41, 2: 0.2, 3: 0.19}, per_note_credit=[], uniform_share=0.15, piece_share=0.05,
                   longest_copied_run={"cpitch": 3, "cpint": 6}, contributors={}, model_id="model-7",
                   model_fingerprint="f" * 64)
    entry = {**s.to_json(), "kept": True, "works": project.suggestions[0].provenance["training_works"]}
    project.suggestions += (Idea.from_json(entry),)
    [result] = export_project(project, what="suggestion", suggestion_id="m1", format="wav16",
                              out=tmp_path / "m1.wav", identity=me, catalogue=cat)
    rec = result.record
    assert {c["workId"]: c["bp"] for c in rec["credit"]} == credit_basis_points(s)
    assert rec["longestCopiedRun"] == 6 and rec["model"]["id"] == "model-7"
    assert sum(x["bp"] for x in rec["contributorShares"]) == 10000
    attributed = {w: bp for w, bp in credit_basis_points(s).items() if w != 0}
    assert rec["contributorShares"] == contributor_shares(works(), attributed)


def test_a_signed_ai_stem_passes_its_credit_into_mix_and_stems(project, me, trust, tmp_path, cat):
    from app.core.project.model import StemRef

    [hook] = export_project(project, what="suggestion", suggestion_id="s1", format="wav16",
                            out=tmp_path / "song" / "hook_render.wav", identity=me, catalogue=cat, statements=False)
    project.stems.append(StemRef("hook render", hook.path))
    project.tracks = ()
    project.suggestions = (replace(project.suggestions[0], status="new"),)  # only the rendered stem brings AI content now
    [mix] = export_project(project, what="mix", format="flac", out=tmp_path / "mix.flac", identity=me, catalogue=cat)
    assert {s["name"]: s["aiContent"] for s in mix.record["stems"]} == {"drums": False, "bass": False,
                                                                       "hook render": True}
    assert mix.record["digitalSourceType"] == COMPOSITE_TRAINED
    assert mix.record["contributorShares"] == hook.record["contributorShares"]
    assert mix.record["suggestions"] == ["s1"]
    results = export_project(project, what="stems", format="flac", out=tmp_path / "stems", identity=me, catalogue=cat)
    by_name = {r.path.stem: r.record for r in results}
    assert by_name["hook render"]["digitalSourceType"] == TRAINED and by_name["drums"]["aiContent"] is False
    assert verify_file(tmp_path / "mix.flac", trust).status == VERIFIED


def test_a_manifest_of_another_model_is_not_mixed_in(project, me, tmp_path, cat):
    other = {"model_id": "other-model", "fingerprint": "0" * 64,
             "training_works": [{"id": 99, "title": "Unrelated", "sha256": "9" * 64}]}
    [result] = export_project(project, what="suggestion", suggestion_id="s1", format="ogg",
                              out=tmp_path / "hook.ogg", identity=me, catalogue=cat, model_manifest=other)
    assert result.record["model"]["id"] == "model-7"
    assert [w["id"] for w in result.record["trainingWorks"]] == [1, 2, 3]


def test_extension_must_match_the_format(project, me, tmp_path, cat):
    with pytest.raises(ProvenanceError, match=r"\.flac"):
        export_project(project, what="mix", format="flac", out=tmp_path / "mix.wav", identity=me, catalogue=cat)
    with pytest.raises(ProvenanceError, match=r"\.mid"):
        export_project(project, what="suggestion", suggestion_id="s1", format="midi", out=tmp_path / "s.wav",
                       identity=me, catalogue=cat)
    assert not list(tmp_path.glob("mix.*")) and not list(tmp_path.glob("s.*"))
    [r] = export_project(project, what="mix", format="wav16", out=tmp_path / "folder", identity=me, catalogue=cat)
    assert r.path == tmp_path / "folder" / "Test Song.wav"


def test_a_silenced_suggestion_track_gives_no_credit_and_an_empty_mix_is_refused(project, me, tmp_path, cat):
    project.stems[0].solo = True  # the soloed drums silence the suggestion track
    [result] = export_project(project, what="mix", format="wav16", out=tmp_path / "solo.wav", identity=me, catalogue=cat)
    assert result.record["aiContent"] is False and result.record["credit"] == []
    assert [s["name"] for s in result.record["stems"]] == ["drums"]
    project.stems.clear()
    project.tracks = ()
    project.suggestions = ()
    with pytest.raises(ProvenanceError, match="empty"):
        export_project(project, what="mix", format="wav16", out=tmp_path / "empty.wav", identity=me, catalogue=cat)


def test_the_command_line_refuses_to_leave_a_missing_stem_out_unasked(tmp_path, capsys):
    # `accord export` wrote and signed a mix without the stem whose file had gone, and said nothing
    from app.cli.main import main
    from app.core.project.store import save_project

    project = make_project(tmp_path / "song")
    saved = save_project(project, tmp_path / "song" / "song.accord")
    (tmp_path / "song" / "bass.wav").unlink()
    for what in ("mix", "stems"):
        assert main(["export", str(saved), "--what", what, "-o", str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err
        assert f"song.accord: 1 stem file(s) not found, so the {what} would leave them out" in err
        assert str(tmp_path / "song" / "bass.wav") in err and "--skip-missing" in err
    assert not (tmp_path / "out").exists()
    assert main(["export", str(saved), "-o", str(tmp_path / "out" / "mix.wav"), "--skip-missing",
                 "--without", "s1"]) == 0, capsys.readouterr().err  # s1 credits works of another catalogue
    assert (tmp_path / "out" / "mix.wav").exists()


def test_a_song_played_without_a_click_exports_its_tempo_map(project, me, trust, tmp_path, cat):
    import pretty_midi

    # the analysis found the song's beats drifting: 120 BPM, then a beat at 100, then 150 (anchors per beat)
    project.tempo_bpm = 120.0
    project.tempo_anchors = ((0.0, 0.0), (1.0, 0.5), (2.0, 1.1), (3.0, 1.5), (8.0, 3.5))
    [result] = export_project(project, what="suggestion", suggestion_id="s1", format="midi",
                              out=tmp_path / "hook.mid", identity=me, catalogue=cat)
    assert verify_file(result.path, trust).status == VERIFIED
    pm = pretty_midi.PrettyMIDI(str(result.path))
    _, tempi = pm.get_tempo_changes()
    assert list(tempi) == pytest.approx([120.0, 100.0, 150.0], rel=1e-3)
    grid = project.beat_grid()
    for note in pm.instruments[0].notes:  # each note where the song's own grid puts it (bar 1 at 0 s)
        quarters = pm.time_to_tick(note.start) / pm.resolution
        assert note.start == pytest.approx(grid.seconds(quarters) - grid.offset_seconds, abs=2e-3)
