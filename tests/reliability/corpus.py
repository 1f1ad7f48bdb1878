"""The bad-input corpus, generated (not checked in): every case is a file name and its bytes.

Each generator returns `Case`s for one format: empty, garbage, wrong extension, truncations, headers that lie
about sizes (frame/data counts up to 2**32-1), impossible sample rates / channel counts / bit depths, NaN and
infinite samples, MIDI structure damage, odd tags, and a few valid files (so "loads correctly" is exercised
too). Everything is deterministic (seeded) so a failing case can be reproduced by name.

Findings from fuzzing become regression cases here (see `regressions()`).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from tests.reliability.corpus_audio import (  # noqa: F401 — the corpus's public builders, in one namespace
    _soundfile_bytes,
    _tone,
    aiff_bytes,
    aiff_cases,
    flac_cases,
    m4a_cases,
    mp3_cases,
    ogg_cases,
    tag_cases,
    wav_bytes,
    wav_cases,
)
from tests.reliability.corpus_base import RATE, Case, _flip, _garbage, _truncations  # noqa: F401
from tests.reliability.corpus_files import (  # noqa: F401
    catalogue_cases,
    deflate_bomb,
    key_cases,
    model_cases,
    project_cases,
    project_doc,
)
from tests.reliability.corpus_music import (  # noqa: F401
    END,
    midi_bytes,
    midi_cases,
    musicxml_cases,
    musicxml_doc,
    notes_track,
    vlq,
    xml_note,
)


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
    cases = (wav_cases() + flac_cases() + aiff_cases() + ogg_cases() + mp3_cases() + m4a_cases() + tag_cases(folder)
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


