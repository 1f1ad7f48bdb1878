"""Drag a suggestion or a kept track out of the studio: a MIDI file (or, with Alt/Shift, its audio).

The file is written into a folder under Accord's home (`cache/drag-out/<id>/`), because a drop target
(desktop, file manager, DAW) copies or references a real file. The MIDI starts at the bar where the
suggestion's range starts, at the song's tempo and meter, so it lands in time when dropped at that bar.
With a signing identity the file carries the signed provenance record (sign_and_write_midi /
sign_and_write_audio); without one it is written plainly (a drag never creates keys behind the artist's back).
The QMimeData has `text/uri-list` and, for MIDI, the file's bytes as `audio/midi`.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDrag, QMouseEvent, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from app.core.errors import AccordError
from app.core.home import AccordHome
from app.core.midifile import MidiPart
from app.core.music import Melody
from app.core.project.cocreation.cocreate import song_context
from app.core.project.cocreation.ideas import Idea, IdeaTrack
from app.core.project.model import Project
from app.core.provenance.identity import load_identity

log = logging.getLogger(__name__)

MIDI_MIME = "audio/midi"
WAV_MIME = "audio/wav"
AUDIO_MODIFIERS = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier


def wants_audio(modifiers: Qt.KeyboardModifier) -> bool:
    return bool(modifiers & AUDIO_MODIFIERS)


def drag_started(press: QPoint | None, event: QMouseEvent) -> bool:
    """True once a left-button press has moved far enough to count as a drag (Qt's platform distance)."""
    return (press is not None and bool(event.buttons() & Qt.MouseButton.LeftButton)
            and (event.position().toPoint() - press).manhattanLength() >= QApplication.startDragDistance())


def exec_drag(source: QWidget, mime: QMimeData | None, pixmap: QPixmap | None = None) -> None:
    """Start the system drag of `mime` (a copy), showing `pixmap` under the cursor when given."""
    if mime is None:
        return
    drag = QDrag(source)
    drag.setMimeData(mime)
    if pixmap is not None:
        drag.setPixmap(pixmap)
    drag.exec(Qt.DropAction.CopyAction)


def _safe(text: str) -> str:
    """A file name as a musician would write it ("Demo - #4 Continue bars 5-8"), safe on every disk."""
    text = text.replace("–", "-").replace("—", "-")
    return re.sub(r"[^A-Za-z0-9 _.,#()'-]+", "_", text).strip(" ._") or "suggestion"


def _ascii(text: str) -> str:
    """MIDI text events are latin-1 (mido refuses anything else): keep names plain ASCII."""
    return text.replace("–", "-").replace("—", "-").encode("ascii", "replace").decode("ascii")


def _source(project: Project, entry: Idea | IdeaTrack) -> Idea | None:
    """The idea an entry comes from (itself, or the one a kept track was kept from)."""
    if isinstance(entry, Idea):
        return entry
    try:
        return project.idea(entry.suggestion_id) if entry.suggestion_id is not None else None
    except KeyError:
        return None


def clip_melody(project: Project, entry: Idea | IdeaTrack) -> tuple[Melody, float]:
    """The melody shifted so that its range's first bar is quarter 0, and that shift (quarters)."""
    ctx = song_context(project)
    melody = entry.melody
    bq = ctx.bar_quarters
    source = _source(project, entry)
    request = dict(source.request or {}) if source is not None else {}
    if "start_bar" in request and not request.get("whole_lead"):
        start = float(request["start_bar"]) * bq
    else:
        start = math.floor((melody.notes[0].onset if melody.notes else 0.0) / bq + 1e-9) * bq
    start = min(start, min((n.onset for n in melody.notes), default=start))
    start = math.floor(start / bq + 1e-9) * bq
    return replace(melody.shifted(-start), time_signature=ctx.time_signature, tempo_bpm=ctx.grid.tempo_bpm), start


def _fields(project: Project, entry: Idea | IdeaTrack, title: str, kind: str):  # noqa: ANN202 — RecordFields
    from app.core.provenance.adapters import suggestion_record_fields

    return suggestion_record_fields(with_provenance(project, entry), None, title=title, kind=kind)


def write_drag_midi(project: Project, entry: Idea | IdeaTrack, home: AccordHome) -> Path:
    """Write the entry's MIDI file for a drag; signed when an identity exists."""
    melody, start = clip_melody(project, entry)
    name = _safe(f"{project.name} - {entry.name or 'suggestion'}")
    path = home.cache_dir / "drag-out" / _safe(entry.id)[:40] / f"{name}.mid"
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = [MidiPart(_ascii(entry.name or "Accord suggestion"), melody)]
    grid = song_context(project).grid
    # a song played without a click: the file carries the grid's tempo map from the clip's first bar, so it
    # lands on the song's beats in a DAW that has the song's tempo map too
    tempo: float | tuple[tuple[float, float], ...] = \
        grid.starting_at(start).tempo_changes() if grid.follows_tempo else float(melody.tempo_bpm or 120.0)
    source = _source(project, entry)
    meta = [_ascii(f"accord suggestion {source.id if source is not None else entry.id}")]
    if load_identity(home.keys_dir) is not None:
        try:
            from app.core.project.export.files import sign_and_write_midi

            return sign_and_write_midi(path, parts, _fields(project, entry, name, "suggestion"), home=home, tempo=tempo,
                                       time_signature=melody.time_signature, meta_text=meta).path
        except AccordError as exc:
            log.warning("the dragged MIDI is not signed: %s", exc)
    from app.core.project.export.files import write_unsigned_midi

    return write_unsigned_midi(path, parts, tempo, melody.time_signature, meta)


def write_drag_audio(project: Project, entry: Idea | IdeaTrack, home: AccordHome, *,
                     sample_rate: int = 48000) -> Path:
    """Render the entry (its render settings, built-in synth by default) to a WAV for a drag."""
    import soundfile as sf

    from app.core.audio.synth import RenderSettings, render_suggestion
    from app.core.fsutil import atomic_path

    melody, start = clip_melody(project, entry)
    ctx = song_context(project)
    grid = replace(ctx.grid, time_signature=ctx.time_signature).starting_at(start)
    render = entry.render if isinstance(entry, IdeaTrack) else {}
    settings = RenderSettings.from_json(dict(render)) if render else RenderSettings()
    samples = render_suggestion(melody, grid, settings, sample_rate=sample_rate)
    name = _safe(f"{project.name} - {entry.name or 'suggestion'}")
    path = home.cache_dir / "drag-out" / _safe(entry.id)[:40] / f"{name}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    if load_identity(home.keys_dir) is not None:
        try:
            from app.core.project.export.files import sign_and_write_audio

            return sign_and_write_audio(path, samples, sample_rate, _fields(project, entry, name, "suggestion"),
                                        home=home,
                                        format="wav24").path
        except AccordError as exc:
            log.warning("the dragged audio is not signed: %s", exc)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), samples.T, sample_rate, subtype="PCM_24", format="WAV")
    return path


def with_provenance(project: Project, entry: Idea | IdeaTrack) -> dict:
    """The provenance JSON a dragged file is signed with: its idea's (model, credit, works), with the hand
    edits of the melody actually dragged (a kept track is edited on its own)."""
    source = _source(project, entry)
    prov = dict(source.provenance) if source is not None else {}
    return {**prov, "id": source.id if source is not None else entry.id,
            "human_edited_notes": entry.human_edited_notes}


def drag_mime(project: Project, entry: Idea | IdeaTrack, home: AccordHome, *, audio: bool = False,
              sample_rate: int = 48000) -> QMimeData:
    """The QMimeData for dragging `entry` (a suggestion or a kept track) out of the studio."""
    mime = QMimeData()
    if audio:
        path = write_drag_audio(project, entry, home, sample_rate=sample_rate)
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        return mime
    path = write_drag_midi(project, entry, home)
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    mime.setData(MIDI_MIME, path.read_bytes())
    return mime
