"""Project-level export: the mix, a kept suggestion alone (audio or MIDI), or every stem + suggestion track,
each file with its signed provenance record (built on app.core.project.export.files's file-level functions), plus
credit statements. Ideas and their tracks are typed (app/core/project/cocreation/ideas.py); only their provenance JSON
is read through app.core.provenance.adapters.

What each file's record will say, and the consent re-check before anything renders, are in
export_records.py (`what_will_be_signed` is what the export dialog's preview calls).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from app.core.errors import AccordError, ProjectError, ProvenanceError
from app.core.fsutil import clean_stale_temps
from app.core.project.cocreation.ideas import Idea, IdeaTrack
from app.core.project.export.files import (
    AUDIO_FORMATS,
    EXPORT_FORMATS,
    ExportResult,
    export_audio,
    export_midi,
)
from app.core.project.export.records import (
    ai_tracks,
    check_suggestions_consent,
    fields_for,
    is_heard,
    stem_provenance,
    suggestion_entry,
    track_provenance,
)
from app.core.provenance.identity import Identity
from app.core.provenance.record import RecordFields
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress, scaled

log = logging.getLogger(__name__)

WHATS = ("mix", "stems", "suggestion")
# Bounds on the work one export may do (a hostile project with 1,000 tracks reached 8.8 GB): each suggestion
# track is rendered whole, so tracks x length x channels x 4 bytes must stay well below the machine's memory.
MAX_ONSET_QUARTERS = 100_000  # ~14 hours at 120 BPM
MAX_NOTES_PER_TRACK = 100_000
MAX_AI_TRACKS = 64
# The estimate of check_export_budget (the real peak is ~1.4x). Stems are decoded one at a time (the mix is
# summed as they come, stems are written as they come), so what counts is the suggestion tracks, rendered
# whole, the longest stem, and the mix with its output buffer: a 30-stem, 5-minute session needs ~0.4 GB.
# 2 GiB still refuses a 12-hour render.
MAX_RENDER_BYTES = 2 * 1024 * 1024 * 1024


def _safe_name(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_ ." else "_" for c in text).strip(" .")
    return keep or "untitled"


def _melody_of(entry: Idea | IdeaTrack, where: str):
    """The entry's melody (parsed at load), bounded for rendering."""
    melody = entry.melody
    for i, n in enumerate(melody.notes):  # onsets beyond ~14 hours: refuse before any renderer allocates
        if n.onset > MAX_ONSET_QUARTERS:
            raise ProjectError(f"{where}: note {i + 1} has onset {n.onset!r}; onsets must be 0–"
                               f"{MAX_ONSET_QUARTERS} quarters",
                               hint="the project file was edited or damaged; remove that suggestion or fix the note")
    if len(melody.notes) > MAX_NOTES_PER_TRACK:
        raise ProjectError(f"{where} has {len(melody.notes):,} notes; at most {MAX_NOTES_PER_TRACK:,} are exported")
    return melody


def _grid(project: Any):
    from app.core.music import BeatGrid

    return project.beat_grid(120.0) or BeatGrid(120.0)


def _render_track(project: Any, entry: Idea | IdeaTrack, where: str) -> np.ndarray:
    """The entry's melody with the instrument its track plays (built-in voice or SoundFont), as in the studio."""
    from app.core.audio.synth import DEFAULT_INSTRUMENT, render_melody

    melody = _melody_of(entry, where)
    render = entry.render if isinstance(entry, IdeaTrack) else {}
    if render.get("soundfont") or render.get("plugin"):
        from app.core.audio.synth.settings import RenderSettings, render_suggestion

        try:
            settings = RenderSettings.from_json(dict(render))
        except AccordError as exc:
            raise ProjectError(f"{where}: {exc}", path=getattr(project, "path", None)) from exc
        return render_suggestion(melody, _grid(project), settings, sample_rate=int(project.sample_rate))
    instrument = render.get("instrument") if isinstance(render.get("instrument"), str) else None
    return render_melody(melody, _grid(project), instrument=instrument or DEFAULT_INSTRUMENT,
                         sample_rate=int(project.sample_rate))


def check_export_budget(project: Any, *, what: str = "mix", without: Collection[str] = ()) -> int:
    """Estimated peak bytes of rendering this export (suggestion tracks rendered whole, one stem decoded at a
    time, the mix and its output buffer); raises ProjectError before any work when it exceeds MAX_RENDER_BYTES
    or MAX_AI_TRACKS."""
    import soundfile as sf

    rate = int(project.sample_rate)
    tracks = ai_tracks(project, without) if what != "suggestion" else []
    if len(tracks) > MAX_AI_TRACKS:
        raise ProjectError(f"has {len(tracks):,} suggestion tracks; one export renders at most {MAX_AI_TRACKS}",
                           path=getattr(project, "path", None), hint="export fewer tracks (bounce some first)")
    frames: list[int] = []  # suggestion tracks: all held at once
    stem_frames: list[int] = []  # stems: one held at a time
    grid = _grid(project)
    for i, track in enumerate(tracks):
        entry, _ = track_provenance(project, track)
        melody = _melody_of(entry, f"track {i + 1}")
        end = max((n.onset + n.duration for n in melody.notes), default=0.0)
        frames.append(int((grid.seconds(end) - grid.offset_seconds + 2.0) * rate))  # + release tail
    if what != "suggestion":
        for stem in project.stems:
            if stem.missing:
                continue
            try:
                info = sf.info(str(stem.path))
                stem_frames.append(int(info.frames * rate / max(1, info.samplerate)))
            except (RuntimeError, OSError, ValueError):
                continue  # not readable by soundfile: the decoder reports it when the stem is decoded
    longest = max(frames + stem_frames, default=0)
    need = (sum(frames) + max(stem_frames, default=0) + 2 * longest) * 2 * 4  # float32 stereo
    parts = len(frames) + len(stem_frames)
    if need > MAX_RENDER_BYTES:
        raise ProjectError(f"this export would hold about {need / 2**30:.1f} GB of audio in memory "
                           f"({parts} parts, the longest {longest / rate / 60:.0f} min); at most "
                           f"{MAX_RENDER_BYTES // 2**20} MB is allowed", path=getattr(project, "path", None),
                           hint="check the project for very long or many suggestion tracks; export stems in parts")
    return need


def _loader(project: Any):
    """Decode one stem at the project's rate (export holds one at a time)."""
    from app.core.audio.io import load_audio

    return lambda stem: load_audio(stem.path, sample_rate=int(project.sample_rate))


def _target(out: Path, name: str, ext: str, *, single: bool) -> Path:
    if single and out.suffix:
        return out
    return out / f"{_safe_name(name)}{ext}"


def _ext(format: str) -> str:
    return ".mid" if format == "midi" else AUDIO_FORMATS[format][2]


def export_project(project: Any, *, what: str = "mix", suggestion_id: str | None = None, format: str = "wav24",
                   out: str | Path, identity: Identity, catalogue: Any = None, model_manifest: Any = None,
                   c2pa_keys_dir: Path | None = None, statements: bool = True, trust: Any = None,
                   without: Collection[str] = (), watermark: bool = True,
                   watermark_strength_db: float | None = None, refuse_missing_stems: bool = False,
                   progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> list[ExportResult]:
    """Export the mix, one suggestion alone (audio or MIDI), or every stem + suggestion track.

    `out` is a file (mix/suggestion) or a folder (always for stems). With `statements`, a credit statement
    (HTML + CSV) is written beside each export that credits training works. A stem file that carries a
    record verified by `trust` (default: the artist's own key) passes its AI provenance on. Suggestions in
    `without` are left out. Consent is checked first for every suggestion (naming the one at fault) and again
    at the moment each record is signed. Stems whose file is missing are silent in the studio and left out
    of the mix; with `refuse_missing_stems` (the command line, where nobody sees them in red) a mix or stems
    export refuses instead, naming them.
    """
    from app.core.audio.mix import TrackMix
    from app.core.project.mixdown import render_mix_streaming
    from app.core.provenance.identity import TrustList
    from app.core.provenance.record import StemUse
    from app.core.provenance.statement import write_statement

    trust = trust if trust is not None else TrustList.of(identity.public)

    format = (format or "wav24").lower()
    if what not in WHATS:
        raise ProvenanceError(f"cannot export {what!r}", hint="choose mix, stems or suggestion")
    if format not in EXPORT_FORMATS:
        raise ProvenanceError(f"unknown export format {format!r}", hint="use " + ", ".join(EXPORT_FORMATS))
    out = Path(out)
    ext = _ext(format)
    if what == "suggestion" and str(suggestion_id) in {str(x) for x in without}:
        raise ProvenanceError(f"suggestion {suggestion_id} is both exported and left out")
    if refuse_missing_stems and what != "suggestion" and project.missing_stems:
        gone = project.missing_stems
        raise ProjectError(f"{len(gone)} stem file(s) not found, so the {what} would leave them out: "
                           + ", ".join(str(s.path) for s in gone[:3]) + (" ..." if len(gone) > 3 else ""),
                           path=getattr(project, "path", None),
                           hint="put the files back, or leave them out on purpose (accord export --skip-missing)")
    check_export_budget(project, what=what, without=without)
    check_suggestions_consent(project, what=what, suggestion_id=suggestion_id, catalogue=catalogue,
                              model_manifest=model_manifest, without=without)
    # a killed earlier export left its temp file here (only old ones: a live writer's is younger)
    clean_stale_temps(out if what == "stems" or not out.suffix else out.parent)
    results: list[ExportResult] = []
    common = dict(identity=identity, catalogue=catalogue)
    marking: dict[str, Any] = {"watermark": watermark}  # audio only; the strength default is export_audio's
    if watermark_strength_db is not None:
        marking["watermark_strength_db"] = watermark_strength_db

    def audio(samples: np.ndarray, path: Path, fields: RecordFields, part: Progress) -> None:
        results.append(export_audio(samples, int(project.sample_rate), path, fields, format=format,
                                    c2pa_keys_dir=c2pa_keys_dir, progress=part, cancel=cancel, **common,
                                    **marking))

    if what == "suggestion":
        if suggestion_id is None:
            raise ProvenanceError("which suggestion? give its id")
        # A kept idea is exported as its track holds it (edited there after keeping), credit from the idea.
        kept = next((t for t in ai_tracks(project) if t.suggestion_id == str(suggestion_id)), None)
        entry, prov = track_provenance(project, kept if kept is not None else suggestion_entry(project, suggestion_id))
        title = entry.name or f"{project.name} - suggestion {suggestion_id}"
        fields = fields_for("suggestion", title, [prov], (), model_manifest)
        path = _target(out, title, ext, single=True)
        if format == "midi":
            from app.core.midifile import MidiPart

            # write_midi spells what latin-1 lacks plainly (an en dash becomes "-", never "?")
            program = entry.render.get("program", 0) if isinstance(entry, IdeaTrack) else 0
            part = MidiPart(title[:60], _melody_of(entry, f"suggestion {suggestion_id}"),
                            program=program if isinstance(program, int) and 0 <= program <= 127 else 0)
            grid = _grid(project)
            tempo = grid.tempo_changes() if grid.follows_tempo else float(project.tempo_bpm or 120.0)
            results.append(export_midi([part], tempo, project.time_signature, path,
                                       fields, progress=progress, cancel=cancel, **common))
        else:
            audio(_render_track(project, entry, f"suggestion {suggestion_id}"), path, fields, progress)
    elif what == "mix":
        if format == "midi":
            raise ProvenanceError("a mix is audio; choose an audio format", hint="or export a suggestion as MIDI")
        extra, provs = [], []
        for i, track in enumerate(ai_tracks(project, without)):
            entry, prov = track_provenance(project, track)
            if not is_heard(project, track):
                continue  # silent in the mix: neither its sound nor its credit is in the file
            samples = _render_track(project, entry, f"track {i + 1}")
            extra.append(TrackMix(name=entry.name or f"suggestion {prov['id']}", samples=samples,
                                  gain_db=track.gain_db, pan=track.pan, solo=track.solo))
            provs.append(prov)
        cancel.check()
        mixed, hashes = render_mix_streaming(project, _loader(project), extra,
                                             progress=scaled_progress(progress, 0.0, 0.5), cancel=cancel)
        if mixed.shape[1] == 0:
            raise ProvenanceError("the mix is empty", hint="add stems or a suggestion track first")
        used = [s for s in project.stems if s.id in hashes and project.audible(s)]
        stem_provs = {s.id: stem_provenance(s, trust) for s in used}
        provs += [p for p in stem_provs.values() if p is not None]
        stems = tuple(StemUse(s.name, hashes[s.id], ai_content=stem_provs[s.id] is not None) for s in used)
        fields = fields_for("mix", project.name, provs, stems, model_manifest)
        audio(mixed, _target(out, project.name, ext, single=True), fields, scaled_progress(progress, 0.55, 1.0))
    else:
        if format == "midi":
            raise ProvenanceError("stems are audio; choose an audio format")
        if out.suffix and not out.is_dir():
            raise ProvenanceError("stems go into a folder: give a folder, not a file name", path=out)
        jobs = [s for s in project.stems if not s.missing]
        tracks = ai_tracks(project, without)
        total = max(1, len(jobs) + len(tracks))
        load = _loader(project)
        for i, stem in enumerate(jobs):  # decoded, written and dropped one by one
            cancel.check()
            d = load(stem)
            stem_prov = stem_provenance(stem, trust)
            use = StemUse(stem.name, d.content_sha256, ai_content=stem_prov is not None)
            fields = (RecordFields(kind="stem", title=stem.name, stems=(use,)) if stem_prov is None
                      else fields_for("stem", stem.name, [stem_prov], (use,), model_manifest))
            audio(d.samples, _target(out, stem.name, ext, single=False), fields,
                  scaled_progress(progress, i / total, (i + 1) / total))
            del d
        for j, track in enumerate(tracks):
            entry, prov = track_provenance(project, track)
            name = entry.name or f"suggestion {prov['id']}"
            fields = fields_for("suggestion", name, [prov], (), model_manifest)
            k = len(jobs) + j
            audio(_render_track(project, entry, name), _target(out, name, ext, single=False), fields,
                  scaled_progress(progress, k / total, (k + 1) / total))
    if statements:
        for r in results:
            if r.record.get("contributorShares"):
                write_statement(r.record, statement_base(r.path), file_name=r.path.name)
    progress(1.0, "done")
    return results


def scaled_progress(progress: Progress, start: float, end: float) -> Progress:
    return scaled(progress, start, end)


def statement_base(path: Path) -> Path:
    """`song.wav` -> `song.wav.credits` (+ .html/.csv): exports of one mix in two formats keep one statement
    each (a shared `song.credits` was overwritten by the second)."""
    return path.with_name(path.name + ".credits")


