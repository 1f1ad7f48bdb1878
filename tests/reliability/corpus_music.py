"""MIDI cases (chunk lengths, running status, delta times, formats, divisions, tempo, huge event counts) and
MusicXML cases (entity expansion, nesting, zips)."""

from __future__ import annotations

import io
import struct
import zipfile

from tests.reliability.corpus_base import Case, _flip, _garbage, _truncations


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


