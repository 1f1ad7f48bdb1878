"""verify_file statuses on real files of every format: verified, tampered, invalid-signature,
unknown-signer, no-provenance, and duplicates never verifying."""

from __future__ import annotations

import io
import json
import struct

import mido
import mutagen
import numpy as np
import pytest
import soundfile as sf

from app.core.errors import ProvenanceError
from app.core.midifile import MidiPart
from app.core.music import Melody, Note, TimeSignature
from app.core.project.export.files import export_midi
from app.core.provenance.canonical import canonical_bytes
from app.core.provenance.embedding.embed import embed_record, read_provenance
from app.core.provenance.identity import TrustList, create_identity
from app.core.provenance.verify import (
    INVALID_SIGNATURE,
    NO_PROVENANCE,
    TAMPERED,
    UNKNOWN_SIGNER,
    VERIFIED,
    verify_file,
)
from tests.helpers.provenance import SR, consented_catalogue, export_one, suggestion_fields, tone

AUDIO = ["wav16", "wav24", "wav32f", "flac", "aiff", "mp3", "ogg"]
ALL = AUDIO + ["midi"]


@pytest.fixture
def me(tmp_path):
    return create_identity(tmp_path / "keys", "Ada")


@pytest.fixture
def trust(me, tmp_path):
    return TrustList.load(tmp_path / "keys")


def make(fmt, me, folder, **kw):
    if fmt == "midi":
        melody = Melody((Note(60, 0, 1), Note(64, 1, 1), Note(67, 2, 2, 100)))
        return export_midi([MidiPart("lead", melody)], 96.0, TimeSignature(3, 4), folder / "out.mid",
                           kw.pop("fields", suggestion_fields()), identity=me,
                           catalogue=consented_catalogue(folder / "consent-catalogue.sqlite"), **kw).path
    return export_one(me, folder, fmt, **kw).path


def record_bytes(path) -> bytes:
    found = read_provenance(path)
    assert not found.problems and len(found.distinct) == 1
    return found.distinct[0]


def retitle(path, fmt, title="Renamed by a tag editor"):
    if fmt == "midi":
        mf = mido.MidiFile(str(path))
        for msg in mf.tracks[1]:
            if msg.type == "track_name":
                msg.name = title
        mf.save(str(path))
        return
    f = mutagen.File(str(path))
    if fmt in ("flac", "ogg"):
        f.tags["TITLE"] = [title]
        f.tags["GENRE"] = ["Pop"]
    else:
        from mutagen.id3 import TCON, TIT2

        f.tags.setall("TIT2", [TIT2(encoding=3, text=[title])])
        f.tags.add(TCON(encoding=3, text=["Pop"]))
    f.save()


@pytest.mark.parametrize("fmt", ALL)
def test_round_trip_and_retagging_keep_verified(fmt, me, trust, tmp_path):
    path = make(fmt, me, tmp_path)
    result = verify_file(path, trust)
    assert result.status == VERIFIED, result.reason
    assert result.record["signer"]["keyId"] == me.key_id and result.signer["trusted"] is True
    retitle(path, fmt)
    again = verify_file(path, trust)
    assert again.status == VERIFIED, again.reason
    assert again.record == result.record


def _change_content(path, fmt):
    data = bytearray(path.read_bytes())
    if fmt in ("wav16", "wav24", "wav32f", "aiff"):
        marker = b"data" if fmt != "aiff" else b"SSND"
        at = data.index(marker) + 8 + 16 + 1000  # a sample well inside the audio
        data[at] ^= 0x01
        path.write_bytes(bytes(data))
    elif fmt == "flac":
        samples, rate = sf.read(str(path), dtype="int32")
        record = record_bytes(path)
        samples[100, 0] += 1 << 8
        sf.write(str(path), samples, rate, subtype="PCM_24")
        embed_record(path, record)
    elif fmt == "mp3":
        at = len(data) - 2000
        data[at] ^= 0x10
        path.write_bytes(bytes(data))
    elif fmt == "ogg":
        at = len(data) - 500
        data[at] ^= 0x10
        path.write_bytes(bytes(data))
    else:
        mf = mido.MidiFile(str(path))
        for msg in mf.tracks[1]:
            if msg.type == "note_on":
                msg.note += 1
                break
        mf.save(str(path))


@pytest.mark.parametrize("fmt", ALL)
def test_one_changed_sample_or_note_is_tampered(fmt, me, trust, tmp_path):
    path = make(fmt, me, tmp_path)
    _change_content(path, fmt)
    result = verify_file(path, trust)
    assert result.status == TAMPERED, result.reason
    assert "content changed" in result.reason


@pytest.mark.parametrize("fmt", ["wav24", "flac", "mp3", "ogg", "midi"])
def test_an_edited_share_is_an_invalid_signature(fmt, me, trust, tmp_path):
    path = make(fmt, me, tmp_path)
    record = json.loads(record_bytes(path))
    record["contributorShares"][0]["bp"] -= 100
    record["contributorShares"][1]["bp"] += 100
    embed_record(path, canonical_bytes(record))
    result = verify_file(path, trust)
    assert result.status == INVALID_SIGNATURE, result.reason


@pytest.mark.parametrize("fmt", ["wav16", "flac", "midi"])
def test_another_key_is_an_unknown_signer(fmt, me, trust, tmp_path):
    stranger = create_identity(tmp_path / "stranger", "Mallory")
    path = make(fmt, stranger, tmp_path)
    result = verify_file(path, trust)
    assert result.status == UNKNOWN_SIGNER and result.signer["trusted"] is False
    assert "Mallory" in result.reason
    trust.add(stranger.public)
    assert verify_file(path, trust).status == VERIFIED


@pytest.mark.parametrize("fmt", ALL)
def test_stripped_tags_mean_no_provenance(fmt, me, trust, tmp_path):
    path = make(fmt, me, tmp_path)
    if fmt == "midi":
        mf = mido.MidiFile(str(path))
        mf.tracks[0] = mido.MidiTrack(m for m in mf.tracks[0] if m.type not in ("sequencer_specific", "text"))
        mf.save(str(path))
    else:
        mutagen.File(str(path)).delete()
    result = verify_file(path, trust)
    assert result.status == NO_PROVENANCE and result.record is None


def test_a_never_signed_file_has_no_provenance(trust, tmp_path):
    sf.write(str(tmp_path / "plain.flac"), tone(0.2).T, SR)
    assert verify_file(tmp_path / "plain.flac", trust).status == NO_PROVENANCE


def _other_record(me, tmp_path) -> bytes:
    other = make("wav16", me, tmp_path / "other", fields=suggestion_fields(title="Other"))
    return record_bytes(other)


@pytest.mark.parametrize("fmt", ["wav24", "aiff", "mp3"])
def test_duplicate_id3_fields_never_verify(fmt, me, trust, tmp_path):
    (tmp_path / "other").mkdir()
    other = _other_record(me, tmp_path)
    path = make(fmt, me, tmp_path)
    from mutagen.id3 import PRIV, TXXX

    f = mutagen.File(str(path))
    f.tags.add(TXXX(encoding=3, desc="accord_provenance", text=[other.decode()]))
    f.tags.add(PRIV(owner="ACCORD_PROVENANCE", data=other))
    f.save()
    result = verify_file(path, trust)
    assert result.status == TAMPERED and ("appears 2 times" in result.reason or "different" in result.reason)


def test_same_record_twice_in_one_field_is_ambiguous(me, trust, tmp_path):
    path = make("flac", me, tmp_path)
    rec = record_bytes(path).decode()
    f = mutagen.File(str(path))
    f.tags.append(("Accord_Provenance", rec))
    f.save()
    result = verify_file(path, trust)
    assert result.status == TAMPERED and "2 times" in result.reason


def test_a_second_id3_chunk_in_a_wav_is_ambiguous(me, trust, tmp_path):
    path = make("wav16", me, tmp_path)
    data = path.read_bytes()
    start = data.lower().index(b"id3 ")
    size = struct.unpack("<I", data[start + 4:start + 8])[0]
    chunk = data[start:start + 8 + size + (size & 1)]
    body = data + chunk
    body = body[:4] + struct.pack("<I", len(body) - 8) + body[8:]
    path.write_bytes(body)
    result = verify_file(path, trust)
    assert result.status == TAMPERED and "ID3 chunks" in result.reason


def test_a_second_midi_record_never_verifies(me, trust, tmp_path):
    (tmp_path / "other").mkdir()
    other = _other_record(me, tmp_path)
    path = make("midi", me, tmp_path)
    mf = mido.MidiFile(str(path))
    mf.tracks[1].insert(1, mido.MetaMessage("sequencer_specific",
                                            data=tuple(b"\x7dACCORD_PROVENANCE\x00" + other)))
    mf.save(str(path))
    assert verify_file(path, trust).status == TAMPERED


def test_hidden_marker_outside_the_reader_is_ambiguous(me, trust, tmp_path):
    path = make("wav16", me, tmp_path)
    data = path.read_bytes()
    junk = b"JUNK" + struct.pack("<I", 40) + b"ACCORD_PROVENANCE".ljust(40, b"\0")
    body = data + junk
    body = body[:4] + struct.pack("<I", len(body) - 8) + body[8:]
    path.write_bytes(body)
    result = verify_file(path, trust)
    assert result.status == TAMPERED and "hidden or duplicate" in result.reason


@pytest.mark.parametrize("name,data", [("noise.wav", b"RIFF\x10\x00\x00\x00WAVEjunkjunk"),
                                       ("empty.flac", b""), ("bad.mp3", b"\xff" * 3),
                                       ("bad.mid", b"MThd\x00\x00\x00\x06\x00\x01"),
                                       ("bad.ogg", b"OggS" + b"\x00" * 10)])
def test_damaged_files_are_clear_errors_not_crashes(name, data, trust, tmp_path):
    path = tmp_path / name
    path.write_bytes(data)
    try:
        result = verify_file(path, trust)
    except ProvenanceError as exc:
        assert name in str(exc)
    else:
        assert result.status in (NO_PROVENANCE, TAMPERED)


def test_unsupported_and_missing_files_are_clear_errors(trust, tmp_path):
    (tmp_path / "a.txt").write_text("hi")
    with pytest.raises(ProvenanceError, match="not a format"):
        verify_file(tmp_path / "a.txt", trust)
    with pytest.raises(ProvenanceError, match="not found"):
        verify_file(tmp_path / "gone.wav", trust)


def test_a_damaged_record_is_an_invalid_signature(me, trust, tmp_path):
    path = make("flac", me, tmp_path)
    embed_record(path, b'{"format":"accord-provenance","signer":{"keyId":"x"}}')
    assert verify_file(path, trust).status == INVALID_SIGNATURE
    embed_record(path, b"{broken")
    assert verify_file(path, trust).status == INVALID_SIGNATURE


def test_midi_bytes_stay_readable(me, tmp_path):
    path = make("midi", me, tmp_path)
    mf = mido.MidiFile(file=io.BytesIO(path.read_bytes()))
    assert mf.type == 1 and any(m.type == "copyright" for m in mf.tracks[0])
    assert np.isfinite(len(mf.tracks))


def test_mp3_with_an_ape_tag_from_a_replaygain_tool_still_verifies(me, trust, tmp_path):
    path = make("mp3", me, tmp_path)
    from mutagen.apev2 import APEv2

    ape = APEv2()
    ape["REPLAYGAIN_TRACK_GAIN"] = "-3.2 dB"
    ape.save(str(path))
    assert verify_file(path, trust).status == VERIFIED
    ape["Comment"] = "ACCORD_PROVENANCE {}"  # a record-looking field no ID3 reader shows
    ape.save(str(path))
    assert verify_file(path, trust).status == TAMPERED
