"""Accord's own files: projects, model files (size claims, pickles, zips), key files, catalogues, zip bombs."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

from tests.reliability.corpus_base import Case, _flip, _garbage, _truncations


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

    deep = b"[" * 50_000 + b"]" * 50_000  # JSON nested past Python's recursion limit (RecursionError)
    add("manifest_deeply_nested.accordmodel", _model_zip(deep, b""))
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
    deep = b"[" * 30_000 + b"]" * 30_000  # under the 64 KB key-file limit, past the recursion limit
    add("identity_deeply_nested.json", deep)
    add("trust_list_deeply_nested.json", deep)
    add("public_deeply_nested.json", deep)
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
