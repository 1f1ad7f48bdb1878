"""FLAC: the stream must end where STREAMINFO says it does.

libsndfile (which Accord hashes with) stops at STREAMINFO's total sample count; ffmpeg and many players
decode every frame in the file. Frames appended after that count would change what people hear while
the hash stays the same, so the last frame is located from the end of the file — a frame header with a
valid CRC-8 whose frame CRC-16 matches the file's last two bytes — and its last sample must be the
declared total. Frame header layout: FLAC format specification (xiph.org/flac/format.html).
"""

from __future__ import annotations

from pathlib import Path

from app.core.errors import ProvenanceError

TAIL_BYTES = 1 << 20  # the last frame of any valid stream is far shorter


def _crc8_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
        table.append(c)
    return table


def _crc16_table() -> list[int]:
    table = []
    for i in range(256):
        c = i << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x8005) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
        table.append(c)
    return table


_CRC8 = _crc8_table()
_CRC16 = _crc16_table()


def _crc8(data: bytes) -> int:
    c = 0
    for b in data:
        c = _CRC8[c ^ b]
    return c


def _crc16(data: bytes) -> int:
    c = 0
    for b in data:
        c = ((c << 8) & 0xFFFF) ^ _CRC16[(c >> 8) ^ b]
    return c


def _streaminfo(head: bytes, path: Path) -> tuple[int, int]:
    """(fixed block size or 0, total samples) from the STREAMINFO block."""
    if head[:4] != b"fLaC" or len(head) < 42 or head[4] & 0x7F != 0:
        raise ProvenanceError("is not a FLAC stream starting with STREAMINFO", path=path)
    min_block = int.from_bytes(head[8:10], "big")
    max_block = int.from_bytes(head[10:12], "big")
    total = int.from_bytes(head[21:26], "big") & ((1 << 36) - 1)
    return (max_block if min_block == max_block else 0), total


def _header(tail: bytes, p: int) -> tuple[int, int, int] | None:
    """(coded number, block size, variable?) of a valid frame header at p, else None."""
    if p + 6 > len(tail) or tail[p] != 0xFF or tail[p + 1] not in (0xF8, 0xF9):
        return None
    variable = tail[p + 1] & 1
    bs_code, rate_code = tail[p + 2] >> 4, tail[p + 2] & 0x0F
    if bs_code == 0 or rate_code == 15 or (tail[p + 3] >> 4) > 10 or tail[p + 3] & 1:
        return None
    first = tail[p + 4]
    ones = 0
    while ones < 8 and first & (0x80 >> ones):
        ones += 1
    if ones == 1 or ones > 7:
        return None
    n_bytes = max(1, ones)
    number = first & (0x7F >> ones) if ones else first
    q = p + 5
    for _ in range(n_bytes - 1):
        if q >= len(tail) or tail[q] & 0xC0 != 0x80:
            return None
        number = (number << 6) | (tail[q] & 0x3F)
        q += 1
    if bs_code == 6:
        block = tail[q] + 1 if q < len(tail) else 0
        q += 1
    elif bs_code == 7:
        block = int.from_bytes(tail[q:q + 2], "big") + 1
        q += 2
    elif bs_code == 1:
        block = 192
    elif bs_code <= 5:
        block = 576 << (bs_code - 2)
    else:
        block = 256 << (bs_code - 8)
    q += {12: 1, 13: 2, 14: 2}.get(rate_code, 0)
    if q >= len(tail) or _crc8(tail[p:q]) != tail[q]:
        return None
    return number, block, variable


def check_flac_end(path: Path) -> None:
    """Raise ProvenanceError unless the last frame ends at STREAMINFO's total sample count."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
            while head[:3] == b"ID3" and len(head) >= 10:  # an ID3v2 tag before fLaC (C2PA puts its manifest there)
                skip = ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]) + 10 + (10 if head[5] & 0x10 else 0)
                fh.seek(fh.tell() - len(head) + skip)
                head = fh.read(64)
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read()
    except OSError as exc:
        raise ProvenanceError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    fixed, total = _streaminfo(head, path)
    if total == 0:  # unknown length: every reader decodes to the end of the stream
        return
    ends = [len(tail)]
    if tail[-128:-125] == b"TAG":  # an ID3v1 tag some taggers append
        ends.append(len(tail) - 128)
    for end in ends:
        if end < 8:
            continue
        want = tail[end - 2:end]
        for p in range(end - 8, -1, -1):
            if tail[p] != 0xFF:
                continue
            hdr = _header(tail, p)
            if hdr is None or _crc16(tail[p:end - 2]).to_bytes(2, "big") != want:
                continue
            number, block, variable = hdr
            start = number if variable else number * fixed
            if start + block != total and not (not variable and fixed and start < total <= start + block):
                raise ProvenanceError(f"has audio frames up to sample {start + block}, but its STREAMINFO says "
                                      f"{total}: players disagree on where it ends (frames appended?)", path=path)
            return
    raise ProvenanceError("has no valid FLAC frame at its end (damaged, or data appended after the stream)",
                          path=path)
