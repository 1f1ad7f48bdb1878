"""The demo project: generated once, deterministic, loadable, regenerated when damaged."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from app.core.home import AccordHome
from app.core.project.demo import BPM, LEAD, RATE, ensure_demo_project, synthesize_stems
from app.core.project.store import load_project


def test_demo_is_generated_loadable_and_reused(tmp_path):
    home = AccordHome.resolve(tmp_path / "home")
    path = ensure_demo_project(home)
    project = load_project(path)
    assert [s.name for s in project.stems] == ["drums", "bass", "keys", "lead"]
    assert project.missing_stems == [] and project.tempo_bpm == BPM
    for stem in project.stems:
        info = sf.info(str(stem.path))
        assert info.samplerate == RATE and 15.0 < info.duration < 25.0
        assert stem.path.stat().st_size < 2_500_000
    mtime = project.stems[0].path.stat().st_mtime_ns
    assert ensure_demo_project(home) == path
    assert project.stems[0].path.stat().st_mtime_ns == mtime  # not rewritten when intact


def test_damaged_demo_is_regenerated(tmp_path):
    home = AccordHome.resolve(tmp_path / "home")
    path = ensure_demo_project(home)
    bass = home.demo_dir / "bass.wav"
    good = bass.read_bytes()
    bass.write_bytes(good[:1000])
    (home.demo_dir / "lead.wav").unlink()
    path.write_text("{garbage")
    assert ensure_demo_project(home) == path
    assert bass.read_bytes() == good  # deterministic synthesis
    assert load_project(path).missing_stems == []


def test_demo_stems_are_musical():
    stems = synthesize_stems()
    assert set(stems) == {"drums", "bass", "keys", "lead"}
    for audio in stems.values():
        assert audio.dtype == np.float32 and np.isfinite(audio).all() and 0.2 < np.abs(audio).max() <= 0.5
    # The lead's first note (E5, 659 Hz) is the strongest partial in its first 0.4 s.
    first = stems["lead"][int(0.05 * RATE): int(0.45 * RATE)]
    spectrum = np.abs(np.fft.rfft(first * np.hanning(len(first))))
    freq = np.fft.rfftfreq(len(first), 1 / RATE)[np.argmax(spectrum)]
    assert abs(freq - 440 * 2 ** ((LEAD[0][0] - 69) / 12)) < 5
    # The drums are loudest on the beat: energy at kick onsets beats the energy between them.
    drums = stems["drums"].astype(np.float64)
    spq = int(60 / BPM * RATE)
    on = np.mean([np.sum(drums[i * spq: i * spq + 2000] ** 2) for i in range(0, 32, 2)])
    off = np.mean([np.sum(drums[i * spq + spq // 4: i * spq + spq // 4 + 2000] ** 2) for i in range(0, 32, 2)])
    assert on > 3 * off
