"""Export with a signed provenance record: one audio or MIDI file, or a whole project.

File level (used by everything that writes audio/MIDI for a user):
- `export_audio(samples, sample_rate, path, fields, *, format, subtype, identity, ...)`
- `export_midi(parts, tempo, time_signature, path, fields, *, identity, ...)`
- `sign_and_write_audio(...)` / `sign_and_write_midi(...)`: the same, with the identity (created on first
  use) and the catalogue's export log taken from an AccordHome — the one call other commands make.

Each writes a temp file beside the target (fsutil.atomic_path), hashes its content, signs the record,
embeds it, adds the optional C2PA manifest LAST, then replaces the target atomically: a crash or kill
leaves the old file (or none) plus a recognisable temp that `clean_stale_temps` removes.

Project level (`export_project`, `preview_fields`) lives in export_project.py and builds on these.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from app.core.errors import AccordError, MidiFileError, ProvenanceError
from app.core.fsutil import atomic_path, owned_temp
from app.core.home import AccordHome
from app.core.midifile import MidiPart, midi_bytes
from app.core.music import TimeSignature
from app.core.provenance.canonical import canonical_bytes
from app.core.provenance.content.content_hash import FORMAT_BY_SUFFIX, PcmHasher, content_hash, format_of
from app.core.provenance.embedding.embed import embed_record, read_provenance
from app.core.provenance.embedding.embed_midi import embed_bytes
from app.core.provenance.identity import Identity, ensure_identity
from app.core.provenance.record import RecordFields, build_record, sign_record, summary
from app.core.provenance.watermark.export_hook import WATERMARK_STRENGTH_DB, watermark_samples
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

log = logging.getLogger(__name__)

# name -> (soundfile format, subtype, extension)
AUDIO_FORMATS: dict[str, tuple[str, str, str]] = {
    "wav": ("WAV", "PCM_24", ".wav"),
    "wav16": ("WAV", "PCM_16", ".wav"),
    "wav24": ("WAV", "PCM_24", ".wav"),
    "wav32f": ("WAV", "FLOAT", ".wav"),
    "flac": ("FLAC", "PCM_24", ".flac"),
    "aiff": ("AIFF", "PCM_24", ".aiff"),
    "mp3": ("MP3", "MPEG_LAYER_III", ".mp3"),
    "ogg": ("OGG", "VORBIS", ".ogg"),
}
EXPORT_FORMATS = (*AUDIO_FORMATS, "midi")
_SF_TO_FMT = {"WAV": "wav", "FLAC": "flac", "AIFF": "aiff", "MP3": "mp3", "OGG": "ogg"}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    record: dict[str, Any]
    content_sha256: str
    c2pa: bool = False
    logged: bool = False


def resolve_format(format: str | None, path: str | Path) -> tuple[str, str | None]:
    """(soundfile format, subtype) from an export format name ('wav24', 'mp3'...) or the extension."""
    if format:
        key = format.lower()
        if key in AUDIO_FORMATS:
            sf_format, subtype, _ = AUDIO_FORMATS[key]
            return sf_format, subtype
        if key.upper() in _SF_TO_FMT:
            return key.upper(), None
        raise ProvenanceError(f"unknown export format {format!r}", hint="use " + ", ".join(EXPORT_FORMATS))
    fmt = format_of(path)
    if fmt == "midi":
        raise ProvenanceError("use export_midi for MIDI files", path=path)
    return {"wav": "WAV", "aiff": "AIFF", "flac": "FLAC", "mp3": "MP3", "ogg": "OGG"}[fmt], None


def _check_extension(path: Path, fmt: str) -> None:
    """Readers (and verify) pick the format by extension: a FLAC named .wav would never verify."""
    if FORMAT_BY_SUFFIX.get(path.suffix.lower()) != fmt:
        wanted = sorted(ext for ext, f in FORMAT_BY_SUFFIX.items() if f == fmt)
        raise ProvenanceError(f"a {fmt.upper()} file needs the extension {' or '.join(wanted)}", path=path)


def _sign(fields: RecordFields, identity: Identity, method: str, digest: str,
          catalogue: Any, watermark: dict[str, Any] | None = None) -> tuple[dict[str, Any], bytes]:
    """Re-check consent now (export_consent.py), then sign: nothing is signed crediting an unusable work."""
    from app.core.project.export.consent import recheck_consent

    fields = recheck_consent(fields, catalogue)
    if not fields.artist:
        fields = replace(fields, artist=identity.name)
    record = build_record(fields, content_method=method, content_sha256=digest)
    if watermark is not None:  # the audio watermark's id, so a mark found later names this record
        record["watermark"] = watermark
    record = sign_record(record, identity)
    return record, canonical_bytes(record)


def _log_export(catalogue: Any, path: Path, digest: str, record_bytes: bytes) -> bool:
    """Record the export in the catalogue's log. The file is already in place, so a failure here is
    reported (ExportResult.logged is False, and a warning) rather than raised."""
    if catalogue is None:
        return False
    try:
        catalogue.log_export(file_name=str(path.resolve()), content_sha256=digest,
                             record_json=record_bytes.decode("ascii"))
    except AccordError as exc:
        log.warning("%s was written but not logged in the catalogue: %s", path.name, exc)
        return False
    return True


@contextlib.contextmanager
def _naming(target: Path):
    """Errors raised about the temp file name the user's file instead (a temp name means nothing to them)."""
    try:
        yield
    except AccordError as exc:
        if exc.path is not None and exc.path != target:
            raise type(exc)(exc.reason, path=target, hint=exc.hint) from exc
        raise


@contextlib.contextmanager
def _sibling_temp(near: Path):
    with owned_temp(near.parent, near.suffix) as tmp:  # removed on any error, a signal included
        try:
            yield tmp
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()


def export_audio(samples: np.ndarray, sample_rate: int, path: str | Path, fields: RecordFields, *,
                 identity: Identity, format: str | None = None, subtype: str | None = None,
                 catalogue: Any = None, c2pa_keys_dir: Path | None = None, training_use: str = "notAllowed",
                 watermark: bool = True, watermark_strength_db: float = WATERMARK_STRENGTH_DB,
                 progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> ExportResult:
    """Encode float32 (channels, frames) samples to `path` with the signed record embedded, atomically.

    `format` is an export format name (see AUDIO_FORMATS) or a soundfile format; `c2pa_keys_dir` turns
    on the C2PA manifest (WAV/FLAC/MP3) using the local certificates kept there. `watermark` adds the
    keyed audio watermark (strength in dB, see docs/provenance.md) whose id the record names.
    """
    from app.core.audio.io import encode_audio

    target = Path(path)
    sf_format, sub = resolve_format(format, target)
    sub = subtype or sub
    fmt = _SF_TO_FMT[sf_format]
    _check_extension(target, fmt)
    mark = None
    if watermark:
        progress(0.02, "adding the watermark")
        samples, mark = watermark_samples(samples, sample_rate, identity, watermark_strength_db)
    with _naming(target), atomic_path(target) as tmp:
        progress(0.05, "encoding")
        shape = np.shape(samples)
        hasher = PcmHasher(shape[0], int(sample_rate)) if fmt == "wav" and len(shape) == 2 else None
        encode_audio(tmp, samples, sample_rate, format=sf_format, subtype=sub,
                     on_pcm24=hasher.update_24bit if hasher is not None else None)
        cancel.check()
        progress(0.55, "hashing the content")
        if hasher is not None and hasher.samples and hasher.samples == np.size(samples):
            method, digest = hasher.result()  # hashed as written: the same as reading the file back
        else:
            method, digest = content_hash(tmp, fmt)
        cancel.check()
        record, data = _sign(fields, identity, method, digest, catalogue, mark)
        progress(0.7, "embedding the provenance record")
        embed_record(tmp, data, fmt=fmt, title=fields.title, artist=record.get("artist") or "",
                     comment=summary(record))
        back = read_provenance(tmp, fmt=fmt)
        if not back.fields or back.problems or back.distinct != [data]:
            raise ProvenanceError("the embedded record did not read back unchanged", path=target)
        cancel.check()
        signed_c2pa = False
        if c2pa_keys_dir is not None:
            progress(0.8, "adding the C2PA manifest")
            from app.core.provenance.embedding.c2pa_adapter import C2PA_FORMATS, ensure_credentials, sign_c2pa

            if fmt in C2PA_FORMATS:
                creds = ensure_credentials(c2pa_keys_dir, identity.name)
                with _sibling_temp(target) as signed:
                    sign_c2pa(tmp, signed, record, creds, fmt=fmt, title=fields.title, training_use=training_use)
                    os.replace(signed, tmp)
                signed_c2pa = True
            else:
                log.info("C2PA skipped for %s: not supported for %s", target.name, fmt.upper())
        cancel.check()
        progress(0.95, "finishing")
    logged = _log_export(catalogue, target, digest, data)
    progress(1.0, "done")
    return ExportResult(target, record, digest, signed_c2pa, logged)


def write_unsigned_midi(path: str | Path, parts: Sequence[MidiPart], tempo: float | Sequence[tuple[float, float]],
                        time_signature: TimeSignature | None, meta_text: Sequence[str] = ()) -> Path:
    """A MIDI file without a record (no identity yet), atomically: one tempo, or a tempo map [(quarter, BPM)]
    starting at 0 (a grid that follows a song played without a click)."""
    from app.core.midifile import DEFAULT_TICKS_PER_BEAT, write_midi

    if isinstance(tempo, int | float):
        return write_midi(path, parts, tempo_bpm=float(tempo), time_signature=time_signature, meta_text=meta_text)
    tempo_map = [(float(q), float(b)) for q, b in tempo]
    data = with_tempo_map(midi_bytes(parts, tempo_bpm=tempo_map[0][1], time_signature=time_signature,
                                     meta_text=meta_text), tempo_map, DEFAULT_TICKS_PER_BEAT)
    with atomic_path(Path(path)) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def with_tempo_map(data: bytes, tempo_map: Sequence[tuple[float, float]], ticks_per_beat: int) -> bytes:
    """Add tempo changes after the first to the conductor track (midifile writes one tempo)."""
    import io

    import mido

    mf = mido.MidiFile(file=io.BytesIO(data))
    conductor = mf.tracks[0]
    absolute: list[tuple[int, int, Any]] = []
    tick = 0
    for order, msg in enumerate(conductor):
        tick += msg.time
        if msg.type != "end_of_track":
            absolute.append((tick, order, msg))
    end = tick
    for i, (q, bpm) in enumerate(tempo_map[1:]):
        t = round(q * ticks_per_beat)
        absolute.append((t, 10_000 + i, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))))
        end = max(end, t)
    absolute.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    last = 0
    for t, _, msg in absolute:
        track.append(msg.copy(time=t - last))
        last = t
    track.append(mido.MetaMessage("end_of_track", time=end - last))
    mf.tracks[0] = track
    buf = io.BytesIO()
    mf.save(file=buf)
    return buf.getvalue()


def export_midi(parts: Sequence[MidiPart], tempo: float | Sequence[tuple[float, float]],
                time_signature: TimeSignature, path: str | Path, fields: RecordFields, *, identity: Identity,
                catalogue: Any = None, meta_text: Sequence[str] = (), progress: Progress = no_progress,
                cancel: CancelToken = NEVER_CANCELLED) -> ExportResult:
    """Write a type-1 MIDI file (conductor + one track per part) with the signed record, atomically.

    `tempo` is one BPM or a tempo map [(quarter position, BPM), ...] starting at 0.
    """
    from app.core.midifile import DEFAULT_TICKS_PER_BEAT

    target = Path(path)
    _check_extension(target, "midi")
    tempo_map = [(0.0, float(tempo))] if isinstance(tempo, int | float) else [(float(q), float(b)) for q, b in tempo]
    if not tempo_map or tempo_map[0][0] != 0.0 or any(not 1.0 <= b <= 1000.0 for _, b in tempo_map):
        raise ProvenanceError("the tempo map must start at quarter 0 with tempos of 1–1000 BPM", path=target)
    progress(0.1, "writing MIDI")
    try:
        data = midi_bytes(parts, tempo_bpm=tempo_map[0][1], time_signature=time_signature, meta_text=meta_text)
    except MidiFileError as exc:  # name the file that was being written
        raise MidiFileError(exc.reason, path=target, hint=exc.hint) from exc
    if len(tempo_map) > 1:
        data = with_tempo_map(data, tempo_map, DEFAULT_TICKS_PER_BEAT)
    cancel.check()
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
        method, digest = content_hash(tmp, "midi")
        record, rec_bytes = _sign(fields, identity, method, digest, catalogue)
        progress(0.6, "embedding the provenance record")
        tmp.write_bytes(embed_bytes(data, rec_bytes, path=target, comment=summary(record)))
        cancel.check()
    logged = _log_export(catalogue, target, digest, rec_bytes)
    progress(1.0, "done")
    return ExportResult(target, record, digest, False, logged)


def _home_catalogue(home: AccordHome):
    """The catalogue holding the export log (created if needed); None, with a warning, if it can't open."""
    from app.core.catalogue.store import Catalogue

    try:
        return Catalogue.open(home.catalogue_path, keys_dir=home.keys_dir)
    except AccordError as exc:  # an AI record is then refused at signing (consent cannot be re-checked)
        log.warning("the catalogue cannot be opened, so this export is not logged: %s", exc)
        return None


def _with_home_catalogue(home: AccordHome, fn):
    catalogue = _home_catalogue(home)
    try:
        return fn(catalogue)
    finally:
        close = getattr(catalogue, "close", None)
        if close is not None:
            close()


def sign_and_write_audio(path: str | Path, samples: np.ndarray, sample_rate: int, fields: RecordFields, *,
                         home: AccordHome, format: str | None = None, subtype: str | None = None,
                         c2pa: bool = False, watermark: bool = True,
                         watermark_strength_db: float = WATERMARK_STRENGTH_DB, progress: Progress = no_progress,
                         cancel: CancelToken = NEVER_CANCELLED) -> ExportResult:
    """Write audio for a user with its signed record (identity created on first use; export logged)."""
    identity = ensure_identity(home.keys_dir)
    return _with_home_catalogue(home, lambda cat: export_audio(
        samples, sample_rate, path, fields, identity=identity, format=format, subtype=subtype, catalogue=cat,
        c2pa_keys_dir=home.keys_dir if c2pa else None, watermark=watermark,
        watermark_strength_db=watermark_strength_db, progress=progress, cancel=cancel))


def sign_and_write_midi(path: str | Path, parts: Sequence[MidiPart], fields: RecordFields, *, home: AccordHome,
                        tempo: float | Sequence[tuple[float, float]] = 120.0,
                        time_signature: TimeSignature | None = None, meta_text: Sequence[str] = (),
                        progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> ExportResult:
    """Write MIDI for a user with its signed record (identity created on first use; export logged)."""
    identity = ensure_identity(home.keys_dir)
    return _with_home_catalogue(home, lambda cat: export_midi(
        parts, tempo, time_signature or TimeSignature(), path, fields, identity=identity, catalogue=cat,
        meta_text=meta_text,
        progress=progress, cancel=cancel))
