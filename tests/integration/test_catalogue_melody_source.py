"""Where a work's melody came from, and choosing another part or transcription (CLI and core)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.cli.main import main
from app.core.catalogue import Catalogue
from app.core.catalogue.importing.melody_source import (
    choices,
    melody_candidates,
    melody_digest,
    set_work_melody,
    use_candidate,
)
from app.core.catalogue.schema import LATEST_VERSION
from app.core.errors import CatalogueError
from app.core.music import Melody, Note
from tests.helpers.catalogue_files import sine_melody_wav, three_part_midi


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
