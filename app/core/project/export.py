"""Export with a signed provenance record: one audio or MIDI file, or a whole project.

File level (used by everything that writes audio/MIDI for a user):
- `export_audio(samples, sample_rate, path, fields, *, format, subtype, identity, ...)`
- `export_midi(parts, tempo, time_signature, path, fields, *, identity, ...)`
- `sign_and_write_audio(...)` / `sign_and_write_midi(...)`: the same, with the identity (created on first
  use) and the catalogue's export log taken from an AccordHome — the one call other commands make.

Each writes a temp file beside the target (fsutil.atomic_path), hashes its content, signs the record,
embeds it, adds the optional C2PA manifest LAST, then replaces the target atomically: a crash or kill
leaves the old file (or none) plus a recognisable temp that `clean_stale_temps` removes.

Project level (`export_project`) lives in export_project.py and builds on these.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from app.core.errors import AccordError, ProvenanceError
from app.core.fsutil import TEMP_PREFIX, atomic_path
from app.core.home import AccordHome
from app.core.midifile import MidiPart, midi_bytes
from app.core.music import TimeSignature
from app.core.provenance.canonical import canonical_bytes
from app.core.provenance.content_hash import content_hash, format_of
from app.core.provenance.embed import embed_record, read_provenance
from app.core.provenance.embed_midi import embed_bytes
from app.core.provenance.identity import Identity, ensure_identity
from app.core.provenance.record import RecordFields, build_record, sign_record, summary
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


def _sign(fields: RecordFields, identity: Identity, method: str, digest: str) -> tuple[dict[str, Any], bytes]:
    if not fields.artist:
        fields = replace(fields, artist=identity.name)
    record = sign_record(build_record(fields, content_method=method, content_sha256=digest), identity)
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
def _sibling_temp(near: Path):
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=near.suffix, dir=near.parent)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def export_audio(samples: np.ndarray, sample_rate: int, path: str | Path, fields: RecordFields, *,
                 identity: Identity, format: str | None = None, subtype: str | None = None,
                 catalogue: Any = None, c2pa_keys_dir: Path | None = None, training_use: str = "notAllowed",
                 progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> ExportResult:
    """Encode float32 (channels, frames) samples to `path` with the signed record embedded, atomically.

    `format` is an export format name (see AUDIO_FORMATS) or a soundfile format; `c2pa_keys_dir` turns
    on the C2PA manifest (WAV/FLAC/MP3) using the local certificates kept there.
    """
    from app.core.audio.io import encode_audio

    target = Path(path)
    sf_format, sub = resolve_format(format, target)
    sub = subtype or sub
    fmt = _SF_TO_FMT[sf_format]
    with atomic_path(target) as tmp:
        progress(0.05, "encoding")
        encode_audio(tmp, samples, sample_rate, format=sf_format, subtype=sub)
        cancel.check()
        progress(0.55, "hashing the content")
        method, digest = content_hash(tmp, fmt)
        cancel.check()
        record, data = _sign(fields, identity, method, digest)
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
            from app.core.provenance.c2pa_adapter import C2PA_FORMATS, ensure_credentials, sign_c2pa

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


def _with_tempo_map(data: bytes, tempo_map: Sequence[tuple[float, float]], ticks_per_beat: int) -> bytes:
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
    tempo_map = [(0.0, float(tempo))] if isinstance(tempo, int | float) else [(float(q), float(b)) for q, b in tempo]
    if not tempo_map or tempo_map[0][0] != 0.0 or any(not 1.0 <= b <= 1000.0 for _, b in tempo_map):
        raise ProvenanceError("the tempo map must start at quarter 0 with tempos of 1–1000 BPM", path=target)
    progress(0.1, "writing MIDI")
    data = midi_bytes(parts, tempo_bpm=tempo_map[0][1], time_signature=time_signature, meta_text=meta_text)
    if len(tempo_map) > 1:
        data = _with_tempo_map(data, tempo_map, DEFAULT_TICKS_PER_BEAT)
    cancel.check()
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
        method, digest = content_hash(tmp, "midi")
        record, rec_bytes = _sign(fields, identity, method, digest)
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
        return Catalogue.open(home.catalogue_path)
    except AccordError as exc:
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
                         c2pa: bool = False, progress: Progress = no_progress,
                         cancel: CancelToken = NEVER_CANCELLED) -> ExportResult:
    """Write audio for a user with its signed record (identity created on first use; export logged)."""
    identity = ensure_identity(home.keys_dir)
    return _with_home_catalogue(home, lambda cat: export_audio(
        samples, sample_rate, path, fields, identity=identity, format=format, subtype=subtype, catalogue=cat,
        c2pa_keys_dir=home.keys_dir if c2pa else None, progress=progress, cancel=cancel))


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


# --- project level -----------------------------------------------------------------------------------------

WHATS = ("mix", "stems", "suggestion")


def _safe_name(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_ ." else "_" for c in text).strip(" .")
    return keep or "untitled"


def _melody_of(entry: dict[str, Any], where: str):
    from app.core.music import Melody

    data = entry.get("melody")
    if data is None and "notes" in entry:  # the model's Suggestion.to_json keeps Melody.to_json under "notes"
        data = entry["notes"] if isinstance(entry["notes"], dict) else {"notes": entry["notes"]}
    if data is None:
        raise ProvenanceError(f"{where} has no melody to export")
    try:
        return Melody.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ProvenanceError(f"{where} has a damaged melody: {exc}") from exc


def _suggestion(project: Any, suggestion_id: str) -> dict[str, Any]:
    for s in project.suggestions:
        if str(s.get("id")) == str(suggestion_id):
            return s
    raise ProvenanceError(f"the project has no suggestion {suggestion_id!r}",
                          hint="known: " + (", ".join(str(s.get("id")) for s in project.suggestions) or "none"))


def _ai_tracks(project: Any) -> list[dict[str, Any]]:
    """Suggestion tracks in the arrangement (project.tracks with a melody); else the kept suggestions."""
    tracks = [t for t in project.tracks if isinstance(t, dict) and ("melody" in t or "suggestion_id" in t)]
    if tracks:
        return tracks
    return [s for s in project.suggestions if s.get("kept") or s.get("status") == "kept"]


def _track_provenance(project: Any, track: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the entry holding the melody, its suggestion's provenance)."""
    from app.core.provenance.adapters import suggestion_provenance

    source = track
    if "suggestion_id" in track:
        source = _suggestion(project, track["suggestion_id"])
    prov = suggestion_provenance({**source, **{k: v for k, v in track.items() if k != "id"}})
    prov["id"] = str(source.get("id", prov["id"]))
    return (track if "melody" in track or "notes" in track else source), prov


def _fields_for(kind: str, title: str, provs: list[dict[str, Any]], stems: tuple, manifest: Any) -> RecordFields:
    from app.core.provenance.adapters import combine_credits, manifest_model

    model_id = fingerprint = None
    works: dict[int, Any] = {}
    if manifest is not None:
        model_id, fingerprint, mworks = manifest_model(manifest)
        if any(p["model_id"] and p["model_id"] != model_id for p in provs):
            # the suggestions came from another model (e.g. before a retrain): its list doesn't apply
            log.info("model file %s is not the suggestions' model; using the works they carry", model_id)
            model_id = fingerprint = None
        else:
            works.update({w.id: w for w in mworks})
    for p in provs:
        model_id = model_id or p["model_id"]
        fingerprint = fingerprint or p["model_fingerprint"]
        for w in p["works"]:
            works.setdefault(w.id, w)
    credits = [p["credit"] for p in provs if p["credit"]]
    credit = credits[0] if len(credits) == 1 else combine_credits(credits) if credits else {}
    missing = sorted(set(credit) - set(works) - {0})  # 0: the unattributed share
    if missing:
        raise ProvenanceError(f"the suggestion credits work(s) {missing} but the model's training works are "
                              "unknown", hint="give the model manifest (or keep the works in the suggestion)")
    runs = [p["longest_copied_run"] for p in provs if isinstance(p["longest_copied_run"], int)]
    return RecordFields(kind=kind, title=title, model_id=model_id, model_fingerprint=fingerprint,
                        training_works=tuple(sorted(works.values(), key=lambda w: w.id)), credit_bp=credit,
                        stems=stems,
                        suggestion_ids=tuple(dict.fromkeys(i for p in provs for i in p.get("ids", [p["id"]]) if i)),
                        human_edited_notes=sum(p["human_edited_notes"] for p in provs),
                        longest_copied_run=max(runs) if runs else None)


def _stem_provenance(stem: Any, trust: Any) -> dict[str, Any] | None:
    """The AI provenance a stem file carries (a rendered suggestion used as a stem), when it verifies."""
    from app.core.provenance.sources import fields_from_sources

    f = fields_from_sources("stem", stem.name, [stem.path], trust)
    if not f.ai_content:
        return None
    return {"id": "", "ids": list(f.suggestion_ids), "model_id": f.model_id, "model_fingerprint": f.model_fingerprint,
            "credit": dict(f.credit_bp), "works": f.training_works, "human_edited_notes": f.human_edited_notes,
            "longest_copied_run": f.longest_copied_run}


def _grid(project: Any):
    from app.core.music import BeatGrid

    return BeatGrid(tempo_bpm=float(project.tempo_bpm or 120.0), time_signature=project.time_signature,
                    offset_seconds=float(project.downbeat_offset or 0.0))


def _render_track(project: Any, entry: dict[str, Any], where: str) -> np.ndarray:
    from app.core.audio.synth import DEFAULT_INSTRUMENT, render_melody

    return render_melody(_melody_of(entry, where), _grid(project),
                         instrument=str(entry.get("instrument") or DEFAULT_INSTRUMENT),
                         sample_rate=int(project.sample_rate))


def _decode_stems(project: Any, progress: Progress, cancel: CancelToken) -> dict[str, Any]:
    from app.core.audio.io import load_audio

    decoded = {}
    stems = [s for s in project.stems if not s.missing]
    for i, stem in enumerate(stems):
        cancel.check()
        progress(i / max(1, len(stems)), f"decoding {stem.name}")
        decoded[stem.id] = load_audio(stem.path, sample_rate=int(project.sample_rate))
    return decoded


def _target(out: Path, name: str, ext: str, *, single: bool) -> Path:
    if single and out.suffix:
        return out
    return out / f"{_safe_name(name)}{ext}"


def _ext(format: str) -> str:
    return ".mid" if format == "midi" else AUDIO_FORMATS[format][2]


def export_project(project: Any, *, what: str = "mix", suggestion_id: str | None = None, format: str = "wav24",
                   out: str | Path, identity: Identity, catalogue: Any = None, model_manifest: Any = None,
                   c2pa_keys_dir: Path | None = None, statements: bool = True, trust: Any = None,
                   progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> list[ExportResult]:
    """Export the mix, one suggestion alone (audio or MIDI), or every stem + suggestion track.

    `out` is a file (mix/suggestion) or a folder (always for stems). With `statements`, a credit statement
    (HTML + CSV) is written beside each export that credits training works. A stem file that carries a
    record verified by `trust` (default: the artist's own key) passes its AI provenance on.
    """
    from app.core.provenance.identity import TrustList

    trust = trust if trust is not None else TrustList.of(identity.public)
    from app.core.audio.mix import TrackMix, render_offline
    from app.core.project.mixdown import mix_state_for
    from app.core.provenance.record import StemUse
    from app.core.provenance.statement import write_statement

    format = (format or "wav24").lower()
    if what not in WHATS:
        raise ProvenanceError(f"cannot export {what!r}", hint="choose mix, stems or suggestion")
    if format not in EXPORT_FORMATS:
        raise ProvenanceError(f"unknown export format {format!r}", hint="use " + ", ".join(EXPORT_FORMATS))
    out = Path(out)
    ext = _ext(format)
    results: list[ExportResult] = []
    common = dict(identity=identity, catalogue=catalogue)

    def audio(samples: np.ndarray, path: Path, fields: RecordFields, part: Progress) -> None:
        results.append(export_audio(samples, int(project.sample_rate), path, fields, format=format,
                                    c2pa_keys_dir=c2pa_keys_dir, progress=part, cancel=cancel, **common))

    if what == "suggestion":
        if suggestion_id is None:
            raise ProvenanceError("which suggestion? give its id")
        entry, prov = _track_provenance(project, _suggestion(project, suggestion_id))
        title = str(entry.get("name") or entry.get("title") or f"{project.name} - suggestion {suggestion_id}")
        fields = _fields_for("suggestion", title, [prov], (), model_manifest)
        path = _target(out, title, ext, single=True)
        if format == "midi":
            from app.core.midifile import MidiPart

            name = title[:60].encode("latin-1", "replace").decode("latin-1")  # MIDI text is latin-1
            part = MidiPart(name, _melody_of(entry, f"suggestion {suggestion_id}"),
                            program=int(entry.get("program", 0) or 0))
            results.append(export_midi([part], float(project.tempo_bpm or 120.0), project.time_signature, path,
                                       fields, progress=progress, cancel=cancel, **common))
        else:
            audio(_render_track(project, entry, f"suggestion {suggestion_id}"), path, fields, progress)
    elif what == "mix":
        if format == "midi":
            raise ProvenanceError("a mix is audio; choose an audio format", hint="or export a suggestion as MIDI")
        decoded = _decode_stems(project, scaled_progress(progress, 0.0, 0.4), cancel)
        extra, provs = [], []
        for i, track in enumerate(_ai_tracks(project)):
            entry, prov = _track_provenance(project, track)
            if track.get("mute"):
                continue
            samples = _render_track(project, entry, f"track {i + 1}")
            extra.append(TrackMix(name=str(entry.get("name") or f"suggestion {prov['id']}"), samples=samples,
                                  gain_db=float(track.get("gain_db", 0.0)), pan=float(track.get("pan", 0.0)),
                                  solo=bool(track.get("solo", False))))
            provs.append(prov)
        cancel.check()
        state = mix_state_for(project, decoded, extra)
        progress(0.5, "mixing")
        mixed = render_offline(state)
        used = [s for s in project.stems if s.id in decoded and project.audible(s)]
        stem_provs = {s.id: _stem_provenance(s, trust) for s in used}
        provs += [p for p in stem_provs.values() if p is not None]
        stems = tuple(StemUse(s.name, decoded[s.id].content_sha256, ai_content=stem_provs[s.id] is not None)
                      for s in used)
        fields = _fields_for("mix", project.name, provs, stems, model_manifest)
        audio(mixed, _target(out, project.name, ext, single=True), fields, scaled_progress(progress, 0.55, 1.0))
    else:
        if format == "midi":
            raise ProvenanceError("stems are audio; choose an audio format")
        if out.suffix and not out.is_dir():
            raise ProvenanceError("stems go into a folder: give a folder, not a file name", path=out)
        decoded = _decode_stems(project, scaled_progress(progress, 0.0, 0.3), cancel)
        jobs = [s for s in project.stems if s.id in decoded]
        tracks = _ai_tracks(project)
        total = max(1, len(jobs) + len(tracks))
        for i, stem in enumerate(jobs):
            d = decoded[stem.id]
            stem_prov = _stem_provenance(stem, trust)
            use = StemUse(stem.name, d.content_sha256, ai_content=stem_prov is not None)
            fields = (RecordFields(kind="stem", title=stem.name, stems=(use,)) if stem_prov is None
                      else _fields_for("stem", stem.name, [stem_prov], (use,), model_manifest))
            audio(d.samples, _target(out, stem.name, ext, single=False), fields,
                  scaled_progress(progress, 0.3 + 0.7 * i / total, 0.3 + 0.7 * (i + 1) / total))
        for j, track in enumerate(tracks):
            entry, prov = _track_provenance(project, track)
            name = str(entry.get("name") or f"suggestion {prov['id']}")
            fields = _fields_for("suggestion", name, [prov], (), model_manifest)
            k = len(jobs) + j
            audio(_render_track(project, entry, name), _target(out, name, ext, single=False), fields,
                  scaled_progress(progress, 0.3 + 0.7 * k / total, 0.3 + 0.7 * (k + 1) / total))
    if statements:
        for r in results:
            if r.record.get("contributorShares"):
                write_statement(r.record, r.path.with_name(r.path.stem + ".credits"), file_name=r.path.name)
    progress(1.0, "done")
    return results


def scaled_progress(progress: Progress, start: float, end: float) -> Progress:
    from app.core.tasks import scaled

    return scaled(progress, start, end)


def preview_fields(project: Any, *, what: str = "mix", suggestion_id: str | None = None,
                   model_manifest: Any = None) -> list[tuple[str, RecordFields]]:
    """(file name stem, record fields) of what `export_project` would embed, without decoding or writing.

    Stem hashes come from the project (the file hash), standing in for the decoded hash used at export.
    """
    from app.core.provenance.record import StemUse

    if what == "suggestion":
        if suggestion_id is None:
            return []
        entry, prov = _track_provenance(project, _suggestion(project, suggestion_id))
        title = str(entry.get("name") or entry.get("title") or f"{project.name} - suggestion {suggestion_id}")
        return [(title, _fields_for("suggestion", title, [prov], (), model_manifest))]
    tracks = [_track_provenance(project, t) for t in _ai_tracks(project)]
    stems = [s for s in project.stems if not s.missing]
    if what == "mix":
        uses = tuple(StemUse(s.name, s.content_sha256 or "(hashed at export)") for s in stems if project.audible(s))
        provs = [p for (entry, p), t in zip(tracks, _ai_tracks(project), strict=True) if not t.get("mute")]
        return [(project.name, _fields_for("mix", project.name, provs, uses, model_manifest))]
    out = [(s.name, RecordFields(kind="stem", title=s.name,
                                 stems=(StemUse(s.name, s.content_sha256 or "(hashed at export)"),)))
           for s in stems]
    for entry, prov in tracks:
        name = str(entry.get("name") or f"suggestion {prov['id']}")
        out.append((name, _fields_for("suggestion", name, [prov], (), model_manifest)))
    return out
