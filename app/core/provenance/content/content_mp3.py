"""MP3 content (`mp3-frames-v2`): every audio frame, found by walking frame headers, and nothing hidden.

- Leading ID3v2 tags are skipped; then frames are walked header by header (MPEG 1/2/2.5, layers I-III)
  to the last whole frame.
- The bytes after the last frame must be exactly a stack of known tags, each validated against its
  own size fields: ID3v1 (128 bytes), APEv2 (footer size and item count must fill the tag exactly,
  header matching when flagged), Lyrics3 v2 (size digits, LYRICSBEGIN), an appended ID3v2 tag with a
  footer ("3DI" must match an "ID3" header of the same size). Anything else — frames behind a fake tag,
  a footer whose size does not match, junk — is refused: the layout is ambiguous, players disagree.
- The Xing/Info (LAME) or VBRI header frame holds no audio (it carries the frame count and encoder
  delay for seeking and gapless playback), so it is left out: `ffmpeg -c copy` rewrites it and the
  remux of identical frames stays verified.
The hash covers the audio frames' bytes in order.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from app.core.errors import ProvenanceError

METHOD = "mp3-frames-v2"
_BITRATES = {  # (version is MPEG1, layer) -> kbit/s by index
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _syncsafe(b: bytes) -> int:
    return (b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3]


def frame_info(data: bytes, pos: int) -> tuple[int, int] | None:
    """(frame length, side-info offset of a Xing tag) of a frame header at pos, or None."""
    if pos + 4 > len(data) or data[pos] != 0xFF or (data[pos + 1] & 0xE0) != 0xE0:
        return None
    version = (data[pos + 1] >> 3) & 3  # 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5, 1 reserved
    layer_bits = (data[pos + 1] >> 1) & 3
    bitrate_i = data[pos + 2] >> 4
    rate_i = (data[pos + 2] >> 2) & 3
    if version == 1 or layer_bits == 0 or bitrate_i in (0, 15) or rate_i == 3:
        return None  # free-format bitrate (0) is refused too: its frames cannot be delimited safely
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_i] * 1000
    rate = _RATES[version][rate_i]
    padding = (data[pos + 2] >> 1) & 1
    if layer == 1:
        length = (12 * bitrate // rate + padding) * 4
    elif layer == 3 and not mpeg1:
        length = 72 * bitrate // rate + padding
    else:
        length = 144 * bitrate // rate + padding
    mono = (data[pos + 3] >> 6) == 3
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    return length, 4 + side


def _is_info_frame(data: bytes, pos: int, length: int, side: int) -> bool:
    tag = data[pos + side:pos + side + 4]
    return tag in (b"Xing", b"Info") or data[pos + 36:pos + 40] == b"VBRI"


def _ape_size(data: bytes, end: int, path: Path | None) -> int | None:
    """Size of a valid APEv2 tag ending at `end` (footer last), None if there is no footer there."""
    if end < 32 or data[end - 32:end - 24] != b"APETAGEX":
        return None
    version, size, count, flags = struct.unpack("<IIII", data[end - 24:end - 8])
    has_header = bool(flags & 0x80000000)
    total = size + (32 if has_header else 0)
    if version not in (1000, 2000) or size < 32 or total > end:
        raise ProvenanceError("has an APE tag whose size does not fit the file", path=path)
    body_start, body_end = end - size, end - 32
    if has_header and data[end - total:end - total + 8] != b"APETAGEX":
        raise ProvenanceError("has an APE tag whose header does not match its footer", path=path)
    pos, items = body_start, 0
    while pos < body_end:  # items must fill the body exactly: no room for hidden frames
        if pos + 8 > body_end:
            raise ProvenanceError("has an APE tag with a damaged item", path=path)
        value_len = struct.unpack("<I", data[pos:pos + 4])[0]
        key_end = data.find(b"\x00", pos + 8, body_end)
        if key_end < 0 or key_end == pos + 8 or any(not 0x20 <= c <= 0x7E for c in data[pos + 8:key_end]):
            raise ProvenanceError("has an APE tag with an invalid item key", path=path)
        pos = key_end + 1 + value_len
        items += 1
    if pos != body_end or items != count:
        raise ProvenanceError("has an APE tag whose items do not fill its declared size (hidden data?)",
                              path=path)
    return total


def _tail_start(data: bytes, start: int, path: Path | None) -> int:
    """Where the stack of trailing tags begins (validated), walking back from the end."""
    end = len(data)
    while end > start:
        if end - start >= 128 and data[end - 128:end - 125] == b"TAG":
            end -= 128
            continue
        ape = _ape_size(data, end, path)
        if ape is not None:
            end -= ape
            continue
        if end - start >= 15 and data[end - 9:end] == b"LYRICS200":
            digits = data[end - 15:end - 9]
            if not digits.isdigit():
                raise ProvenanceError("has a Lyrics3 tag with a damaged size", path=path)
            size = int(digits) + 15
            if size > end - start or data[end - size:end - size + 11] != b"LYRICSBEGIN":
                raise ProvenanceError("has a Lyrics3 tag whose size does not match its content", path=path)
            end -= size
            continue
        if end - start >= 10 and data[end - 10:end - 7] == b"3DI":
            size = _syncsafe(data[end - 4:end]) + 20
            if size > end - start or data[end - size:end - size + 3] != b"ID3" or \
                    data[end - size + 6:end - size + 10] != data[end - 4:end]:
                raise ProvenanceError("has an ID3v2 footer whose size does not match an ID3v2 header", path=path)
            end -= size
            continue
        break
    return end


def audio_start(data: bytes) -> int:
    start = 0
    while data[start:start + 3] == b"ID3" and len(data) >= start + 10:
        size = _syncsafe(data[start + 6:start + 10]) + 10
        if data[start + 5] & 0x10:  # footer present
            size += 10
        start += size
    return start


def mp3_frames_hash(data: bytes, path: Path | None = None) -> str:
    """sha256 of the audio frames (module docstring). Raises ProvenanceError for ambiguous layouts."""
    start = audio_start(data)
    tail = _tail_start(data, start, path)
    h = hashlib.sha256(METHOD.encode())
    pos, frames = start, 0
    while pos < tail:
        info = frame_info(data, pos)
        if info is None or pos + info[0] > tail:
            break
        length, side = info
        if not (frames == 0 and _is_info_frame(data, pos, length, side)):
            h.update(data[pos:pos + length])
            frames += 1
        pos += length
    if frames == 0:
        raise ProvenanceError("holds no MP3 audio frames", path=path)
    if pos != tail:
        raise ProvenanceError(f"has {tail - pos} bytes after its last MP3 frame (at byte {pos}) that are neither "
                              "audio frames nor a valid tag: an ambiguous layout Accord refuses", path=path)
    h.update(f"|{frames}".encode())
    return h.hexdigest()
