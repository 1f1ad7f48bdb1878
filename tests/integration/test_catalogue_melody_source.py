"""Where a work's melody came from, and choosing another part or transcription (CLI and core)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.cli.main import main
from app.core.catalogue import Catalogue
from app.core.catalogue.importing.melody_source import (
    NoAlternatives,
    choices,
    melody_candidates,
    melody_digest,
    set_work_melody,
    use_candidate,
)
from app.core.catalogue.schema import LATEST_VERSION
from app.core.catalogue.types import DEMO_PATH_PREFIX
from app.core.errors import CatalogueError
from app.core.music import Melody, Note
from tests.helpers.catalogue_files import musicxml_text, sine_melody_wav, three_part_midi


@pytest.fixture
def cat(tmp_path):
    with Catalogue.open(tmp_path / "cat.sqlite") as c:
        yield c


def test_midi_work_lists_its_parts_and_the_artist_picks_another(cat, tmp_path):
    (work,) = cat.import_files([three_part_midi(tmp_path / "song.mid")]).added
    cands = melody_candidates(cat, work.id)
    assert [c.current for c in cands] == [True, False, False]
    assert cands[0].source == "midi:track=1:channel=1" and cands[2].note == "bass part"
    cand, choice, melody = use_candidate(cat, work.id, 1)
    assert melody.pitches[:4] == [64, 65, 67, 65]
    assert cat.work(work.id).summary.note_count == len(melody.notes)
    assert "track 2, channel 2" in cat.work(work.id).source_detail
    assert [c.current for c in melody_candidates(cat, work.id)] == [False, True, False]
    assert [(c.source, c.chosen_by, c.melody_sha256) for c in choices(cat, work.id)] == \
        [("midi:track=2:channel=2", "artist", melody_digest(melody))]
    with pytest.raises(CatalogueError, match="no candidate 7"):
        use_candidate(cat, work.id, 7)
    assert cat.audit().ok  # the new melody digest is a chained fact, not an edit the audit would flag


def test_choices_are_history_that_cannot_be_rewritten(cat, tmp_path):
    (work,) = cat.import_files([three_part_midi(tmp_path / "song.mid")]).added
    set_work_melody(cat, work.id, Melody((Note(60, 0, 1),)), "midi:track=1:channel=1", label="by hand")
    assert cat.schema_version == LATEST_VERSION
    conn = sqlite3.connect(str(cat.path))
    with pytest.raises(sqlite3.DatabaseError, match="history"):
        conn.execute("DELETE FROM melody_choices")
    with pytest.raises(sqlite3.DatabaseError, match="history"):
        conn.execute("UPDATE melody_choices SET source = 'x'")
    conn.close()
    with pytest.raises(CatalogueError, match="at least one note"):
        set_work_melody(cat, work.id, Melody(()), "x", label="empty")
    cat.remove_work(work.id)
    with pytest.raises(CatalogueError, match="was removed"):
        set_work_melody(cat, work.id, Melody((Note(60, 0, 1),)), "x", label="late")


def test_a_changed_source_file_cannot_be_re_read(cat, tmp_path):
    path = three_part_midi(tmp_path / "song.mid")
    (work,) = cat.import_files([path]).added
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(CatalogueError, match="gone or has changed"):
        melody_candidates(cat, work.id)


def test_a_score_or_a_demo_work_says_its_melody_has_no_alternative(cat, tmp_path):
    # a demo work's path is not a file: it once read as "the file ... is gone, put the original file back"
    score = tmp_path / "tune.musicxml"
    score.write_text(musicxml_text([60, 62, 64]))
    (work,) = cat.import_files([score]).added
    with pytest.raises(NoAlternatives, match=r"its melody is MusicXML, part 'Soprano'; .*MIDI and audio") as err:
        melody_candidates(cat, work.id)
    assert "gone" not in str(err.value)
    score.unlink()  # the score's absence changes nothing: there was nothing to re-read
    with pytest.raises(NoAlternatives, match="MusicXML, part 'Soprano'"):
        melody_candidates(cat, work.id)
    demo_id = cat.add_work(Melody([Note(67, 0.0, 1.0)]), title="Demo: BWV 1", kind="musicxml",
                           path=f"{DEMO_PATH_PREFIX}bwv1.6", source_detail="accord-demo")
    with pytest.raises(NoAlternatives, match="demo work shipped with Accord.*soprano line"):
        melody_candidates(cat, demo_id)
    midi = three_part_midi(tmp_path / "song.mid")
    (midi_work,) = cat.import_files([midi]).added
    midi.unlink()
    with pytest.raises(CatalogueError, match="gone or has changed") as err:
        melody_candidates(cat, midi_work.id)
    assert not isinstance(err.value, NoAlternatives)  # a real fault keeps its own wording


def test_audio_work_offers_the_transcriptions(cat, tmp_path):
    wav = sine_melody_wav(tmp_path / "lead.wav", [60, 64, 67, 72, 67])
    (work,) = cat.import_files([wav], transcriber="pyin").added
    cands = melody_candidates(cat, work.id)
    assert [c.source for c in cands] == ["audio:basic-pitch", "audio:pyin"] and cands[1].current


def test_cli_parts_for_a_work_and_use(tmp_path, capsys):
    home = tmp_path / "home"
    path = three_part_midi(tmp_path / "song.mid")

    def run(*argv):
        code = main(["--home", str(home), "catalogue", *argv])
        out, err = capsys.readouterr()
        assert code == 0, (out, err)
        return out

    run("add", str(path))
    out = run("parts", "1")
    assert "<- in use" in out.splitlines()[1] and "(bass part)" in out
    data = json.loads(run("parts", "1", "--use", "1", "--json"))
    assert data["chosen"]["source"] == "midi:track=2:channel=2" and data["notes"] == 16
    rows = json.loads(run("parts", "1", "--json"))["candidates"]
    assert [r["current"] for r in rows] == [False, True, False]
    assert json.loads(run("show", "1", "--json"))["notes"] == 16


def test_cli_parts_of_a_score_says_so_and_use_is_refused(tmp_path, capsys):
    home = tmp_path / "home"
    score = tmp_path / "tune.musicxml"
    score.write_text(musicxml_text([60, 62, 64]))
    assert main(["--home", str(home), "catalogue", "add", str(score)]) == 0
    capsys.readouterr()
    assert main(["--home", str(home), "catalogue", "parts", "1"]) == 0
    assert "its melody is MusicXML, part 'Soprano'" in capsys.readouterr().out
    assert main(["--home", str(home), "catalogue", "parts", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["candidates"] == [] and "MIDI and audio" in data["fixed"]
    assert main(["--home", str(home), "catalogue", "parts", "1", "--use", "1"]) == 2
    assert "MIDI and audio works" in capsys.readouterr().err
