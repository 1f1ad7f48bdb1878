"""Audio cases: WAV (every header field can lie), FLAC, AIFF, OGG, MP3, M4A/AAC, and odd tags (ID3, Vorbis comments)."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.reliability.corpus_base import RATE, Case, _flip, _garbage, _truncations


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


# --- M4A / AAC (read through PyAV's FFmpeg) ----------------------------------------------------------------
def _m4a_bytes(ext: str, codec: str = "aac", *, faststart: bool = False) -> bytes:
    """A real one-second tone encoded by FFmpeg; `faststart` puts the index (moov) first, so a cut-off copy still
    has its index and decodes up to the cut."""
    import tempfile

    from tests.helpers.m4a import tone, write_m4a

    with tempfile.TemporaryDirectory() as folder:
        return write_m4a(Path(folder) / f"x{ext}", tone(1.0, RATE, level=0.3, channels=1), RATE, codec=codec,
                         faststart=faststart).read_bytes()


def m4a_cases() -> list[Case]:
    good, fast = _m4a_bytes(".m4a"), _m4a_bytes(".m4a", faststart=True)
    alac, adts = _m4a_bytes(".m4a", "alac"), _m4a_bytes(".aac")
    c = [Case("valid.m4a", good, "audio"), Case("valid_faststart.m4a", fast, "audio"),
         Case("valid_alac.m4a", alac, "audio"), Case("valid.aac", adts, "audio"),
         Case("empty.m4a", b"", "audio"), Case("garbage.m4a", _garbage(3000, 11), "audio"),
         Case("ftyp_only.m4a", good[:32], "audio"), Case("garbage.aac", _garbage(3000, 12), "audio"),
         Case("adts_sync_only.aac", b"\xff\xf1\x50\x80" * 2000, "audio"),
         Case("m4a_bitflips.m4a", _flip(good, 13, 40, start=64), "audio"),
         Case("faststart_bitflips.m4a", _flip(fast, 14, 40, start=2000), "audio"),
         Case("wav_named.m4a", wav_bytes(), "audio"), Case("m4a_named.wav", good, "audio")]
    c += _truncations("m4a", ".m4a", good) + _truncations("faststart", ".m4a", fast)
    c += _truncations("alac", ".m4a", alac) + _truncations("aac", ".aac", adts)
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


