"""The context index inside a model file: raw little-endian arrays, stored (not compressed) and aligned, so
loading maps them into memory instead of rebuilding the counts (issue 14).

Members `index/<viewpoint>/<array>.bin` (T, SA, starts, lengths, work_ids, codes of `ContextIndex.export`)
and `index/max-copy/order.bin` (COPY_ORDER: the max-order k index's sorting, checked where it is used),
described in the manifest's `"index"` section: {member: {"dtype", "length", "sha256"}}. Only the dtypes in
`_DTYPES` are accepted (no object arrays, nothing executable). Reading checks every member's declared size
against its description and the note budget before mapping it, its sha256, and that the arrays are
consistent: SA is a permutation of the event positions of T, the works' spans fit, the symbols exist — and
the caller checks that the sequences equal those of the stored events (modelfile.load_model).
"""

from __future__ import annotations

import hashlib
import mmap
import struct
import zipfile
from pathlib import Path

import numpy as np

from app.core.model.index.ctxindex import ContextIndex

ARRAYS = ("T", "SA", "starts", "lengths", "work_ids", "codes")
# the max-order k index's positions in key order (copyindex.CopyIndex): saved so a loaded model need not sort
# its intervals again before its first suggestion (~0.15-0.25 s at 1 M notes); no viewpoint has this name
COPY_ORDER = "index/max-copy/order.bin"
_DTYPES = {"<i2", "<i4", "<i8"}
_ALIGN = 64
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")  # zip local file header (30 bytes)


def member(name: str, array: str) -> str:
    return f"index/{name}/{array}.bin"


def write_index(zf: zipfile.ZipFile, indexes: dict[str, ContextIndex],
                extra: dict[str, np.ndarray] | None = None) -> dict:
    """Write every viewpoint's arrays as stored, 64-byte-aligned members; returns the manifest section.
    `extra`: more arrays under index/ by member name (the max-order k index's order, COPY_ORDER)."""
    section = {}
    for name, ix in sorted(indexes.items()):
        for key, arr in ix.export().items():
            section[member(name, key)] = _write_array(zf, member(name, key), arr)
    for mname, arr in sorted((extra or {}).items()):
        section[mname] = _write_array(zf, mname, arr)
    return section


def _write_array(zf: zipfile.ZipFile, mname: str, arr: np.ndarray) -> dict:
    arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
    data = arr.tobytes()
    info = zipfile.ZipInfo(mname, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    here = zf.start_dir + _LOCAL_HEADER.size + len(info.filename.encode())
    pad = (-(here + 4)) % _ALIGN  # an extra field of 4 + pad bytes puts the data on the boundary
    info.extra = struct.pack("<HH", 0xCAFE, pad) + b"\0" * pad
    zf.writestr(info, data)
    return {"dtype": arr.dtype.str, "length": int(arr.size), "sha256": hashlib.sha256(data).hexdigest()}


def member_names(section: object) -> set[str]:
    return set(section) if isinstance(section, dict) else set()


def read_index(path: Path, section: dict, names: list[str], cap: int, max_positions: int,
               fail) -> tuple[dict[str, ContextIndex], np.ndarray | None]:
    """Map and validate the index arrays of each viewpoint in `names`; `fail(reason)` makes the error.
    Also the max-order k index's stored order (COPY_ORDER) when the file has one, else None (its contents
    are checked where it is used: copyindex.CopyIndex falls back to sorting when it is not a sorting).

    The file is mapped once and every array is a read-only view of that one mapping: one descriptor per
    loaded model (not one per array), and plain ndarrays (np.memmap's slicing runs Python code per slice)."""
    out = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
        size = raw.seek(0, 2)
        whole = mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ) if size else None

        def mapped(mname: str) -> np.ndarray:
            return _map_array(zf, raw, whole, size, mname, section.get(mname), max_positions, fail)

        for name in names:
            arrays = {key: mapped(member(name, key)) for key in ARRAYS}
            _check(arrays, fail, name)
            out[name] = ContextIndex.from_arrays(cap, arrays)
        order = mapped(COPY_ORDER) if COPY_ORDER in section else None
    return out, order


def _map_array(zf: zipfile.ZipFile, raw, whole, size: int, mname: str, desc: object, max_positions: int,
               fail) -> np.ndarray:
    """One stored member as a read-only view of the mapping, after its size, header and sha256 checks."""
    if not isinstance(desc, dict) or desc.get("dtype") not in _DTYPES:
        raise fail(f"index array {mname} is missing or has an unsupported type")
    dtype = np.dtype(desc["dtype"])
    length = desc.get("length")
    if not isinstance(length, int) or not 0 <= length <= max_positions:
        raise fail(f"index array {mname} is larger than the note budget allows")
    info = zf.getinfo(mname)
    if info.compress_type != zipfile.ZIP_STORED or info.file_size != length * dtype.itemsize:
        raise fail(f"index array {mname} does not have its declared size")
    raw.seek(info.header_offset)
    head = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
    if head[0] != 0x04034B50:
        raise fail(f"index array {mname} has a damaged zip header")
    offset = info.header_offset + _LOCAL_HEADER.size + head[9] + head[10]
    if length and (whole is None or offset + length * dtype.itemsize > size):
        raise fail(f"index array {mname} does not have its declared size")
    arr = (np.frombuffer(whole, dtype=dtype, count=length, offset=offset) if length and whole is not None
           else np.zeros(0, dtype=dtype))
    if hashlib.sha256(arr.data.cast("B") if length else b"").hexdigest() != desc.get("sha256"):
        raise fail(f"index array {mname} does not match its manifest (changed or damaged)")
    return arr


def _check(a: dict[str, np.ndarray], fail, name: str) -> None:
    """Structure: what the index code relies on to index safely and count right."""
    T, SA, starts, lengths = a["T"], a["SA"], a["starts"], a["lengths"]
    n = len(T)
    if (a["SA"].dtype != np.int32 or len(starts) != len(lengths) or len(starts) != len(a["work_ids"])
            or n < 1 or T[0] != -1):
        raise fail(f"index of {name} is inconsistent")
    if len(starts) and (starts.min() < 1 or (starts + lengths).max() > n or lengths.min() < 0
                        or np.any(T[starts - 1] != -1)):
        raise fail(f"index of {name} has works outside its text")
    real = T >= 0
    if (T.max(initial=-1) >= len(a["codes"]) or T.min(initial=-1) < -1 or int(real.sum()) != len(SA)
            or int(lengths.sum()) != len(SA) or (len(SA) and (SA.min() < 0 or SA.max() >= n))):
        raise fail(f"index of {name} has positions or symbols out of range")
    if len(SA):  # SA hits only event positions, each once: marking them leaves exactly the events marked
        seen = np.zeros(n, dtype=bool)
        seen[SA] = True
        if int(np.count_nonzero(seen)) != len(SA) or not np.array_equal(seen, real):
            raise fail(f"index of {name} does not list each position once")
    if len(SA) > 1 and np.any(np.diff(T[SA - 1].astype(np.int32)) < 0):  # sorted by the first symbol back
        raise fail(f"index of {name} is not sorted")
