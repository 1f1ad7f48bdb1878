"""Importing real files of each format into a real catalogue, and every bad input leaving it unchanged."""

from __future__ import annotations

import zipfile

import pytest

from app.core.catalogue import Catalogue, ContributorShare
from app.core.tasks import Cancelled, CancelToken
from tests.helpers.catalogue_files import db_hash, musicxml_text, simple_midi, sine_melody_wav

SCALE = [60, 62, 64, 65, 67, 69, 71, 72]


@pytest.fixture
def cat(tmp_path):
    with Catalogue.open(tmp_path / "catalogue.sqlite") as c:
        yield c


def _usable_melody(cat, work_id):
    cat.record_consent(work_id, "grant")
    (work,) = [u for u in cat.usable_works() if u.id == work_id]
    return work.melody


def test_midi_import_folder_recursion_and_titles(cat, tmp_path):
    src = tmp_path / "songs"
    (src / "album" / ".hidden").mkdir(parents=True)
    simple_midi(src / "one.mid", [60, 62, 64])
    simple_midi(src / "album" / "two.midi", [67, 69])
    simple_midi(src / "album" / ".hidden" / "three.mid", [70])
    (src / "album" / "cover.jpg").write_bytes(b"\xff\xd8 not music")
    result = cat.import_files([src])
    assert result.ok and [w.title for w in result.added] == ["one", "two"]  # a folder's files, then its folders
    assert all(w.kind == "midi" and w.state.state == "pending" for w in result.added)
    assert _usable_melody(cat, result.added[0].id).pitches == [60, 62, 64]
    single = cat.import_files([simple_midi(tmp_path / "x.mid", [50])], title="My Song",
                              contributors=[ContributorShare("Ann", "composer", 10000)])
    assert single.added[0].title == "My Song" and single.added[0].contributors[0].name == "Ann"


def test_reimport_by_hash_is_detected_not_duplicated(cat, tmp_path):
    a = simple_midi(tmp_path / "a.mid", SCALE)
    copy = tmp_path / "copy of a.mid"
    copy.write_bytes(a.read_bytes())
    first = cat.import_files([a, copy])
    assert len(first.added) == 1 and first.duplicates == ((copy, first.added[0].id),)
    again = cat.import_files([a])
    assert again.added == () and again.duplicates == ((a, first.added[0].id),)
    assert len(cat.works()) == 1


def test_musicxml_import_merges_ties_and_keeps_key_meter_tempo(cat, tmp_path):
    path = tmp_path / "tune.musicxml"
    path.write_text(musicxml_text(SCALE))
    (work,) = cat.import_files([path]).added
    assert work.kind == "musicxml" and work.note_count == len(SCALE)
    m = _usable_melody(cat, work.id)
    assert m.pitches == SCALE and m.notes[-1].duration == 4.0 and m.notes[-1].onset == 7.0
    assert str(m.key) == "G major" and str(m.time_signature) == "4/4" and m.tempo_bpm == 72.0
    detail = cat.work(work.id)
    assert detail.key == "G major" and "Soprano" in detail.source_detail


def test_compressed_mxl_import(cat, tmp_path):
    path = tmp_path / "tune.mxl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("META-INF/container.xml", "<?xml version='1.0'?><container><rootfiles>"
                   "<rootfile full-path='score.xml' media-type='application/vnd.recordare.musicxml+xml'/>"
                   "</rootfiles></container>")
        z.writestr("score.xml", musicxml_text([67, 65, 64], tie_last=False))
    (work,) = cat.import_files([path]).added
    assert _usable_melody(cat, work.id).pitches == [67, 65, 64]


def test_audio_import_transcribes_a_sine_melody_with_progress(cat, tmp_path):
    pitches = [60, 64, 67, 72, 67]
    path = sine_melody_wav(tmp_path / "lead.wav", pitches)
    seen = []
    result = cat.import_files([path], transcriber="pyin", progress=lambda f, t="": seen.append(f))
    assert result.ok, result.failed
    (work,) = result.added
    assert work.kind == "audio" and "pyin" in cat.work(work.id).source_detail
    m = _usable_melody(cat, work.id)
    assert m.pitches == pitches
    assert all(b.onset > a.onset for a, b in zip(m.notes, m.notes[1:], strict=False))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3


@pytest.mark.parametrize("codec", ["aac", "alac"])
def test_an_m4a_bounce_from_a_phone_imports_like_a_wav(cat, tmp_path, codec):
    """An artist's bounces are often .m4a (GarageBand, Voice Memos): refused before as "not a supported audio
    type", now decoded by PyAV and transcribed like any other audio work."""
    import itertools

    import soundfile as sf

    from tests.helpers.m4a import write_m4a

    pitches = [60, 64, 67, 72, 67]
    wav = sine_melody_wav(tmp_path / "lead.wav", pitches, rate=44100)
    samples, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    m4a = write_m4a(tmp_path / "voice memo.m4a", samples.T, rate, codec=codec)
    result = cat.import_files([m4a], transcriber="pyin")
    assert result.ok, result.failed
    (work,) = result.added
    assert work.kind == "audio" and work.title == "voice memo"
    heard = _usable_melody(cat, work.id).pitches
    if codec == "alac":  # lossless: the very notes of the WAV
        assert heard == pitches
    else:  # AAC's pre-echo fills the 40 ms gaps between these sine notes: a note may split, the tune is the same
        assert [p for p, _ in itertools.groupby(heard)] == pitches


def test_cancelled_import_changes_nothing(cat, tmp_path):
    before = db_hash(cat.path)
    files = [simple_midi(tmp_path / f"{i}.mid", [60 + i]) for i in range(5)]
    token = CancelToken()

    def progress(fraction, text=""):
        if fraction > 0.3:
            token.cancel()

    with pytest.raises(Cancelled):
        cat.import_files(files, progress=progress, cancel=token)
    assert cat.works() == [] and db_hash(cat.path) == before


def _bad_files(tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "empty.mid").write_bytes(b"")
    (d / "corrupt.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\x00\x00\x09\x00\x90")
    simple_midi(d / "drums.mid", [36, 38], channel=None) if False else None
    from app.core.midifile import MidiPart, write_midi
    from tests.helpers.catalogue_files import melody

    write_midi(d / "drums.mid", [MidiPart("drums", melody([36, 38, 42]), channel=9)], tempo_bpm=100)
    write_midi(d / "silent.mid", [], tempo_bpm=100)
    (d / "empty.wav").write_bytes(b"")
    (d / "corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00garbage")
    (d / "corrupt.flac").write_bytes(b"fLaC\x00\x00\x00\x22" + b"\x00" * 10)
    (d / "empty.musicxml").write_bytes(b"")
    (d / "broken.musicxml").write_text("<score-partwise><part-list>")
    (d / "notes.xml").write_text("<shopping><item>milk</item></shopping>")
    (d / "song.txt").write_text("la la la")
    return d


@pytest.mark.parametrize("name,reason", [
    ("empty.mid", "is empty"), ("corrupt.mid", "damaged"), ("drums.mid", "only drums"), ("silent.mid", "no notes"),
    ("empty.wav", "the file is empty"), ("corrupt.wav", "damaged"), ("corrupt.flac", "damaged"), ("empty.musicxml", "is empty"),
    ("broken.musicxml", "not a readable MusicXML"), ("notes.xml", "not MusicXML"), ("song.txt", "unknown format"),
    ("vanished.mid", "file not found"),
])
def test_bad_input_gives_one_clear_message_and_the_catalogue_is_unchanged(cat, tmp_path, name, reason):
    cat.import_files([simple_midi(tmp_path / "good.mid")])
    before = db_hash(cat.path)
    d = _bad_files(tmp_path)
    result = cat.import_files([d / name])
    (problem,) = result.failed
    assert result.added == () and problem.path == d / name
    assert problem.reason.startswith(name + ":") and reason in problem.reason and "\n" not in problem.reason
    assert db_hash(cat.path) == before


def test_a_folder_with_nothing_to_import_is_reported_not_passed_over(cat, tmp_path):
    # was "no new works" and exit 0, as if everything in it were already in the catalogue
    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "cover.jpg").write_bytes(b"\xff\xd8 not music")
    (tmp_path / "empty").mkdir()
    result = cat.import_files([tmp_path / "scans", tmp_path / "empty"])
    assert result.added == ()
    assert [p.reason for p in result.failed] == [f"{name}: no MIDI, MusicXML or audio files in this folder"
                                                 for name in ("scans", "empty")]


def test_a_batch_adds_the_good_files_and_reports_each_bad_one(cat, tmp_path):
    d = _bad_files(tmp_path)
    good = simple_midi(d / "good.mid")
    result = cat.import_files([d, d / "song.txt"])
    assert [w.path for w in result.added] == [str(good.resolve())]
    failed = {p.path.name for p in result.failed}
    assert failed == {"empty.mid", "corrupt.mid", "drums.mid", "silent.mid", "empty.wav", "corrupt.wav",
                      "corrupt.flac", "empty.musicxml", "broken.musicxml", "notes.xml", "song.txt"}


def test_splits_not_summing_to_100_refuse_the_import(cat, tmp_path):
    from app.core.errors import CatalogueError

    before = db_hash(cat.path)
    with pytest.raises(CatalogueError, match="sum to 90 %"):
        cat.import_files([simple_midi(tmp_path / "a.mid")], contributors=[ContributorShare("A", "composer", 9000)])
    assert db_hash(cat.path) == before


def test_audio_transcription_can_be_cancelled(cat, tmp_path):
    path = sine_melody_wav(tmp_path / "lead.wav", [60, 62])
    token = CancelToken()
    token.cancel()
    before = db_hash(cat.path)
    with pytest.raises(Cancelled):
        cat.import_files([path], cancel=token)
    assert db_hash(cat.path) == before


def test_unknown_transcriber_and_missing_basic_pitch_are_clear(cat, tmp_path):
    path = sine_melody_wav(tmp_path / "lead.wav", [60])
    result = cat.import_files([path], transcriber="basic-pitch")
    try:
        import basic_pitch  # noqa: F401
    except ImportError:
        (problem,) = result.failed
        assert "basic-pitch transcriber is not installed" in problem.reason and "pip install" in problem.reason


@pytest.mark.parametrize("action,message", [
    (lambda c: c.record_consent_many([1, 404], "grant"), "work 404: no such work"),
    (lambda c: c.remove_work(404), "work 404: no such work"),
    (lambda c: c.set_contributors(1, [ContributorShare("A", "composer", 9999)]), "99.99 %"),
    (lambda c: c.record_consent(1, "grant", contributor="Nobody"), "'Nobody' is not a contributor"),
    (lambda c: c.record_consent(1, "grant", use="Melody Model!"), "use"),
])
def test_refused_edits_leave_the_file_unchanged(cat, tmp_path, action, message):
    from app.core.errors import CatalogueError

    cat.import_files([simple_midi(tmp_path / "a.mid")])
    cat.record_consent(1, "grant")
    before = db_hash(cat.path)
    with pytest.raises(CatalogueError, match=message):
        action(cat)
    assert db_hash(cat.path) == before


def test_musicxml_without_music21_says_what_to_install(cat, tmp_path, monkeypatch):
    import sys

    path = tmp_path / "tune.musicxml"
    path.write_text(musicxml_text([60, 62]))
    monkeypatch.setitem(sys.modules, "music21", None)  # as if the optional extra were not installed
    (problem,) = cat.import_files([path]).failed
    assert problem.reason.startswith("tune.musicxml: reading MusicXML needs the optional package music21")
    assert "pip install" in problem.reason
