"""The bad-input corpus, generated (not checked in): every case is a file name and its bytes.

Each generator returns `Case`s for one format: empty, garbage, wrong extension, truncations, headers that lie
about sizes (frame/data counts up to 2**32-1), impossible sample rates / channel counts / bit depths, NaN and
infinite samples, MIDI structure damage, odd tags, and a few valid files (so "loads correctly" is exercised
too). Everything is deterministic (seeded) so a failing case can be reproduced by name.

Findings from fuzzing become regression cases here (see `regressions()`).
"""

from __future__ import annotations

import io
import json
import random
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 48000


@dataclass(frozen=True)
class Case:
    name: str  # file name, with the extension Accord dispatches on
    data: bytes
    family: str  # audio | midi | musicxml | project | model | key

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.data)
        return path


def _garbage(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


# --- WAV ---------------------------------------------------------------------------------------------
def wav_bytes(*, channels: int = 1, rate: int = RATE, bits: int = 16, tag: int = 1, frames: int = 4800,
              data: bytes | None = None, data_size: int | None = None, riff_size: int | None = None,
              block_align: int | None = None, extra_chunks: bytes = b"", fmt_size: int | None = None) -> bytes:
    """A RIFF/WAVE file whose every header field can lie."""
    if data is None:
        width = max(1, bits // 8)
        data = bytes(frames * max(1, channels) * width)
    align = block_align if block_align is not None else (max(1, channels) * max(1, bits // 8)) & 0xFFFF
    fmt = struct.pack("<HHIIHH", tag, channels & 0xFFFF, rate & 0xFFFFFFFF,
                      (rate * align) & 0xFFFFFFFF, align, bits & 0xFFFF)
    fmt_chunk = b"fmt " + struct.pack("<I", fmt_size if fmt_size is not None else len(fmt)) + fmt
    body = b"WAVE" + fmt_chunk + extra_chunks + b"data" + struct.pack(
        "<I", (data_size if data_size is not None else len(data)) & 0xFFFFFFFF) + data
    return b"RIFF" + struct.pack("<I", (riff_size if riff_size is not None else len(body)) & 0xFFFFFFFF) + body


def _tone(frames: int = 4800, freq: float = 440.0) -> np.ndarray:
    t = np.arange(frames) / RATE
    return (0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _float_wav(samples: np.ndarray) -> bytes:
    return wav_bytes(tag=3, bits=32, data=samples.astype("<f4").tobytes())


def _soundfile_bytes(fmt: str, subtype: str | None, samples: np.ndarray, rate: int = RATE) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, samples, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def wav_cases() -> list[Case]:
    c = []
    def add(name: str, data: bytes) -> None:
        c.append(Case(name, data, "audio"))
    good = wav_bytes()
    add("valid_silence.wav", good)
    add("valid_tone_float.wav", _float_wav(_tone()))
    add("empty.wav", b"")
    add("garbage.wav", _garbage(4096, 1))
    add("riff_only.wav", b"RIFF")
    add("header_only.wav", good[:44])
    for cut in (12, 20, 30, 40, 100, len(good) // 2, len(good) - 1):
        add(f"truncated_{cut}.wav", good[:cut])
    add("data_size_max.wav", wav_bytes(data_size=0xFFFFFFFF))
    add("riff_size_max.wav", wav_bytes(riff_size=0xFFFFFFFF))
    add("both_sizes_max.wav", wav_bytes(data_size=0xFFFFFFFF, riff_size=0xFFFFFFFF))
    add("data_size_max_no_data.wav", wav_bytes(data=b"", data_size=0xFFFFFFFF))
    add("data_size_zero.wav", wav_bytes(data_size=0))
    add("float_data_size_max.wav", wav_bytes(tag=3, bits=32, data=_tone(480).tobytes(), data_size=0xFFFFFFFF))
    for rate in (0, 1, 7999, 4_000_000, 0xFFFFFFFF):
        add(f"rate_{rate}.wav", wav_bytes(rate=rate))
    for ch in (0, 3, 64, 65535):
        add(f"channels_{ch}.wav", wav_bytes(channels=ch, frames=48))
    add("channels_64_max_size.wav", wav_bytes(channels=64, frames=4, data_size=0xFFFFFFFF))
    for bits in (0, 1, 7, 12, 20, 48, 64, 65535):
        add(f"bits_{bits}.wav", wav_bytes(bits=bits, frames=100))
    add("block_align_0.wav", wav_bytes(block_align=0))
    add("block_align_huge.wav", wav_bytes(block_align=0xFFFF))
    for tag in (0, 2, 0x11, 0x55, 0xFFFE, 0xFFFF):
        add(f"format_tag_{tag:#x}.wav", wav_bytes(tag=tag, frames=100))
    add("fmt_size_huge.wav", wav_bytes(fmt_size=0xFFFFFFF0))
    add("fmt_size_zero.wav", wav_bytes(fmt_size=0))
    add("list_chunk_huge.wav", wav_bytes(extra_chunks=b"LIST" + struct.pack("<I", 0xFFFFFFF0) + b"INFO"))
    add("two_fmt_chunks.wav", wav_bytes(extra_chunks=b"fmt " + struct.pack("<I", 16) +
                                        struct.pack("<HHIIHH", 1, 2, 1, 4, 4, 16)))
    nan = _tone(4800)
    nan[::7] = np.nan
    nan[3::11] = np.inf
    add("some_nan_inf.wav", _float_wav(nan))
    add("all_nan.wav", _float_wav(np.full(4800, np.nan, np.float32)))
    add("all_inf.wav", _float_wav(np.full(4800, -np.inf, np.float32)))
    huge = _tone(4800) * np.float32(1e30)
    add("float_huge_values.wav", _float_wav(huge))
    double = wav_bytes(tag=3, bits=64, data=np.full(480, np.nan, "<f8").tobytes())
    add("double_nan.wav", double)
    add("garbage_tail.wav", good + _garbage(3000, 2))
    return c


# --- FLAC / AIFF / OGG / MP3 ----------------------------------------------------------------------------
def _truncations(prefix: str, ext: str, data: bytes, family: str = "audio") -> list[Case]:
    cuts = sorted({4, 8, 16, 42, len(data) // 3, len(data) // 2, len(data) - 3})
    return [Case(f"{prefix}_truncated_{n}{ext}", data[:n], family) for n in cuts if 0 < n < len(data)]


def _flip(data: bytes, seed: int, count: int, start: int = 0) -> bytes:
    rng = random.Random(seed)
    b = bytearray(data)
    for _ in range(count):
        i = rng.randrange(start, len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def flac_cases() -> list[Case]:
    good = _soundfile_bytes("FLAC", "PCM_16", _tone(4800))
    c = [Case("valid.flac", good, "audio"), Case("empty.flac", b"", "audio"),
         Case("garbage.flac", b"fLaC" + _garbage(2000, 3), "audio")]
    c += _truncations("flac", ".flac", good)
    # STREAMINFO starts at byte 8: min/max block (2+2), min/max frame (3+3), then 20 bits rate,
    # 3 bits channels-1, 5 bits bps-1, 36 bits total samples.
    si = 8 + 10

    def patched(rate: int, ch: int, bps: int, total: int) -> bytes:
        packed = (rate << 44) | ((ch - 1) << 41) | ((bps - 1) << 36) | total
        b = bytearray(good)
        b[si:si + 8] = packed.to_bytes(8, "big")
        return bytes(b)

    c.append(Case("flac_rate_0.flac", patched(0, 1, 16, 4800), "audio"))
    c.append(Case("flac_rate_1.flac", patched(1, 1, 16, 4800), "audio"))
    c.append(Case("flac_rate_max.flac", patched((1 << 20) - 1, 1, 16, 4800), "audio"))
    c.append(Case("flac_total_max.flac", patched(RATE, 1, 16, (1 << 36) - 1), "audio"))
    c.append(Case("flac_channels_8.flac", patched(RATE, 8, 16, 4800), "audio"))
    c.append(Case("flac_bps_32.flac", patched(RATE, 1, 32, 4800), "audio"))
    c.append(Case("flac_bitflips.flac", _flip(good, 4, 40, start=60), "audio"))
    return c


def _aiff_comm(channels: int, frames: int, bits: int, rate_ext: bytes) -> bytes:
    return b"COMM" + struct.pack(">IhIh", 18, channels, frames & 0xFFFFFFFF, bits) + rate_ext


def _ext80(value: float) -> bytes:
    """IEEE 754 80-bit extended (big-endian) as AIFF stores sample rates."""
    if value == 0:
        return bytes(10)
    import math

    m, e = math.frexp(value)
    return struct.pack(">HQ", (e + 16382) & 0x7FFF, int(m * (1 << 64)) & 0xFFFFFFFFFFFFFFFF)


def aiff_bytes(*, channels: int = 1, frames: int = 4800, bits: int = 16, rate_ext: bytes | None = None,
               ssnd_size: int | None = None, data: bytes | None = None) -> bytes:
    if data is None:
        data = bytes(max(0, frames) * max(1, channels) * max(1, bits // 8)) if frames < 10**6 else b"\0" * 960
    ssnd = b"SSND" + struct.pack(">III", ssnd_size if ssnd_size is not None else len(data) + 8, 0, 0) + data
    body = b"AIFF" + _aiff_comm(channels, frames, bits, rate_ext or _ext80(RATE)) + ssnd
    return b"FORM" + struct.pack(">I", len(body)) + body


def aiff_cases() -> list[Case]:
    good = aiff_bytes()
    c = [Case("valid.aiff", good, "audio"), Case("empty.aif", b"", "audio"),
         Case("garbage.aiff", b"FORM" + _garbage(1000, 5), "audio")]
    c += _truncations("aiff", ".aiff", good)
    c.append(Case("aiff_frames_max.aiff", aiff_bytes(frames=0xFFFFFFFF), "audio"))
    c.append(Case("aiff_ssnd_size_max.aiff", aiff_bytes(ssnd_size=0xFFFFFFFF), "audio"))
    c.append(Case("aiff_rate_0.aiff", aiff_bytes(rate_ext=_ext80(0)), "audio"))
    c.append(Case("aiff_rate_1.aiff", aiff_bytes(rate_ext=_ext80(1)), "audio"))
    c.append(Case("aiff_rate_huge.aiff", aiff_bytes(rate_ext=_ext80(1e300)), "audio"))
    c.append(Case("aiff_rate_nan.aiff", aiff_bytes(rate_ext=b"\x7f\xff" + b"\xc0" + bytes(7)), "audio"))
    for ch in (0, 64, -1):
        c.append(Case(f"aiff_channels_{ch}.aiff", aiff_bytes(channels=ch, frames=48), "audio"))
    for bits in (0, 7, 33, 64):
        c.append(Case(f"aiff_bits_{bits}.aiff", aiff_bytes(bits=bits, frames=48), "audio"))
    return c


def ogg_cases() -> list[Case]:
    good = _soundfile_bytes("OGG", "VORBIS", _tone(9600))
    c = [Case("valid.ogg", good, "audio"), Case("empty.ogg", b"", "audio"),
         Case("garbage.ogg", b"OggS" + _garbage(3000, 6), "audio")]
    c += _truncations("ogg", ".ogg", good)
    c.append(Case("ogg_bitflips.ogg", _flip(good, 7, 30, start=200), "audio"))
    return c


def mp3_cases() -> list[Case]:
    good = _soundfile_bytes("MP3", "MPEG_LAYER_III", _tone(9600))
    c = [Case("valid.mp3", good, "audio"), Case("empty.mp3", b"", "audio"),
         Case("garbage.mp3", _garbage(3000, 8), "audio"),
         Case("sync_words_only.mp3", b"\xff\xfb\x90\x64" * 2000, "audio")]
    c += _truncations("mp3", ".mp3", good)
    huge_id3 = b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + b"TXXX" + b"\x7f\x7f\x7f\x7f\x00\x00" + b"\x03x\x00y"
    c.append(Case("id3_size_max.mp3", huge_id3 + good, "audio"))
    c.append(Case("id3_twice.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00" * 2 + good, "audio"))
    c.append(Case("mp3_bitflips.mp3", _flip(good, 9, 40, start=100), "audio"))
    return c


# --- tags (ID3 in WAV/MP3, Vorbis comments in FLAC) --------------------------------------------------------
def _tagged(ext: str, base: bytes, edit: Callable[[Path], None], folder: Path) -> bytes:
    path = folder / f"tagged{ext}"
    path.write_bytes(base)
    edit(path)
    return path.read_bytes()


def tag_cases(folder: Path) -> list[Case]:
    """Huge, duplicated, NUL-split and oddly encoded tags (written with mutagen, then a few raw edits)."""
    from mutagen.flac import FLAC
    from mutagen.id3 import COMM, PRIV, TIT2, TXXX
    from mutagen.wave import WAVE

    wav = wav_bytes()
    flac = _soundfile_bytes("FLAC", "PCM_16", _tone(4800))
    mp3 = _soundfile_bytes("MP3", "MPEG_LAYER_III", _tone(9600))
    marker = "ACCORD_PROVENANCE"

    def id3(frames_fn):
        def edit(p: Path) -> None:
            f = WAVE(str(p)) if p.suffix == ".wav" else __import__("mutagen.mp3", fromlist=["MP3"]).MP3(str(p))
            if f.tags is None:
                f.add_tags()
            for fr in frames_fn():
                f.tags.add(fr)
            f.save()
        return edit

    big = "x" * 2_000_000
    c = []
    for ext, base in ((".wav", wav), (".mp3", mp3)):
        stem = ext[1:]
        c.append(Case(f"tag_huge_title_{stem}{ext}", _tagged(ext, base, id3(lambda: [TIT2(encoding=3, text=[big])]),
                                                               folder), "audio"))
        c.append(Case(f"tag_nul_split_{stem}{ext}", _tagged(ext, base, id3(lambda: [
            TXXX(encoding=3, desc=marker, text=['{"a":1}', '{"b":2}']),
            COMM(encoding=1, lang="eng", desc="x\x00y", text=["a\x00b\x00c"])]), folder), "audio"))
        c.append(Case(f"tag_utf16_{stem}{ext}", _tagged(ext, base, id3(lambda: [
            TIT2(encoding=1, text=["\ud7ff\u00e9\u4e2d\U0001f3b5"]),
            TXXX(encoding=2, desc="odd", text=["\u00ff\u0100"])]), folder), "audio"))
        c.append(Case(f"tag_priv_garbage_{stem}{ext}", _tagged(ext, base, id3(lambda: [
            PRIV(owner=marker, data=_garbage(5000, 10))]), folder), "audio"))
    # Raw damage: an ID3 chunk in WAV whose size field lies; two ID3 chunks.
    id3_chunk = b"id3 " + struct.pack("<I", 0xFFFFFFF0) + b"ID3\x04\x00\x00\x00\x00\x01\x00"
    c.append(Case("wav_id3_chunk_size_max.wav", wav + id3_chunk, "audio"))
    small_id3 = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"TIT2\x00\x00\x00\x02\x00\x00\x03a"
    two = wav + (b"id3 " + struct.pack("<I", len(small_id3)) + small_id3) * 2
    c.append(Case("wav_two_id3_chunks.wav", two, "audio"))

    def vorbis(values: dict[str, list[str]]):
        def edit(p: Path) -> None:
            f = FLAC(str(p))
            if f.tags is None:
                f.add_tags()
            for k, v in values.items():
                f.tags[k] = v
            f.save()
        return edit

    c.append(Case("tag_huge_vorbis.flac", _tagged(".flac", flac, vorbis({"TITLE": [big]}), folder), "audio"))
    c.append(Case("tag_dup_vorbis.flac", _tagged(".flac", flac, vorbis({marker: ["{}", "{}", "x"],
                                                                        "title": ["a", "b"]}), folder), "audio"))
    c.append(Case("tag_nul_vorbis.flac", _tagged(".flac", flac, vorbis({"TITLE": ["a\x00b"],
                                                                        marker: ["\x00{}"]}), folder), "audio"))
    # A Vorbis comment block whose count field claims 2**32-1 comments.
    b = bytearray(flac)
    pos = b.find(b"reference libFLAC")
    if pos > 0:
        vendor_len_at = pos - 4
        vendor_len = struct.unpack("<I", b[vendor_len_at:pos])[0]
        count_at = pos + vendor_len
        b[count_at:count_at + 4] = b"\xff\xff\xff\xff"
        c.append(Case("vorbis_count_max.flac", bytes(b), "audio"))
    return c


# --- MIDI ----------------------------------------------------------------------------------------------
def vlq(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def midi_bytes(tracks: list[bytes], *, fmt: int = 1, division: int = 480, ntracks: int | None = None,
               header_len: int = 6, track_lens: list[int] | None = None) -> bytes:
    head = b"MThd" + struct.pack(">IHHH", header_len, fmt, len(tracks) if ntracks is None else ntracks,
                                 division & 0xFFFF)
    body = b""
    for i, t in enumerate(tracks):
        size = len(t) if track_lens is None else track_lens[i]
        body += b"MTrk" + struct.pack(">I", size & 0xFFFFFFFF) + t
    return head + body


END = b"\x00\xff\x2f\x00"


def notes_track(n: int = 8, *, channel: int = 0, delta: int = 240, pitch0: int = 60) -> bytes:
    t = b""
    for i in range(n):
        p = pitch0 + (i * 2) % 12
        t += vlq(0) + bytes([0x90 | channel, p, 90]) + vlq(delta) + bytes([0x80 | channel, p, 0])
    return t + END


def midi_cases() -> list[Case]:
    tempo = b"\x00\xff\x51\x03\x07\xa1\x20"
    good = midi_bytes([tempo + END, b"\x00\xff\x03\x04Lead" + notes_track()])
    c = []
    def add(name: str, data: bytes) -> None:
        c.append(Case(name, data, "midi"))
    add("valid.mid", good)
    add("valid_type0.mid", midi_bytes([tempo + notes_track()], fmt=0))
    add("empty.mid", b"")
    add("garbage.mid", _garbage(2048, 11))
    add("mthd_only.mid", b"MThd")
    c += [Case(x.name, x.data, "midi") for x in _truncations("midi", ".mid", good, "midi")]
    add("header_len_0.mid", midi_bytes([notes_track()], header_len=0))
    add("header_len_5.mid", midi_bytes([notes_track()], header_len=5))
    add("header_len_max.mid", midi_bytes([notes_track()], header_len=0xFFFFFFFF))
    add("track_len_max.mid", midi_bytes([notes_track()], track_lens=[0xFFFFFFFF]))
    add("track_len_short.mid", midi_bytes([notes_track()], track_lens=[5]))
    add("track_len_zero.mid", midi_bytes([notes_track()], track_lens=[0]))
    add("ntracks_65535.mid", midi_bytes([notes_track()], ntracks=65535))
    add("ntracks_0.mid", midi_bytes([notes_track()], ntracks=0))
    add("running_status_first.mid", midi_bytes([b"\x00\x3c\x40" + END]))
    add("running_status_after_meta.mid", midi_bytes([b"\x00\x90\x3c\x40" + tempo + b"\x10\x3c\x00" + END]))
    add("data_byte_as_status.mid", midi_bytes([b"\x00\x90\x3c\x40\x10\x80\x3c" + END]))
    add("huge_delta.mid", midi_bytes([b"\x00\x90\x3c\x40" + vlq(0x0FFFFFFF) + b"\x80\x3c\x00" + END]))
    add("overlong_vlq.mid", midi_bytes([b"\x00\x90\x3c\x40" + b"\xff" * 64 + b"\x00\x80\x3c\x00" + END]))
    add("many_huge_deltas.mid", midi_bytes([(vlq(0x0FFFFFFF) + b"\x90\x3c\x40" + vlq(0x0FFFFFFF) + b"\x80\x3c\x00")
                                            * 2000 + END]))
    add("format_2.mid", midi_bytes([notes_track(), notes_track()], fmt=2))
    add("format_3.mid", midi_bytes([notes_track()], fmt=3))
    add("format_65535.mid", midi_bytes([notes_track()], fmt=65535))
    add("division_0.mid", midi_bytes([notes_track()], division=0))
    add("division_smpte.mid", midi_bytes([notes_track()], division=0xE728))
    add("tempo_0.mid", midi_bytes([b"\x00\xff\x51\x03\x00\x00\x00" + notes_track()], fmt=0))
    add("tempo_bad_len.mid", midi_bytes([b"\x00\xff\x51\x01\x00" + notes_track()], fmt=0))
    add("meta_len_max.mid", midi_bytes([b"\x00\xff\x01" + vlq(0x0FFFFFFF) + b"abc" + END]))
    add("sysex_unterminated.mid", midi_bytes([b"\x00\xf0\x05\x7e\x7f" + END]))
    add("sysex_len_max.mid", midi_bytes([b"\x00\xf0" + vlq(0x0FFFFFFF) + END]))
    add("key_signature_bad.mid", midi_bytes([b"\x00\xff\x59\x02\x09\x00" + notes_track()], fmt=0))
    add("time_signature_zero.mid", midi_bytes([b"\x00\xff\x58\x04\x00\x00\x18\x08" + notes_track()], fmt=0))
    add("time_signature_huge_denominator.mid",
        midi_bytes([b"\x00\xff\x58\x04\x04\xff\x18\x08" + notes_track()], fmt=0))
    add("drums_only.mid", midi_bytes([notes_track(channel=9)], fmt=0))
    add("no_notes.mid", midi_bytes([tempo + END], fmt=0))
    add("notes_never_released.mid", midi_bytes([b"".join(b"\x00\x90" + bytes([60 + i, 90]) for i in range(20))
                                                + b"\x60\xff\x2f\x00"], fmt=0))
    add("note_off_without_on.mid", midi_bytes([b"\x00\x80\x3c\x00" * 100 + END], fmt=0))
    add("no_end_of_track.mid", midi_bytes([notes_track()[:-4]], fmt=0))
    events = (b"\x00\x90\x3c\x40\x01\x80\x3c\x00") * 100_000  # 200,000 events
    add("200k_events.mid", midi_bytes([events + END], fmt=0))
    chords = b"".join(b"\x00\x90" + bytes([p, 80]) for p in range(128)) + \
        b"\x10" + b"".join(b"\x00\x80" + bytes([p, 0]) if i else b"\x80" + bytes([p, 0]) for i, p in enumerate(range(128)))
    add("128_note_chords.mid", midi_bytes([chords * 200 + END], fmt=0))
    add("500_tracks.mid", midi_bytes([notes_track(2)] * 500))
    add("lead_named_nul.mid", midi_bytes([b"\x00\xff\x03\x09Le\x00ad\xff\xfe\x00" + notes_track()], fmt=0))
    add("track_name_huge.mid", midi_bytes([b"\x00\xff\x03" + vlq(900_000) + b"\xe9" * 900_000 + notes_track()],
                                          fmt=0))
    add("chunk_garbage_between.mid", good[:14] + b"XXXX\x00\x00\x00\x04abcd" + good[14:])
    add("bitflips.mid", _flip(good, 12, 12, start=14))
    return c


# --- MusicXML ------------------------------------------------------------------------------------------
def musicxml_doc(notes: str, *, divisions: str = "1") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><score-partwise version="3.1"><part-list><score-part id="P1">'
            f'<part-name>Voice</part-name></score-part></part-list><part id="P1"><measure number="1">'
            f'<attributes><divisions>{divisions}</divisions><time><beats>4</beats><beat-type>4</beat-type></time>'
            f'</attributes>{notes}</measure></part></score-partwise>').encode()


def xml_note(step: str = "C", octave: str = "4", duration: str = "1") -> str:
    return f"<note><pitch><step>{step}</step><octave>{octave}</octave></pitch><duration>{duration}</duration></note>"


def musicxml_cases() -> list[Case]:
    good = musicxml_doc("".join(xml_note(s) for s in "CDEF"))
    c = []
    def add(name: str, data: bytes) -> None:
        c.append(Case(name, data, "musicxml"))
    add("valid.musicxml", good)
    add("empty.musicxml", b"")
    add("garbage.musicxml", _garbage(1500, 13))
    add("not_xml.musicxml", b"hello, this is not XML at all <<<")
    add("truncated.musicxml", good[: len(good) // 2])
    add("plain.xml", b"<?xml version='1.0'?><root/>")
    add("no_notes.musicxml", musicxml_doc(""))
    add("bad_step.musicxml", musicxml_doc(xml_note(step="Q")))
    add("octave_huge.musicxml", musicxml_doc(xml_note(octave="99999999")))
    add("duration_negative.musicxml", musicxml_doc(xml_note(duration="-4")))
    add("duration_nan.musicxml", musicxml_doc(xml_note(duration="NaN")))
    add("divisions_zero.musicxml", musicxml_doc(xml_note(), divisions="0"))
    add("deep_nesting.musicxml", b"<score-partwise>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</score-partwise>")
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
           b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
                    for i in range(1, 10)) + b']><score-partwise>&lol9;</score-partwise>')
    add("entity_expansion.musicxml", lol)
    add("external_entity.musicxml", b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                    b'<score-partwise>&x;</score-partwise>')
    add("utf16.musicxml", good.decode().replace("UTF-8", "UTF-16").encode("utf-16"))
    add("latin1_declared_utf8.musicxml", musicxml_doc(xml_note()).replace(b"Voice", b"Vo\xefce"))
    add("zip_garbage.mxl", b"PK\x03\x04" + _garbage(500, 14))
    add("empty.mxl", b"")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("META-INF/container.xml", '<container><rootfiles><rootfile full-path="s.xml"/></rootfiles>'
                                              '</container>')
        zf.writestr("s.xml", b"\x00" * 50_000_000)  # 50 MB of zeros: compresses to ~50 KB
    add("zip_bomb_small.mxl", buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("META-INF/container.xml", '<container><rootfiles><rootfile full-path="../../x.xml"/>'
                                              '</rootfiles></container>')
    add("zip_rootfile_outside.mxl", buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("META-INF/container.xml", '<container><rootfiles><rootfile full-path="s.xml"/></rootfiles>'
                                              '</container>')
        zf.writestr("s.xml", good)
    add("valid.mxl", buf.getvalue())
    return c


# --- projects, models, keys ----------------------------------------------------------------------------
def project_doc(**over) -> dict:
    doc = {"format": "accord-project", "version": 1, "name": "Song", "sample_rate": 48000, "stems": [
        {"id": "s1", "name": "drums", "path": "stems/drums.wav", "gain_db": 0.0, "pan": 0.0}]}
    doc.update(over)
    return doc


def project_cases() -> list[Case]:
    c = []
    def add(name: str, data: bytes) -> None:
        c.append(Case(name, data, "project"))
    def j(d: dict) -> bytes:
        return json.dumps(d).encode()

    add("valid.accord", j(project_doc()))
    add("empty.accord", b"")
    add("garbage.accord", _garbage(3000, 15))
    add("not_utf8.accord", b'{"format": "accord-project", "name": "\xff\xfe"}')
    add("json_list.accord", b"[1, 2, 3]")
    add("truncated.accord", j(project_doc())[:40])
    add("deep_nesting.accord", b"[" * 200_000 + b"]" * 200_000)
    add("nan.accord", j(project_doc()).replace(b'"sample_rate": 48000', b'"sample_rate": NaN'))
    add("newer_version.accord", j(project_doc(version=99)))
    add("sample_rate_0.accord", j(project_doc(sample_rate=0)))
    add("sample_rate_huge.accord", j(project_doc(sample_rate=10**30)))
    add("stems_600.accord", j(project_doc(stems=[{"id": f"s{i}", "path": f"{i}.wav"} for i in range(600)])))
    add("stems_wrong_type.accord", j(project_doc(stems={"a": 1})))
    add("stem_path_nul.accord", j(project_doc(stems=[{"id": "s1", "path": "a\x00b.wav"}])))
    add("stem_gain_string.accord", j(project_doc(stems=[{"id": "s1", "path": "a.wav", "gain_db": "loud"}])))
    add("stem_dup_ids.accord", j(project_doc(stems=[{"id": "s1", "path": "a.wav"}, {"id": "s1", "path": "b.wav"}])))
    add("name_huge.accord", j(project_doc(name="n" * 5_000_000)))
    add("chords_huge.accord", j(project_doc(chords=[[i, i + 1, "C"] for i in range(30_000)])))
    add("chords_bad.accord", j(project_doc(chords=[[4, 1, "Xyz#b7"]])))
    add("suggestions_not_objects.accord", j(project_doc(suggestions=[1, 2, 3])))
    add("time_signature_bad.accord", j(project_doc(time_signature="0/0")))
    add("key_bad.accord", j(project_doc(key="H super-locrian")))
    add("loop_backwards.accord", j(project_doc(loop={"start": 5, "end": 1})))
    add("huge_number.accord", j(project_doc()).replace(b'"gain_db": 0.0', b'"gain_db": 1' + b"0" * 5000))
    add("big_file.accord", b'{"format": "accord-project", "pad": "' + b"x" * (33 * 1024 * 1024) + b'"}')
    return c


def _npy(shape: tuple, dtype: str = "<i8", body: bytes = b"", fortran: bool = False) -> bytes:
    header = repr({"descr": dtype, "fortran_order": fortran, "shape": shape}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


def _model_zip(manifest: bytes | None, events: bytes | None, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if manifest is not None:
            zf.writestr("manifest.json", manifest)
        if events is not None:
            zf.writestr("events.npz", events)
        for k, v in (extra or {}).items():
            zf.writestr(k, v)
    return buf.getvalue()


def _npz(arrays: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in arrays.items():
            zf.writestr(f"{k}.npy", v)
    return buf.getvalue()


def model_cases(valid_model: bytes | None = None) -> list[Case]:
    import hashlib

    arrays = ("work_ids", "offsets", "pitch", "dur", "onset", "bar", "tonic")
    c = []
    def add(name: str, data: bytes) -> None:
        c.append(Case(name, data, "model"))
    if valid_model:
        add("valid.accordmodel", valid_model)
        with zipfile.ZipFile(io.BytesIO(valid_model)) as zf:
            good_manifest, good_events = json.loads(zf.read("manifest.json")), zf.read("events.npz")
        for key, value in (("version", float("inf")), ("version", -1), ("model_id", None), ("works", {}),
                           ("settings", [])):  # found by test_fuzz: "version": Infinity raised OverflowError
            add(f"regression_manifest_{key}_{value}.accordmodel",
                _model_zip(json.dumps(dict(good_manifest, **{key: value})).encode(), good_events))
        c += [Case(x.name, x.data, "model") for x in _truncations("model", ".accordmodel", valid_model, "model")]
        add("bitflips.accordmodel", _flip(valid_model, 16, 20, start=40))
    manifest = {"format": "accord-model", "format_version": 1, "model_id": "m", "version": 1, "created_at": "x",
                "settings": {}, "works": [], "fingerprint": "0" * 64}

    def with_events(events: bytes, **over) -> bytes:
        m = dict(manifest, events_sha256=hashlib.sha256(events).hexdigest(), **over)
        return _model_zip(json.dumps(m).encode(), events)

    add("empty.accordmodel", b"")
    add("garbage.accordmodel", _garbage(4000, 17))
    add("zip_empty.accordmodel", _model_zip(None, None))
    add("manifest_only.accordmodel", _model_zip(json.dumps(manifest).encode(), None))
    add("extra_member.accordmodel", _model_zip(b"{}", b"", {"evil.pkl": b"\x80\x04."}))
    add("manifest_garbage.accordmodel", _model_zip(_garbage(300, 18), b""))
    add("manifest_list.accordmodel", _model_zip(b"[]", b""))
    huge = _npy((2 ** 40,))
    add("array_claims_8tb.accordmodel", with_events(_npz({a: huge for a in arrays})))
    add("array_claims_1e6_rows_2d.accordmodel", with_events(_npz({a: _npy((10**6, 10**6)) for a in arrays})))
    pickled = _npy((3,), dtype="|O", body=b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00]\x94.")
    add("object_array.accordmodel", with_events(_npz({a: pickled for a in arrays})))
    add("fortran_array.accordmodel", with_events(_npz({a: _npy((0,), fortran=True) for a in arrays})))
    add("float_array.accordmodel", with_events(_npz({a: _npy((1,), "<f8", b"\0" * 8) for a in arrays})))
    add("npy_v3.accordmodel", with_events(_npz({a: b"\x93NUMPY\x03\x00" + b"\0" * 20 for a in arrays})))
    add("npz_missing_arrays.accordmodel", with_events(_npz({"pitch": _npy((0,))})))
    ok_empty = {a: _npy((0,)) for a in arrays}
    ok_empty["offsets"] = _npy((1,), body=b"\0" * 8)
    add("events_hash_mismatch.accordmodel",
        _model_zip(json.dumps(dict(manifest, events_sha256="0" * 64)).encode(), _npz(ok_empty)))
    add("format_version_99.accordmodel", with_events(_npz(ok_empty), format_version=99))
    add("works_mismatch.accordmodel", with_events(_npz(ok_empty), works=[{"id": 1}]))
    # A zip member whose local header claims 4 GiB uncompressed (a zip-bomb claim) and stored data that lies.
    z = bytearray(_model_zip(json.dumps(manifest).encode(), b"x" * 100))
    i = z.find(b"PK\x01\x02")
    while i >= 0:
        z[i + 24:i + 28] = b"\xff\xff\xff\x7f"  # central directory: uncompressed size
        i = z.find(b"PK\x01\x02", i + 4)
    add("zip_size_claims_2gb.accordmodel", bytes(z))
    return c


def key_cases() -> list[Case]:
    c = []
    def add(name: str, data: bytes) -> None:
        c.append(Case(name, data, "key"))
    add("identity_empty.json", b"")
    add("identity_garbage.json", _garbage(500, 19))
    add("identity_list.json", b"[]")
    add("identity_bad_base64.json", json.dumps({"format": "accord-identity", "name": "A",
                                                "privateKey": "***"}).encode())
    add("identity_short_key.json", json.dumps({"format": "accord-identity", "name": "A",
                                               "privateKey": "AAAA"}).encode())
    add("identity_keyid_mismatch.json", json.dumps({"format": "accord-identity", "name": "A", "keyId": "beef",
                                                    "privateKey": "A" * 43 + "="}).encode())
    add("identity_huge.json", b'{"name": "' + b"a" * 200_000 + b'"}')
    add("identity_name_object.json", json.dumps({"name": {"x": 1}, "privateKey": "A" * 43 + "="}).encode())
    add("public_garbage.pem", b"-----BEGIN PUBLIC KEY-----\n" + _garbage(60, 20) + b"\n-----END PUBLIC KEY-----\n")
    add("public_empty.pem", b"")
    add("public_wrong_format.json", json.dumps({"format": "something-else", "publicKey": "AA=="}).encode())
    add("public_short.json", json.dumps({"format": "accord-public-key", "name": "x", "publicKey": "AAAA"}).encode())
    add("public_huge.json", b"{" + b" " * 100_000 + b"}")
    add("trust_list_damaged.json", json.dumps({"format": "accord-trust-list", "keys": [{"name": "x"}]}).encode())
    add("trust_list_not_list.json", json.dumps({"format": "accord-trust-list", "keys": 5}).encode())
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        add("public_not_ed25519.pem", pem)
    except ImportError:  # cryptography is a dependency; kept defensive for a stripped environment
        pass
    return c


def catalogue_cases(folder: Path) -> list[Case]:
    """Damaged catalogues (the user's own file after a disk error, or someone else's database)."""
    import sqlite3

    from tests.reliability.builders import catalogue_with_works

    path = folder / "corpus-catalogue.sqlite"
    catalogue_with_works(path, 5)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    good = path.read_bytes()
    c = []

    def add(name: str, data: bytes) -> None:
        c.append(Case(name, data, "catalogue"))

    add("valid.sqlite", good)
    add("empty.sqlite", b"")
    add("garbage.sqlite", _garbage(8192, 21))
    add("header_only.sqlite", good[:100])
    for cut in (1024, 4096, len(good) // 2, len(good) - 100):
        add(f"truncated_{cut}.sqlite", good[:cut])
    for seed in range(8):
        add(f"bitflips_{seed}.sqlite", _flip(good, 100 + seed, 1 + 4 * seed, start=100))
    b = bytearray(good)
    b[16:18] = b"\x00\x03"  # page size 3: impossible
    add("page_size_3.sqlite", bytes(b))
    b = bytearray(good)
    b[60:64] = struct.pack(">I", 99)  # user_version: a newer Accord
    add("newer_schema.sqlite", bytes(b))
    b = bytearray(good)
    b[68:72] = struct.pack(">I", 0x12345678)  # application_id: another program's database
    add("other_application.sqlite", bytes(b))
    b = bytearray(good)
    b[28:32] = struct.pack(">I", 0xFFFFFFFF)  # database size in pages
    add("page_count_max.sqlite", bytes(b))
    return c


def wrong_extension_cases(audio: bytes, midi: bytes, project: bytes) -> list[Case]:
    """Valid content under someone else's extension, and extensions Accord does not know."""
    return [Case("midi_named.wav", midi, "audio"), Case("wav_named.mid", audio, "midi"),
            Case("wav_named.mp3", audio, "audio"), Case("wav_named.flac", audio, "audio"),
            Case("wav_named.ogg", audio, "audio"), Case("wav_named.aiff", audio, "audio"),
            Case("wav_named.accord", audio, "project"), Case("project_named.wav", project, "audio"),
            Case("wav_named.musicxml", audio, "musicxml"), Case("wav_named.accordmodel", audio, "model"),
            Case("no_extension", audio, "audio"), Case("unknown.xyz", audio, "audio"),
            Case("WAV_UPPER.WAV", audio, "audio"), Case("midi_named.pem", midi, "key")]


def regressions() -> list[Case]:
    """Inputs found by fuzzing (test_fuzz.py) that once broke a reader; kept so they never come back."""
    return [
        # mido: a 0-length tempo meta event raised IndexError deep inside mido.
        Case("regression_tempo_len0.mid", midi_bytes([b"\x00\xff\x51\x00" + notes_track()], fmt=0), "midi"),
        # A WAV with a 'data' chunk before 'fmt ': libsndfile reports "no fmt chunk".
        Case("regression_data_before_fmt.wav", b"RIFF\x24\x00\x00\x00WAVEdata\x00\x00\x00\x00fmt \x10\x00\x00\x00"
             + struct.pack("<HHIIHH", 1, 1, RATE, RATE * 2, 2, 16), "audio"),
    ]


def _zip_damage(data: bytes, how: str) -> bytes:
    """Damage every member of a zip: 'method' (unknown compression 99), 'encrypted' (flag bit 0), 'deflate'
    (corrupt the compressed stream of each member but keep sizes and CRCs)."""
    b = bytearray(data)
    for sig, method_at, flag_at in ((b"PK\x03\x04", 8, 6), (b"PK\x01\x02", 10, 8)):
        i = b.find(sig)
        while i >= 0:
            if how == "method":
                b[i + method_at:i + method_at + 2] = struct.pack("<H", 99)
            elif how == "encrypted":
                b[i + flag_at] |= 1
            i = b.find(sig, i + 4)
    if how == "deflate":
        i = b.find(b"PK\x03\x04")
        while i >= 0:
            name_len, extra_len = struct.unpack("<HH", b[i + 26:i + 30])
            start = i + 30 + name_len + extra_len
            b[start:start + 4] = b"\xff\xff\xff\xff"
            i = b.find(b"PK\x03\x04", i + 4)
    return bytes(b)


def zip_regressions(valid_model: bytes | None, valid_mxl: bytes) -> list[Case]:
    """Found by the corpus: a corrupt deflate stream in a model file escaped load_model as zlib.error."""
    out = []
    for how in ("method", "encrypted", "deflate"):
        if valid_model:
            out.append(Case(f"regression_zip_{how}.accordmodel", _zip_damage(valid_model, how), "model"))
        out.append(Case(f"regression_zip_{how}.mxl", _zip_damage(valid_mxl, how), "musicxml"))
    return out


def all_cases(folder: Path, *, valid_model: bytes | None = None) -> list[Case]:
    """The whole corpus (names are unique)."""
    cases = (wav_cases() + flac_cases() + aiff_cases() + ogg_cases() + mp3_cases() + tag_cases(folder)
             + midi_cases() + musicxml_cases() + project_cases() + model_cases(valid_model) + key_cases()
             + catalogue_cases(folder)
             + wrong_extension_cases(wav_bytes(), midi_cases()[0].data, project_cases()[0].data) + regressions()
             + zip_regressions(valid_model, next(c.data for c in musicxml_cases() if c.name == "valid.mxl")))
    names = [c.name for c in cases]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"duplicate corpus names: {sorted(dupes)}")
    return cases


def iter_by_family(cases: list[Case]) -> Iterator[tuple[str, list[Case]]]:
    fams: dict[str, list[Case]] = {}
    for c in cases:
        fams.setdefault(c.family, []).append(c)
    yield from sorted(fams.items())


def deflate_bomb(member_bytes: int = 1 << 30, *, name: str = "s.xml", others: dict[str, str] | None = None) -> bytes:
    """A zip whose member `name` inflates to `member_bytes` of zeros from ~1 MB, built in ~0.1 s: one
    full-flushed deflate block of 16 MB of zeros repeats byte for byte, so it is copied, not recomputed.
    By default an .mxl (with its container.xml); `others` replaces the extra members."""
    import zlib

    block = bytes(1 << 24)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    assert first[-len(again):] == again or len(again) <= len(first)
    count = member_bytes // len(block)
    stream = first + again * (count - 1) + co.flush()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        extra = others if others is not None else {
            "META-INF/container.xml": '<container><rootfiles><rootfile full-path="s.xml"/></rootfiles></container>'}
        for member, text in extra.items():
            zf.writestr(member, text)
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size, info.compress_size, info.CRC = count * len(block), len(stream), 0  # CRC checked last
        info.header_offset = zf.fp.tell()
        zf.fp.write(info.FileHeader(zip64=False))
        zf.fp.write(stream)
        zf.filelist.append(info)
        zf.NameToInfo[info.filename] = info
        zf.start_dir = zf.fp.tell()
    return buf.getvalue()
