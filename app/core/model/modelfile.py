"""Model files: one zip (`.accordmodel`) holding `manifest.json`, `events.npz` and the context index
(plain data only: no executable serialisation).

- manifest.json: format and version, model id and version, creation time, settings, the training works
  (id, title, sha256, contributors with splits, the consent ledger entries that allowed them), the sha256 of
  events.npz, and the fingerprint of the learned statistics.
- events.npz: int64 arrays — per work (id order) its note events in ticks (pitch, dur, onset) and its bar
  length and tonic. The count tables are a pure function of these.
- index/<viewpoint>/*.bin: the context index (indexfile.py), stored uncompressed and memory-mapped on load
  (no rebuild); its sequences are checked against the events and the fingerprint re-derived, so a model
  whose statistics don't match its manifest is refused. A file without an index (older Accord) is rebuilt
  from its events.

Reading checks sizes before allocating (zip members, .npy headers), parses .npy headers itself and refuses
object arrays, and turns every failure into a ModelFileError naming the file. Budgets bound what a hostile
file can make us allocate: the members' declared sizes, outer and inner, share one decompressed budget
(`MAX_DECOMPRESSED_BYTES`; a deflate bomb is refused from its headers), and the notes are counted from the
.npy headers and the work offsets before anything is built (`MAX_MODEL_NOTES` in all, `MAX_WORK_NOTES` per
work: a 3-million-note "work" is refused, not trained). A model whose manifest names a
work that is no longer usable is refused as stale.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from app.core.catalogue.types import ConsentEntryRef, ContributorShare
from app.core.errors import ModelFileError
from app.core.fsutil import atomic_path, not_a_regular_file
from app.core.model.index import indexfile
from app.core.model.index.copyindex import model_copy_index
from app.core.model.ppm.viewpoints import Events
from app.core.model.settings import ModelSettings
from app.core.model.training import (
    MODEL_FORMAT_VERSION,
    TrainedModel,
    TrainingWork,
    all_sequences,
    gc_paused,
    work_digests,
)

MANIFEST = "manifest.json"
EVENTS = "events.npz"
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
MAX_EVENTS_BYTES = 256 * 1024 * 1024
# One budget for every member's declared (decompressed) size, outer zip and inner arrays together.
MAX_DECOMPRESSED_BYTES = 320 * 1024 * 1024
# Note budgets, checked from the headers before anything is built: a label-sized pool is split in shards.
MAX_MODEL_NOTES = 2_000_000
MAX_WORK_NOTES = 100_000
BUDGET_HINT = "the file is larger than an Accord model may be; if it is yours, split the catalogue in shards"
_ARRAYS = ("work_ids", "offsets", "pitch", "dur", "onset", "bar", "tonic")
STALE_HINT = "retrain or update: run accord train"
# What zipfile raises on damaged archives: zlib.error for a corrupt deflate stream, NotImplementedError for an
# unknown compression method, RuntimeError for an encrypted member (found by tests/reliability).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError, OSError,
               EOFError, ValueError, KeyError)


def _events_npz(model: TrainedModel) -> bytes:
    ids = sorted(model.works)
    evs = [model.works[w].events for w in ids]
    lengths = [len(e) for e in evs]

    def cat(xs: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(xs).astype("<i8") if xs else np.zeros(0, "<i8")

    arrays = {"work_ids": np.array(ids, dtype="<i8"), "offsets": np.cumsum([0] + lengths).astype("<i8"),
              "pitch": cat([e.pitch for e in evs]), "dur": cat([e.dur for e in evs]),
              "onset": cat([e.onset for e in evs]), "bar": np.array([e.bar for e in evs], dtype="<i8"),
              "tonic": np.array([e.tonic for e in evs], dtype="<i8")}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def save_model(model: TrainedModel, path: str | Path) -> Path:
    """Write the model atomically; returns the path."""
    path = Path(path)
    events = _events_npz(model)
    manifest = model.manifest()
    manifest["events_sha256"] = hashlib.sha256(events).hexdigest()
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(EVENTS, events)
            # the max-order k index's order too: a loaded model then skips sorting its intervals (built now
            # if no suggestion has built it yet; kept for this process's own suggestions)
            order = model_copy_index(model).sorting_order()
            manifest["index"] = indexfile.write_index(zf, {n: st.index for n, st in model.stores.items()},
                                                      {indexfile.COPY_ORDER: order})
            zf.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    return path


def _fail(path: Path, reason: str, hint: str | None = "train a new model with accord train") -> ModelFileError:
    return ModelFileError(reason, path=path, hint=hint)


def _open(path: Path) -> tuple[dict, bytes]:
    return _open_zip(path)[:2]


def _open_zip(path: Path) -> tuple[dict, bytes, set[str]]:
    """(manifest, events bytes, index member names) after the budget and manifest checks."""
    if not path.exists():
        raise ModelFileError("model file not found", path=path, hint="run accord train")
    if (why := not_a_regular_file(path)) is not None:
        raise _fail(path, why)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            extra = set(infos) - {MANIFEST, EVENTS}
            if not {MANIFEST, EVENTS} <= set(infos) or any(not n.startswith("index/") for n in extra):
                raise _fail(path, f"is not an Accord model (members {sorted(infos)[:5]})")
            if infos[MANIFEST].file_size > MAX_MANIFEST_BYTES or infos[EVENTS].file_size > MAX_EVENTS_BYTES:
                raise _fail(path, "is implausibly large; refusing to read it", BUDGET_HINT)
            if infos[MANIFEST].file_size + infos[EVENTS].file_size > MAX_DECOMPRESSED_BYTES:
                raise _fail(path, "unpacks to more than the model budget "
                                  f"({MAX_DECOMPRESSED_BYTES // 2**20} MB); refusing to read it", BUDGET_HINT)
            manifest_bytes = zf.read(MANIFEST)
            events = zf.read(EVENTS)
    except ModelFileError:
        raise
    except _ZIP_ERRORS as exc:
        raise _fail(path, f"is not a readable model file (truncated or damaged: {exc})") from exc
    except MemoryError as exc:  # a small file can claim (and inflate to) hundreds of MB
        raise _fail(path, "is too large to load in the memory available") from exc
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # Recursion: deeply nested JSON
        raise _fail(path, f"has a damaged manifest: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != "accord-model":
        raise _fail(path, "is not an Accord model (no accord-model manifest)")
    if manifest.get("format_version") != MODEL_FORMAT_VERSION:
        raise _fail(path, f"has format version {manifest.get('format_version')!r}; this Accord reads "
                          f"{MODEL_FORMAT_VERSION}")
    # no index members at all: an older file, or one rewritten by a tool that kept only manifest and events;
    # the counts are then rebuilt from the (hash-checked) events
    if extra and extra != indexfile.member_names(manifest.get("index")):
        raise _fail(path, "has index arrays its manifest does not describe: it was changed or damaged")
    return manifest, events, extra


def read_manifest(path: str | Path) -> dict:
    """The validated manifest only (cheap: for `accord model info` and staleness checks)."""
    return _open(Path(path))[0]


def stale_work_ids(manifest: dict, usable_ids: Iterable[int]) -> list[int]:
    usable = set(int(i) for i in usable_ids)
    return sorted(int(w["id"]) for w in manifest.get("works", []) if int(w["id"]) not in usable)


def _read_arrays(path: Path, data: bytes, budget: int = MAX_DECOMPRESSED_BYTES) -> dict[str, np.ndarray]:
    """The flat int64 arrays of events.npz; `budget`: bytes the inner members may unpack to, together."""
    out: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            if set(infos) != {f"{n}.npy" for n in _ARRAYS}:
                raise _fail(path, "has unexpected arrays in events.npz")
            declared = sum(i.file_size for i in infos.values())
            if declared > budget:
                raise _fail(path, f"its event arrays unpack to {declared // 2**20} MB, more than the model budget "
                                  f"({budget // 2**20} MB); refusing to read them", BUDGET_HINT)
            for name in _ARRAYS:
                info = infos[f"{name}.npy"]
                if info.file_size > MAX_EVENTS_BYTES:
                    raise _fail(path, f"array {name} is implausibly large", BUDGET_HINT)
                data = zf.read(info)
                raw = io.BytesIO(data)
                major, _minor = np.lib.format.read_magic(raw)
                if major == 1:
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(raw)
                elif major == 2:
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(raw)
                else:
                    raise _fail(path, f"array {name} has an unsupported .npy version {major}")
                if dtype != np.dtype("<i8") or fortran or len(shape) != 1:
                    raise _fail(path, f"array {name} is not a flat int64 array (pickles are refused)")
                if shape[0] > MAX_MODEL_NOTES + 1:  # notes, or works (offsets: one more)
                    what = "notes" if name in ("pitch", "dur", "onset") else "works"
                    raise _fail(path, f"holds {shape[0]:,} {what}, more than a model may ({MAX_MODEL_NOTES:,})",
                                BUDGET_HINT)
                at = raw.tell()
                if len(data) - at != shape[0] * 8:
                    raise _fail(path, f"array {name} is truncated")
                # a read-only view of the member's bytes (no copy: the events are only read)
                out[name] = np.frombuffer(data, dtype=np.int64, count=shape[0], offset=at)
    except ModelFileError:
        raise
    except _ZIP_ERRORS as exc:
        raise _fail(path, f"has damaged event arrays: {exc}") from exc
    except MemoryError as exc:
        raise _fail(path, "is too large to load in the memory available") from exc
    return out


def _share(known: dict[tuple, ContributorShare], c: dict) -> ContributorShare:
    key = (str(c["name"]), str(c["role"]), int(c["split_bp"]))
    share = known.get(key)
    if share is None:
        share = known[key] = ContributorShare(*key)
    return share


# Notes per block when the stored sequences are checked against the events: the derived codes of a block
# stay small (cache-sized, reused memory) instead of a dozen fresh arrays of the model's size.
CHECK_BLOCK_NOTES = 1 << 16


def _adopt_index(path: Path, model: TrainedModel, works: list[TrainingWork], section: dict,
                 arrays: dict[str, np.ndarray]) -> None:
    """Map the stored index and check it holds exactly the events' sequences (then the digests and the
    fingerprint follow from the same sequences)."""
    names = sorted(model.stores)
    limit = 2 * MAX_MODEL_NOTES + len(works) + 1
    try:
        indexes, copy_order = indexfile.read_index(path, section, names, model.settings.order_cap, limit,
                                                   lambda reason: _fail(path, reason))
    except ModelFileError:
        raise
    except _ZIP_ERRORS as exc:
        raise _fail(path, f"has a damaged index: {exc}") from exc
    ids = np.array([w.id for w in works], dtype=np.int64)
    viewpoints = [model.stores[n].viewpoint for n in names]
    offsets = arrays["offsets"]
    lengths = np.diff(offsets)
    digests: dict[int, bytes] = {}
    for name in names:
        ix = indexes[name]
        index_ids = np.asarray(ix.work_ids, dtype=np.int64)
        need = lengths - ((lengths > 0) & model.stores[name].viewpoint.needs_previous)
        if len(index_ids) != len(ids) or not np.array_equal(index_ids, ids):
            break  # works listed in another order (not as saved): the whole-model check below
        if not np.array_equal(ix.lengths, need) or not _one_text(ix):
            raise _fail(path, f"its index of {name} names other works than its events")
    else:  # as saved (works by id, one after the other): checked block by block of works
        at = 0
        while at < len(ids):
            stop = int(np.searchsorted(offsets, offsets[at] + CHECK_BLOCK_NOTES, "right")) - 1
            stop = min(len(ids), max(stop, at + 1))
            a, b = int(offsets[at]), int(offsets[stop])
            span = lengths[at:stop]
            flat = Events(arrays["pitch"][a:b], arrays["dur"][a:b], arrays["onset"][a:b],  # type: ignore[arg-type]
                          np.repeat(arrays["bar"][at:stop], span), np.repeat(arrays["tonic"][at:stop], span))
            seqs = all_sequences([_Sized(n) for n in span.tolist()], viewpoints, flat=flat)
            for name, (codes, _) in zip(names, seqs, strict=True):
                ix = indexes[name]
                first = int(ix.starts[at])
                last = int(ix.starts[stop - 1] + ix.lengths[stop - 1])
                text = ix.T[first:last]
                if not np.array_equal(ix.code_array[text[text >= 0]], codes):
                    raise _fail(path, f"its index of {name} does not match its events: it was changed or damaged")
            digests.update(work_digests(ids[at:stop].tolist(), names, seqs))
            at = stop
        for name in names:
            model.stores[name].index = indexes[name]
        model.adopt(works, digests)
        _keep_copy_order(model, copy_order)
        return
    flat = Events(arrays["pitch"], arrays["dur"], arrays["onset"],  # type: ignore[arg-type]
                  np.repeat(arrays["bar"], lengths), np.repeat(arrays["tonic"], lengths))
    seqs = all_sequences([w.events for w in works], viewpoints, flat=flat)
    for name, (codes, lengths) in zip(names, seqs, strict=True):
        ix = indexes[name]
        index_ids = np.asarray(ix.work_ids, dtype=np.int64)
        order = np.argsort(index_ids, kind="stable")
        if not np.array_equal(index_ids[order], ids) or not np.array_equal(ix.lengths[order], lengths):
            raise _fail(path, f"its index of {name} names other works than its events")
        held = ix.code_array[ix.T[ix.T >= 0]]  # every work's sequence, in the index's work order
        starts = np.cumsum(ix.lengths) - ix.lengths
        take = np.repeat(starts[order] - (np.cumsum(lengths) - lengths), lengths) + np.arange(len(codes))
        if not np.array_equal(held[take], codes):
            raise _fail(path, f"its index of {name} does not match its events: it was changed or damaged")
        model.stores[name].index = ix
    model.adopt(works, work_digests([w.id for w in works], names, seqs))
    _keep_copy_order(model, copy_order)


def _keep_copy_order(model: TrainedModel, order: np.ndarray | None) -> None:
    """The stored order of the max-order k index, for its first build (checked there: copyindex.CopyIndex)."""
    if order is not None:
        model.cache["copy-order"] = order


class _Sized:
    """A stand-in with only a length, for `all_sequences` over events given flat."""

    __slots__ = ("n",)

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


def _one_text(ix) -> bool:
    """Whether the works lie in the index's text one after the other, each after one separator (as saved)."""
    starts, lengths = np.asarray(ix.starts), np.asarray(ix.lengths)
    return bool(np.array_equal(starts[1:], starts[:-1] + lengths[:-1] + 1))


def load_model(path: str | Path, *, usable_ids: Iterable[int] | None = None) -> TrainedModel:
    """Read and validate a model (its index memory-mapped). With `usable_ids`, refuse a model naming a work
    not in it."""
    # tens of thousands of small objects: no collection passes over them while loading, one at the end
    with gc_paused(settle=True):
        return _load(Path(path), usable_ids)


def _load(path: Path, usable_ids: Iterable[int] | None) -> TrainedModel:
    manifest, events, index_members = _open_zip(path)
    if usable_ids is not None:
        stale = stale_work_ids(manifest, usable_ids)
        if stale:
            raise ModelFileError(f"stale: retrain or update (works {', '.join(map(str, stale[:10]))} are no "
                                 "longer usable)", path=path, hint=STALE_HINT)
    if hashlib.sha256(events).hexdigest() != manifest.get("events_sha256"):
        raise _fail(path, "does not match its manifest (events hash differs): it was changed or damaged")
    arrays = _read_arrays(path, events, MAX_DECOMPRESSED_BYTES - len(events))
    try:
        settings = ModelSettings.from_json(manifest["settings"])
        entries = {int(w["id"]): w for w in manifest["works"]}
        ids, offsets = arrays["work_ids"], arrays["offsets"]
        n = len(ids)
        if (len(offsets) != n + 1 or len(arrays["bar"]) != n or len(arrays["tonic"]) != n
                or offsets[0] != 0 or np.any(np.diff(offsets) < 0) or offsets[-1] != len(arrays["pitch"])
                or not len(arrays["pitch"]) == len(arrays["dur"]) == len(arrays["onset"])
                or sorted(entries) != ids.tolist()):
            raise ValueError("event arrays and manifest disagree")
        longest = int(np.diff(offsets).max()) if n else 0
        if longest > MAX_WORK_NOTES:
            wid = int(ids[int(np.argmax(np.diff(offsets)))])
            raise _fail(path, f"work {wid} has {longest:,} notes, more than a work may ({MAX_WORK_NOTES:,})",
                        BUDGET_HINT)
        model = TrainedModel(settings, model_id=str(manifest["model_id"]), version=int(manifest["version"]),
                             created_at=str(manifest["created_at"]))
        works = []
        shares: dict[tuple, ContributorShare] = {}  # an artist's works share their contributors
        # Python lists, not numpy scalars, in this loop over every work (20,000 at a career's size)
        pitch, dur, onset = arrays["pitch"], arrays["dur"], arrays["onset"]
        bounds, bars, tonics = offsets.tolist(), arrays["bar"].tolist(), arrays["tonic"].tolist()
        for k, wid in enumerate(ids.tolist()):
            a, b = bounds[k], bounds[k + 1]
            e = entries[wid]
            works.append(TrainingWork(
                wid, str(e["title"]), str(e["sha256"]),
                tuple([_share(shares, c) for c in e["contributors"]]),
                tuple([ConsentEntryRef(int(c["entry_id"]), str(c["contributor"]), str(c["action"]), str(c["use"]),
                                       str(c["recorded_at"]), str(c["entry_hash"])) for c in e["consent"]]),
                Events(pitch[a:b], dur[a:b], onset[a:b], bars[k], tonics[k]), str(e.get("melody_sha256", ""))))
        if len(arrays["pitch"]) and (arrays["pitch"].min() < 0 or arrays["pitch"].max() > 127
                                     or arrays["dur"].min() < 1 or arrays["bar"].min() < 1):
            raise ValueError("impossible note values")
        if index_members:
            _adopt_index(path, model, works, manifest["index"], arrays)
        else:  # a file from before the index: rebuild the counts from the events
            model.add_works(works)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, OverflowError) as exc:  # Overflow: "version": Infinity (fuzzing)
        raise _fail(path, f"has an inconsistent manifest: {exc}") from exc
    if model.fingerprint != manifest.get("fingerprint"):
        raise _fail(path, "its statistics do not match the manifest's fingerprint: it was changed or damaged")
    return model
