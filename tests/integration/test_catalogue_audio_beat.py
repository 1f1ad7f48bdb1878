"""An audio work's melody sits on the song's beat, in the song's key, heard in the whole file by the stem
analysis's ears.

Before, the catalogue put a transcribed melody on a grid from the melody's own onsets (their autocorrelation,
the first note on a beat): on real songs the tempo was wrong on half of them (docs/catalogue.md), so the model
learned rhythms at the wrong speed and in the wrong place in the bar. The songs here are synthetic mixes (drums,
bass, chords, lead) whose written melody is known in quarter notes; the seeds are ones where the melody alone
reads half the tempo.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from app.cli.main import main
from app.core.analysis import analyze_stems, whole_mix_reading
from app.core.analysis.files import load_stem_inputs
from app.core.catalogue import Catalogue
from app.core.catalogue.importing.audio_import import read_mono
from app.core.home import AccordHome
from app.core.music import Melody, TimeSignature
from app.core.tasks import NEVER_CANCELLED
from app.core.transcription.grid import SongReading
from tests.helpers.catalogue_files import sine_melody_wav
from tests.helpers.songs import make_song


def _song_wav(tmp_path, seed: int):
    song = make_song(seed, meter=TimeSignature(4, 4), seconds=10.0)
    path = tmp_path / f"bounce {seed}.wav"
    sf.write(path, song.mix().T, song.sample_rate)
    return song, path


def _on_the_written_beats(written: Melody, heard: Melody, tolerance: float = 0.13) -> float:
    """F-measure of the heard melody's notes against the written ones, both in quarter notes from bar 1
    (same pitch, onset within `tolerance` quarters): what the model would learn, rhythm and place in the bar."""
    free = list(written.notes)
    hits = 0
    for n in heard.notes:
        match = next((w for w in free if w.pitch == n.pitch and abs(w.onset - n.onset) <= tolerance), None)
        if match is not None:
            free.remove(match)
            hits += 1
    if not hits:
        return 0.0
    precision, recall = hits / len(heard.notes), hits / len(written.notes)
    return 2 * precision * recall / (precision + recall)


def _melody(cat: Catalogue, work_id: int) -> Melody:
    cat.record_consent(work_id, "grant")
    (work,) = [u for u in cat.usable_works() if u.id == work_id]
    return work.melody


def _catalogue(home) -> Catalogue:
    return Catalogue.open(AccordHome(home).catalogue_path)


def _cli(capsys, home, *argv) -> tuple[int, str]:
    code = main(["--home", str(home), *argv])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("seed", [0, 5])
def test_accord_catalogue_add_puts_a_bounce_melody_on_the_songs_beat(capsys, tmp_path, seed):
    pytest.importorskip("onnxruntime")
    song, wav = _song_wav(tmp_path, seed)
    home = tmp_path / "home"
    assert _cli(capsys, home, "catalogue", "add", str(wav))[0] == 0
    with _catalogue(home) as cat:
        (work,) = cat.works()
        detail = cat.work(work.id).source_detail
        melody = _melody(cat, work.id)
    assert "the song's beat" in detail and "(the song's key)" in detail, detail
    assert melody.tempo_bpm == pytest.approx(song.tempo_bpm, rel=0.005)
    assert melody.time_signature == TimeSignature(4, 4)
    # the key the song is in, heard in the mix (the model reads scale degrees from its tonic)
    assert melody.key is not None and melody.key.tonic_pc == song.key.tonic_pc
    # the melody alone reads these songs at half speed: its notes would land on the written beats by chance only
    assert _on_the_written_beats(song.melody, melody) >= 0.5


def test_reading_a_work_again_puts_its_melody_on_the_songs_beat(capsys, tmp_path):
    """A work imported on the melody's own grid (by an Accord before this one) is read again on the song's beat
    with `accord catalogue parts WORK --use N`, through the catalogue's one recorded way to change a melody."""
    pytest.importorskip("onnxruntime")
    song, wav = _song_wav(tmp_path, 0)
    home = tmp_path / "home"
    with _catalogue(home) as cat:
        (work,) = cat.import_files([wav]).added  # no beat finder: the melody's own tempo
        before = _melody(cat, work.id)
    assert _on_the_written_beats(song.melody, before) < 0.3  # half the tempo: few notes in the right place
    code, out = _cli(capsys, home, "catalogue", "parts", str(work.id), "--use", "0", "--json")
    assert code == 0
    chosen = json.loads(out)
    assert chosen["chosen"]["source"] == "audio:basic-pitch" and "the song's beat" in chosen["source_detail"]
    with _catalogue(home) as cat:
        melody = _melody(cat, work.id)
    assert melody.tempo_bpm == pytest.approx(song.tempo_bpm, rel=0.005)
    assert _on_the_written_beats(song.melody, melody) >= 0.5


def test_the_beat_and_key_are_the_ones_the_analysis_hears_in_the_same_file(tmp_path):
    """One pair of ears: the catalogue's grid and key are `analyze_stems`' for the song loaded as one file."""
    song, wav = _song_wav(tmp_path, 5)
    analysis = analyze_stems(load_stem_inputs([wav]))
    analysed = analysis.grid
    y, rate = read_mono(wav)
    heard, key = whole_mix_reading(y, rate, NEVER_CANCELLED)
    assert heard is not None
    assert key is not None and key == analysis.key and key.tonic_pc == song.key.tonic_pc
    assert heard.tempo_bpm == pytest.approx(analysed.tempo_bpm, abs=1e-6)
    assert heard.offset_seconds == pytest.approx(analysed.offset_seconds, abs=1e-6)
    assert heard.time_signature == analysed.time_signature
    # at another rate the same song is heard the same way
    y44 = np.repeat(y, 2)
    again, again_key = whole_mix_reading(y44, 2 * rate, NEVER_CANCELLED)
    assert again is not None and again.tempo_bpm == pytest.approx(heard.tempo_bpm, rel=0.002)
    assert again_key == key


def test_silence_has_no_beat_and_no_key():
    assert whole_mix_reading(np.zeros(22050 * 4, np.float32), 22050, NEVER_CANCELLED) == (None, None)


def test_without_a_beat_the_melody_keeps_its_own_tempo_and_says_so(tmp_path):
    wav = sine_melody_wav(tmp_path / "lead.wav", [60, 64, 67, 72, 67, 64])
    with Catalogue.open(tmp_path / "cat.sqlite") as cat:
        (heard_nothing,) = cat.import_files([wav], transcriber="pyin",
                                            ears=lambda y, rate, cancel: SongReading(None, None)).added
        assert "no beat heard in the file: tempo from the melody's notes" in cat.work(heard_nothing.id).source_detail
        assert "the song's key" not in cat.work(heard_nothing.id).source_detail
        assert _melody(cat, heard_nothing.id).pitches == [60, 64, 67, 72, 67, 64]
        cat.remove_work(heard_nothing.id)
        (no_ears,) = cat.import_files([wav], transcriber="pyin").added  # a caller without the analysis
        assert "tempo from the melody's notes" in cat.work(no_ears.id).source_detail
