"""Regression tests for issue 13: changed sound that used to verify, and conversions that must verify.

Changed sound (each must NOT verify): MP3 frames appended behind a fake APEv2 tag or an ID3v2 footer
("3DI"); FLAC frames after STREAMINFO's sample count; an OGG whose last granule position was lowered;
MIDI with inserted sysex (GM master volume), channel or polyphonic aftertouch; a 32-bit float WAV
rewritten as 64-bit float. Conversions (each must verify): WAV -> FLAC with ffmpeg (16 and 24 bit),
MP3 `ffmpeg -c copy` remux, a pretty_midi rewrite of the same notes.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

from app.core.provenance.embedding.embed import embed_record, read_provenance
from app.core.provenance.identity import TrustList, create_identity
from app.core.provenance.verify import VERIFIED, verify_file
from tests.reliability.test_tamper import make, record_of

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="needs ffmpeg")


@pytest.fixture(scope="module")
def artist(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blind-spot-keys")
    me = create_identity(folder, "Ada")
    return me, TrustList.of(me.public)


def _status(path: Path, trust: TrustList) -> str:
    return verify_file(path, trust).status


def _ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-y", *args], check=True)


def _mp3_frames(folder: Path, seconds: float = 20.0) -> bytes:
    """Audio frames of a fresh MP3 (no tags, no Info frame)."""
    src = folder / "noise.wav"
    sf.write(str(src), 0.1 * np.random.default_rng(1).standard_normal((int(seconds * 44100), 2)), 44100)
    out = folder / "extra.mp3"
    _ffmpeg("-i", str(src), "-write_xing", "0", "-id3v2_version", "0", "-b:a", "128k", str(out))
    return out.read_bytes()


@needs_ffmpeg
@pytest.mark.parametrize("tag", ["apev2", "id3v2-footer"])
def test_mp3_frames_hidden_behind_a_fake_footer_tag(tag, artist, tmp_path):
    me, trust = artist
    path = make("mp3", me, tmp_path / "a")
    assert _status(path, trust) == VERIFIED
    extra = _mp3_frames(tmp_path)
    if tag == "apev2":  # a footer whose size swallows the appended frames
        fake = b"APETAGEX" + struct.pack("<IIII", 2000, len(extra) + 32, 0, 0) + b"\0" * 8
    else:  # an ID3v2 footer: "3DI", version, flags, syncsafe size
        size = len(extra) - 10
        safe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
        fake = b"3DI\x04\x00\x10" + safe
    path.write_bytes(path.read_bytes() + extra + fake)
    result = verify_file(path, trust)
    assert result.status != VERIFIED, result.reason


def _flac_with_hidden_tail(signed: Path, out: Path) -> None:
    """The signed FLAC's samples followed by 2 s more, with STREAMINFO still claiming the old length."""
    samples, rate = sf.read(str(signed), dtype="int32")
    more = np.concatenate([samples, (np.random.default_rng(2).integers(-2**28, 2**28, (2 * rate, 2))
                                     .astype(np.int32) & ~0xFF)])
    sf.write(str(out), more, rate, subtype="PCM_24")
    data = bytearray(out.read_bytes())
    assert data[:4] == b"fLaC"
    word = int.from_bytes(data[18:26], "big")
    data[18:26] = ((word & ~((1 << 36) - 1)) | len(samples)).to_bytes(8, "big")
    out.write_bytes(bytes(data))
    embed_record(out, record_of(signed))


def test_flac_frames_after_streaminfo_count(artist, tmp_path):
    me, trust = artist
    signed = make("flac", me, tmp_path / "a")
    forged = tmp_path / "forged.flac"
    _flac_with_hidden_tail(signed, forged)
    with sf.SoundFile(str(forged)) as f:
        assert f.frames == sf.info(str(signed)).frames  # libsndfile believes STREAMINFO
    result = verify_file(forged, trust)
    assert result.status != VERIFIED and "STREAMINFO" in result.reason


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for b in page:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def test_ogg_last_granule_lowered(artist, tmp_path):
    me, trust = artist
    path = make("ogg", me, tmp_path / "a", seconds=1.0)
    data = bytearray(path.read_bytes())
    last = data.rfind(b"OggS")
    granule = struct.unpack("<q", data[last + 6:last + 14])[0]
    data[last + 6:last + 14] = struct.pack("<q", granule // 2)  # players stop half-way
    data[last + 22:last + 26] = b"\0\0\0\0"
    nsegs = data[last + 26]
    end = last + 27 + nsegs + sum(data[last + 27:last + 27 + nsegs])
    data[last + 22:last + 26] = struct.pack("<I", _ogg_crc(bytes(data[last:end])))
    path.write_bytes(bytes(data))
    assert sf.info(str(path)).frames < granule  # a real reader now stops early
    assert _status(path, trust) != VERIFIED


@pytest.mark.parametrize("event", [
    mido.Message("sysex", data=(0x7F, 0x7F, 0x04, 0x01, 0x00, 0x10)),  # GM master volume, low
    mido.Message("aftertouch", channel=0, value=90),
    mido.Message("polytouch", channel=0, note=60, value=90),
])
def test_midi_inserted_sound_changing_events(event, artist, tmp_path):
    me, trust = artist
    path = make("midi", me, tmp_path / "a")
    assert _status(path, trust) == VERIFIED
    mf = mido.MidiFile(str(path))
    track = mf.tracks[-1]
    track.insert(1, event.copy(time=0))
    mf.save(str(path))
    assert read_provenance(path).fields  # the record is still there
    assert _status(path, trust) != VERIFIED


def test_float32_wav_rewritten_as_float64(artist, tmp_path):
    me, trust = artist
    from tests.helpers.provenance import export_one, suggestion_fields

    signed = export_one(me, tmp_path, "wav32f", fields=suggestion_fields(title="f"), watermark=False).path
    assert _status(signed, trust) == VERIFIED
    samples, rate = sf.read(str(signed), dtype="float32")
    wider = tmp_path / "wider.wav"
    sf.write(str(wider), samples.astype(np.float64), rate, subtype="DOUBLE")
    embed_record(wider, record_of(signed))
    assert np.array_equal(sf.read(str(wider), dtype="float32")[0], samples)  # same values, other format
    assert _status(wider, trust) != VERIFIED


@needs_ffmpeg
@pytest.mark.parametrize("fmt", ["wav16", "wav24"])
def test_wav_to_flac_with_ffmpeg_verifies(fmt, artist, tmp_path):
    from tests.helpers.provenance import export_one

    me, trust = artist
    wav = export_one(me, tmp_path, fmt).path
    flac = tmp_path / "converted.flac"
    _ffmpeg("-i", str(wav), str(flac))
    fields = [w for w, _ in read_provenance(flac).fields]
    assert fields == ["Vorbis comment ID3V2_PRIV.ACCORD_PROVENANCE"]  # ffmpeg's name for the PRIV frame
    assert _status(flac, trust) == VERIFIED


@needs_ffmpeg
def test_mp3_copy_remux_verifies(artist, tmp_path):
    me, trust = artist
    path = make("mp3", me, tmp_path / "a", seconds=2.0)
    out = tmp_path / "remux.mp3"
    _ffmpeg("-i", str(path), "-c", "copy", str(out))
    assert out.read_bytes() != path.read_bytes()  # the Info/LAME frame and tags were rewritten
    assert _status(out, trust) == VERIFIED


def test_pretty_midi_rewrite_of_the_same_notes_verifies(artist, tmp_path):
    import pretty_midi

    from app.core.provenance.content.content_hash import content_hash

    me, trust = artist
    path = make("midi", me, tmp_path / "a")
    out = tmp_path / "rewritten.mid"
    pretty_midi.PrettyMIDI(str(path)).write(str(out))
    assert content_hash(out) == content_hash(path)
    if not read_provenance(out).fields:  # pretty_midi may drop the record's meta events: a tag-keeping tool
        embed_record(out, record_of(path), comment="AI-assisted: test")
    assert _status(out, trust) == VERIFIED
