"""Dragging a suggestion or a kept track out: the mime data holds a real MIDI file at the song's tempo,
starting at the range's first bar (signed when an identity exists); with Alt/Shift, its rendered audio."""

from __future__ import annotations

import io

import mido
import soundfile as sf
from PySide6.QtCore import Qt

from app.core.provenance.identity import create_identity
from app.ui.suggest.drag import MIDI_MIME, wants_audio
from tests.gui.suggest_fixtures import TEMPO, cocreate, run_suggest, trained_home_template  # noqa: F401


def _notes(mf: mido.MidiFile) -> list[tuple[int, float]]:
    out = []
    for track in mf.tracks:
        t = 0
        for msg in track:
            t += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                out.append((msg.note, t / mf.ticks_per_beat))
    return sorted(out, key=lambda x: x[1])


def test_card_drag_gives_a_midi_file_with_the_song_tempo(cocreate):  # noqa: F811
    window, panel = cocreate
    (sid,) = run_suggest(panel, start_bar=2, bars=2, count=1, seed=6)
    card = panel.cards[sid]
    mime = card.drag_requested(card.entry, False)
    assert mime.hasFormat(MIDI_MIME) and len(mime.urls()) == 1 and mime.urls()[0].isLocalFile()
    data = bytes(mime.data(MIDI_MIME))
    path = mime.urls()[0].toLocalFile()
    assert open(path, "rb").read() == data and str(window.home.cache_dir) in path
    mf = mido.MidiFile(file=io.BytesIO(data))
    tempos = [m.tempo for t in mf.tracks for m in t if m.type == "set_tempo"]
    assert tempos and all(abs(mido.tempo2bpm(t) - TEMPO) < 1e-6 for t in tempos)
    sigs = [(m.numerator, m.denominator) for t in mf.tracks for m in t if m.type == "time_signature"]
    assert sigs[0] == (4, 4)
    entry = next(s for s in window.project.suggestions if s.id == sid)
    expected = [(n.pitch, n.onset - 8.0) for n in entry.melody.notes]  # bar 3 of the song is bar 1 of the file
    assert _notes(mf) == [(p, round(o, 6)) for p, o in expected]


def test_signed_when_an_identity_exists_and_kept_tracks_carry_their_edits(cocreate):  # noqa: F811
    from app.core.provenance.identity import TrustList
    from app.core.provenance.verify import verify_file

    window, panel = cocreate
    create_identity(window.home.keys_dir, "Test Artist")
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=14)
    panel.card_action("keep", sid)
    roll = panel.lane.roll
    first = roll.melody.notes[0]
    assert roll.move_note(0, onset=first.onset, pitch=first.pitch + 1)  # the kept track's own copy
    row = next(iter(panel.track_rows.values()))
    mime = panel.drag_data(row.track, False)
    path = mime.urls()[0].toLocalFile()
    report = verify_file(path, TrustList.load(window.home.keys_dir))
    assert report.ok, report
    assert report.record["humanEditedNotes"] == 1
    assert sid in str(report.record)  # the suggestion's provenance travels with the kept track
    assert _notes(mido.MidiFile(path))[0][0] == first.pitch + 1


def test_modifier_drag_gives_rendered_audio(cocreate):  # noqa: F811
    window, panel = cocreate
    assert wants_audio(Qt.KeyboardModifier.AltModifier) and wants_audio(Qt.KeyboardModifier.ShiftModifier)
    assert not wants_audio(Qt.KeyboardModifier.NoModifier)
    (sid,) = run_suggest(panel, start_bar=1, bars=1, count=1, seed=4)
    card = panel.cards[sid]
    mime = card.drag_requested(card.entry, True)
    path = mime.urls()[0].toLocalFile()
    assert path.endswith(".wav") and not mime.hasFormat(MIDI_MIME)
    data, rate = sf.read(path)
    assert rate == window.engine.sample_rate and data.shape[1] == 2
    bar_seconds = 4 * 60.0 / TEMPO
    assert bar_seconds * 0.5 < len(data) / rate < bar_seconds + 3.0  # one bar plus the release tail
    assert abs(data).max() > 0.01


def test_kept_and_edited_ideas_export_with_their_provenance(cocreate, tmp_path):  # noqa: F811
    """The entries the panel stores are what the project export reads: the mix with a kept, hand-edited
    track carries the model's credit and the edit count in its signed record."""
    from app.core.project.export.project import export_project
    from app.core.provenance.identity import TrustList
    from app.core.provenance.verify import verify_file

    window, panel = cocreate
    identity = create_identity(window.home.keys_dir, "Test Artist")
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=44)
    panel.card_action("keep", sid)
    roll = panel.lane.roll
    n = roll.melody.notes[0]
    roll.move_note(0, onset=n.onset, pitch=n.pitch - 1)
    roll.add_note(n.pitch, 3.5, 0.5)
    from app.core.catalogue.store import Catalogue

    with Catalogue.open(window.home.catalogue_path) as catalogue:  # consent is re-checked at signing
        results = export_project(window.project, what="mix", out=tmp_path / "mix.wav", identity=identity,
                                 statements=False, catalogue=catalogue)
    report = verify_file(results[0].path, TrustList.load(window.home.keys_dir))
    assert report.ok, report
    assert report.record["humanEditedNotes"] == 2
    entry = next(s for s in window.project.suggestions if s.id == sid)
    credited = {c["workId"] for c in report.record["credit"] if c["workId"]}
    assert credited and credited <= {w["id"] for w in report.record["trainingWorks"]}
    assert credited <= {int(w) for w in entry.credit}
    assert report.record["model"]["id"] == entry.provenance["model_id"]


def test_drag_starts_only_past_the_platform_distance_with_the_left_button(qtbot):
    from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from app.ui.suggest.drag import drag_started

    far = QApplication.startDragDistance() + 1

    def move(x, buttons=Qt.MouseButton.LeftButton):
        return QMouseEvent(QEvent.Type.MouseMove, QPointF(x, 0), QPointF(x, 0), Qt.MouseButton.NoButton, buttons,
                           Qt.KeyboardModifier.NoModifier)

    assert not drag_started(None, move(far))
    assert not drag_started(QPoint(0, 0), move(1))
    assert not drag_started(QPoint(0, 0), move(far, Qt.MouseButton.NoButton))
    assert drag_started(QPoint(0, 0), move(far))


def test_a_song_played_without_a_click_drags_out_with_its_tempo_map(cocreate):  # noqa: F811
    window, panel = cocreate
    # the song's grid follows its beats: 5 % faster every other beat (a test shortcut past the analysis)
    window.project.tempo_anchors = tuple((float(q), sum(60.0 / (TEMPO * (1.05 if k % 2 else 1.0)) for k in range(q)))
                                         for q in range(41))
    (sid,) = run_suggest(panel, start_bar=2, bars=2, count=1, seed=6)
    card = panel.cards[sid]
    mf = mido.MidiFile(file=io.BytesIO(bytes(card.drag_requested(card.entry, False).data(MIDI_MIME))))
    tempos = sorted({round(mido.tempo2bpm(m.tempo), 2) for t in mf.tracks for m in t if m.type == "set_tempo"})
    assert tempos == [round(TEMPO, 2), round(TEMPO * 1.05, 2)]  # the song's own beats from bar 3 on
    # the audio follows them too: its notes start where the song's grid puts them, from bar 3
    grid = window.project.beat_grid()
    entry = next(s for s in window.project.suggestions if s.id == sid)
    mime = card.drag_requested(card.entry, True)
    audio, rate = sf.read(mime.urls()[0].toLocalFile(), always_2d=True)
    first = min(n.onset for n in entry.melody.notes)
    start = int(round((grid.seconds(first) - grid.seconds(8.0)) * rate))
    assert abs(float(audio[start:start + 64].max())) > 0 and (start < 64 or float(abs(audio[: start - 64]).max()) < 1e-4)
