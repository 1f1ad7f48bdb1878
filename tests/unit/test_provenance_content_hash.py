"""Content hashes: stable under re-tagging and WAV<->FLAC at the same bit depth, sensitive to the sound."""

from __future__ import annotations

import mido
import numpy as np
import pytest
import soundfile as sf

from app.core.errors import ProvenanceError
from app.core.provenance.content.content_hash import content_hash, format_of, ogg_granules, ogg_packets
from app.core.provenance.content.content_mp3 import mp3_frames_hash
from app.core.provenance.embedding.embed import embed_record
from app.core.provenance.identity import TrustList, create_identity
from app.core.provenance.verify import VERIFIED, verify_file
from tests.helpers.provenance import SR, export_one, tone


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24"])
def test_wav_to_flac_conversion_keeps_the_content_hash(subtype, tmp_path):
    sf.write(str(tmp_path / "a.wav"), tone(0.5).T, SR, subtype=subtype)
    samples, rate = sf.read(str(tmp_path / "a.wav"), dtype="int32")
    sf.write(str(tmp_path / "a.flac"), samples, rate, subtype=subtype)
    sf.write(str(tmp_path / "a.aiff"), samples, rate, subtype=subtype)
    wav, flac, aiff = (content_hash(tmp_path / f"a.{e}") for e in ("wav", "flac", "aiff"))
    assert wav == flac == aiff and wav[0] == "pcm-v1"


def test_signed_wav_converted_to_flac_still_verifies(tmp_path):
    me = create_identity(tmp_path / "keys", "Ada")
    wav = export_one(me, tmp_path, "wav16").path
    samples, rate = sf.read(str(wav), dtype="int32")
    flac = tmp_path / "converted.flac"
    sf.write(str(flac), samples, rate, subtype="PCM_16")
    from app.core.provenance.embedding.embed import read_provenance

    embed_record(flac, read_provenance(wav).distinct[0])  # what a converter that copies tags does
    assert verify_file(flac, TrustList.load(tmp_path / "keys")).status == VERIFIED


def test_pcm_hash_sees_one_sample_and_the_rate(tmp_path):
    x = tone(0.3)
    sf.write(str(tmp_path / "a.wav"), x.T, SR, subtype="PCM_16")
    y = x.copy()
    y[0, 5000] += 2.0 / 32768
    sf.write(str(tmp_path / "b.wav"), y.T, SR, subtype="PCM_16")
    sf.write(str(tmp_path / "c.wav"), x.T, 44100, subtype="PCM_16")
    hashes = {content_hash(tmp_path / f"{n}.wav")[1] for n in "abc"}
    assert len(hashes) == 3


def test_float_wav_hashes_float_samples(tmp_path):
    x = tone(0.2)
    sf.write(str(tmp_path / "a.wav"), x.T, SR, subtype="FLOAT")
    y = x.copy()
    y[1, 10] = np.nextafter(y[1, 10], np.float32(2))  # below 24-bit resolution, still a change
    sf.write(str(tmp_path / "b.wav"), y.T, SR, subtype="FLOAT")
    assert content_hash(tmp_path / "a.wav") != content_hash(tmp_path / "b.wav")


def _mp3_frames(n: int = 6) -> bytes:
    """n MPEG-1 layer III frames, 128 kbit/s, 44.1 kHz (417 bytes each), with varied bodies."""
    return b"".join(b"\xff\xfb\x90\x00" + bytes((i + k) % 256 for k in range(413)) for i in range(n))


def _ape(items: list[tuple[bytes, bytes]], *, size_delta: int = 0, count_delta: int = 0) -> bytes:
    body = b"".join(len(v).to_bytes(4, "little") + b"\x00" * 4 + k + b"\x00" + v for k, v in items)
    size = len(body) + 32 + size_delta
    return body + b"APETAGEX" + (2000).to_bytes(4, "little") + size.to_bytes(4, "little") + \
        (len(items) + count_delta).to_bytes(4, "little") + b"\x00" * 12


def test_mp3_hash_covers_frames_and_skips_only_valid_tags():
    audio = _mp3_frames()
    id3v2 = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10
    id3v1 = b"TAG" + b"\x00" * 125
    base = mp3_frames_hash(audio)
    assert mp3_frames_hash(id3v2 + audio + id3v1) == base
    assert mp3_frames_hash(id3v2 + id3v2 + audio + _ape([(b"REPLAYGAIN_TRACK_GAIN", b"-6.1 dB")])) == base
    assert mp3_frames_hash(audio + _mp3_frames(1)) != base
    with pytest.raises(ProvenanceError):
        mp3_frames_hash(id3v2)
    with pytest.raises(ProvenanceError, match="neither audio frames nor a valid tag"):
        mp3_frames_hash(audio + b"junk" * 10)


def test_mp3_info_frame_is_metadata():
    info = b"\xff\xfb\x90\x00" + b"\x00" * 32 + b"Info" + b"\x01" * 377
    other = b"\xff\xfb\x90\x00" + b"\x00" * 32 + b"Info" + b"\x02" * 377
    audio = _mp3_frames()
    assert mp3_frames_hash(info + audio) == mp3_frames_hash(other + audio) == mp3_frames_hash(audio)


def test_ogg_granules_are_read(tmp_path):
    path = tmp_path / "g.ogg"
    sf.write(str(path), tone(0.5).T, SR, format="OGG", subtype="VORBIS")
    (first, last), = ogg_granules(path.read_bytes()).values()
    assert 0 < first <= last and abs(last - SR // 2) < SR // 10


def test_ogg_retagging_keeps_packets_and_hash(tmp_path):
    path = tmp_path / "a.ogg"
    sf.write(str(path), tone(0.5).T, SR, format="OGG", subtype="VORBIS")
    before = content_hash(path)
    packets = ogg_packets(path.read_bytes())
    embed_record(path, b'{"x":1}' + b" " * 70000, title="t")  # big comment: forces repagination
    assert content_hash(path) == before
    assert len(ogg_packets(path.read_bytes())) == len(packets)
    with pytest.raises(ProvenanceError, match="damaged Ogg page"):
        ogg_packets(b"OggS" + b"\x00" * 30 + b"nope")


def _midi(path, *, text=None, note=60):
    mf = mido.MidiFile(type=1)
    t0 = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000)])
    if text:
        t0.append(mido.MetaMessage("text", text=text))
    t1 = mido.MidiTrack([mido.MetaMessage("track_name", name=text or "x"),
                         mido.Message("note_on", note=note, velocity=90, time=0),
                         mido.Message("note_on", note=note, velocity=0, time=480)])
    mf.tracks += [t0, t1]
    mf.save(str(path))


def test_midi_hash_covers_notes_not_text(tmp_path):
    _midi(tmp_path / "a.mid")
    _midi(tmp_path / "b.mid", text="hello")
    _midi(tmp_path / "c.mid", note=61)
    a, b, c = (content_hash(tmp_path / f"{n}.mid") for n in "abc")
    assert a == b and a != c and a[0] == "midi-events-v2"


def test_format_of():
    assert format_of("x.WAV") == "wav" and format_of("y.aif") == "aiff" and format_of("z.midi") == "midi"
    with pytest.raises(ProvenanceError):
        format_of("x.m4a")


def test_absurd_channel_counts_are_refused(tmp_path):
    sf.write(str(tmp_path / "many.wav"), np.zeros((10, 40), dtype=np.float32), SR)
    with pytest.raises(ProvenanceError, match="channels"):
        content_hash(tmp_path / "many.wav")
