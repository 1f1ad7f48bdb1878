"""Exports checked with readers Accord does not control: mutagen, soundfile, pedalboard, ffprobe,
pretty_midi, mido, c2pa-python."""

from __future__ import annotations

import json
import shutil
import subprocess

import mido
import mutagen
import numpy as np
import pytest
import soundfile as sf

from app.core.errors import ProvenanceError
from app.core.midifile import MidiPart
from app.core.music import Melody, Note, TimeSignature
from app.core.project.export.files import export_midi
from app.core.provenance.identity import TrustList, create_identity
from app.core.provenance.verify import VERIFIED, verify_file
from tests.helpers.provenance import SR, consented_catalogue, export_one, suggestion_fields, tone

AUDIO = ["wav16", "wav24", "wav32f", "flac", "aiff", "mp3", "ogg"]
LOSSLESS_BITS = {"wav16": 16, "wav24": 24, "flac": 24, "aiff": 24}


@pytest.fixture
def me(tmp_path):
    return create_identity(tmp_path / "keys", "Ada Lovelace")


@pytest.fixture
def trust(me, tmp_path):
    return TrustList.load(tmp_path / "keys")


def _tags(path) -> dict[str, str]:
    f = mutagen.File(str(path))
    assert f is not None and f.tags is not None
    out = {}
    for key in f.tags.keys():
        value = f.tags[key]
        out[str(key).upper()] = str(value.text[0] if hasattr(value, "text") else value[0] if isinstance(value, list)
                                    else value)
    return out


@pytest.mark.parametrize("fmt", AUDIO)
def test_every_reader_opens_the_export_and_mutagen_sees_the_tags(fmt, me, trust, tmp_path):
    result = export_one(me, tmp_path, fmt, seconds=0.5, watermark=False)  # exact samples checked below
    path = result.path
    tags = _tags(path)
    record_key = "TXXX:ACCORD_PROVENANCE" if fmt not in ("flac", "ogg") else "ACCORD_PROVENANCE"
    assert json.loads(tags[record_key]) == result.record
    title_key = "TIT2" if fmt not in ("flac", "ogg") else "TITLE"
    assert tags[title_key] == "Hook idea"
    comment = [v for k, v in tags.items() if k.startswith("COMM") or k == "COMMENT"]
    assert comment and comment[0].startswith("AI-assisted: ")
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    assert rate == SR and data.shape[1] == 2
    if fmt in LOSSLESS_BITS:  # same samples as written, to the format's resolution
        np.testing.assert_allclose(data.T, tone(0.5), atol=2.0 ** (1 - LOSSLESS_BITS[fmt]))
    elif fmt == "wav32f":
        np.testing.assert_array_equal(data.T, tone(0.5))
    else:
        assert abs(data.shape[0] - SR // 2) < SR // 10
    from pedalboard.io import AudioFile

    with AudioFile(str(path)) as f:
        assert f.num_channels == 2 and f.samplerate == SR and f.frames > 0
        assert f.read(1024).shape == (2, 1024)
    assert verify_file(path, trust).status == VERIFIED


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed (apt install ffmpeg)")
@pytest.mark.parametrize("fmt", ["wav16", "flac", "aiff", "mp3", "ogg"])
def test_ffprobe_shows_the_readable_fields(fmt, me, tmp_path):
    path = export_one(me, tmp_path, fmt, seconds=0.3).path
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json",
                          str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    tags = {k.lower(): v for k, v in data.get("format", {}).get("tags", {}).items()}
    for stream in data.get("streams", []):
        tags.update({k.lower(): v for k, v in stream.get("tags", {}).items()})
    assert tags["title"] == "Hook idea" and tags["artist"] == "Ada Lovelace"
    assert tags["comment"].startswith("AI-assisted:")


def test_midi_export_opens_in_pretty_midi_and_mido_with_the_tempo_map(me, trust, tmp_path):
    melody = Melody((Note(60, 0, 1), Note(62, 1, 1), Note(64, 2, 1), Note(65, 3, 1), Note(67, 4, 2)))
    bass = Melody((Note(36, 0, 4), Note(43, 4, 2)))
    result = export_midi([MidiPart("lead", melody, program=73), MidiPart("bass", bass, program=32, channel=1)],
                         [(0.0, 90.0), (4.0, 120.0)], TimeSignature(3, 4), tmp_path / "song.mid",
                         suggestion_fields(), identity=me,
                         catalogue=consented_catalogue(tmp_path / "consent-catalogue.sqlite"))
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(str(result.path))
    times, tempi = pm.get_tempo_changes()
    np.testing.assert_allclose(tempi, [90.0, 120.0], rtol=1e-5)  # MIDI stores whole microseconds
    np.testing.assert_allclose(times, [0.0, 4 * 60 / 90], rtol=1e-5)
    assert [len(i.notes) for i in pm.instruments] == [5, 2]
    assert pm.instruments[0].program == 73
    assert pm.time_signature_changes[0].numerator == 3
    # the 5th note starts after the tempo change: 4 beats at 90 + 0 beats at 120
    assert pm.instruments[0].notes[4].start == pytest.approx(4 * 60 / 90, abs=1e-3)
    mf = mido.MidiFile(str(result.path))
    assert mf.type == 1 and len(mf.tracks) == 3
    texts = [m for m in mf.tracks[0] if m.type in ("copyright", "text")]
    assert texts[0].text.startswith("AI-assisted:")
    assert json.loads(texts[1].text.split(" ", 1)[1]) == result.record
    assert verify_file(result.path, trust).status == VERIFIED


C2PA_FORMATS = ["wav24", "flac", "mp3"]


@pytest.mark.parametrize("fmt", C2PA_FORMATS)
def test_c2pa_manifest_is_valid_and_trusted_with_accords_root(fmt, me, trust, tmp_path):
    from app.core.provenance.embedding.c2pa_adapter import read_c2pa

    keys = tmp_path / "keys"
    result = export_one(me, tmp_path, fmt, c2pa_keys_dir=keys)
    assert result.c2pa
    root = (keys / "c2pa" / "root.pem").read_text()
    plain = read_c2pa(result.path)
    assert plain["present"] and plain["state"] == "Valid"
    trusted = read_c2pa(result.path, root_pem=root)
    assert trusted["state"] == "Trusted"
    assert trusted["record"] == result.record
    assert trusted["digitalSourceType"].endswith("/trainedAlgorithmicMedia")
    assert verify_file(result.path, trust).status == VERIFIED  # the Accord record survives the manifest
    # a tag edit after signing: C2PA (which hashes bytes) breaks, the Accord record (bound to sound) holds
    f = mutagen.File(str(result.path))
    if fmt == "flac":
        f.tags["TITLE"] = ["New title"]
    else:
        from mutagen.id3 import TIT2

        f.tags.setall("TIT2", [TIT2(encoding=3, text=["New title"])])
    f.save()
    assert read_c2pa(result.path, root_pem=root)["state"] not in ("Valid", "Trusted")
    assert verify_file(result.path, trust).status == VERIFIED


def test_c2pa_chain_is_root_then_leaf_with_owner_only_keys(me, tmp_path):
    import stat

    from cryptography import x509

    from app.core.provenance.embedding.c2pa_adapter import ensure_credentials

    creds = ensure_credentials(tmp_path / "keys", "Ada")
    certs = x509.load_pem_x509_certificates(creds.chain_pem.encode())
    assert len(certs) == 2 and certs[0].issuer == certs[1].subject and certs[0].subject != certs[0].issuer
    assert certs[1].extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for name in ("leaf-key.pem", "root-key.pem"):
        assert stat.S_IMODE((tmp_path / "keys" / "c2pa" / name).stat().st_mode) == 0o600
    assert ensure_credentials(tmp_path / "keys", "Ada").chain_pem == creds.chain_pem  # created once


@pytest.mark.parametrize("fmt", ["aiff", "ogg"])
def test_c2pa_is_skipped_where_unsupported(fmt, me, trust, tmp_path):
    result = export_one(me, tmp_path, fmt, c2pa_keys_dir=tmp_path / "keys")
    assert not result.c2pa and verify_file(result.path, trust).status == VERIFIED


def test_missing_c2pa_library_is_a_clear_message(me, tmp_path, monkeypatch):
    from app.core.provenance.embedding import c2pa_adapter

    monkeypatch.setattr(c2pa_adapter, "c2pa_available", lambda: (False, "C2PA is unavailable: test"))
    with pytest.raises(ProvenanceError, match="C2PA is unavailable"):
        export_one(me, tmp_path, "wav16", c2pa_keys_dir=tmp_path / "keys")
    assert not (tmp_path / "out.wav").exists()


def test_c2pa_manifest_declares_the_watermark_as_a_soft_binding(me, tmp_path):
    from app.core.provenance.embedding.c2pa_adapter import SOFT_BINDING_ALG, read_c2pa

    keys = tmp_path / "keys"
    result = export_one(me, tmp_path, "wav24", c2pa_keys_dir=keys)
    binding = read_c2pa(result.path)["softBinding"]
    assert binding["alg"] == SOFT_BINDING_ALG
    assert binding["blocks"][0]["value"] == result.record["watermark"]["id"]
    plain = export_one(me, tmp_path, "wav24", name="plain", c2pa_keys_dir=keys, watermark=False)
    assert "softBinding" not in read_c2pa(plain.path)
