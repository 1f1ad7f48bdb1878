"""Catalogue speed: importing 1,000 small MIDI files in one call, usable_works() over 1,000 works, and an
audit of a 10,000-entry consent ledger. Real files, real SQLite (WAL, synchronous=FULL)."""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.catalogue import Catalogue, ContributorShare  # noqa: E402
from app.core.midifile import MidiPart, midi_bytes  # noqa: E402
from app.core.music import Melody, Note  # noqa: E402


def _write_midis(folder: Path, count: int) -> None:
    rng = random.Random(7)
    for i in range(count):
        pitch, notes, t = 67, [], 0.0
        for _ in range(rng.randint(24, 64)):
            pitch = max(55, min(84, pitch + rng.choice((-4, -2, -1, 0, 1, 2, 3))))
            d = rng.choice((0.5, 0.5, 1.0, 1.5, 2.0))
            notes.append(Note(pitch, t, d))
            t += d
        data = midi_bytes([MidiPart("melody", Melody(tuple(notes)))], tempo_bpm=90 + i % 60,
                          meta_text=[f"bench {i}"])
        (folder / f"song{i:04d}.mid").write_bytes(data)  # plain writes: the benchmark times the import


def run(quick: bool) -> list[dict]:
    n_files = 200 if quick else 1000
    n_entries = 2000 if quick else 10000
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "midi"
        folder.mkdir()
        _write_midis(folder, n_files)
        shares = [ContributorShare("Ann", "composer", 6000), ContributorShare("Bo", "lyricist", 4000)]
        with Catalogue.open(Path(tmp) / "catalogue.sqlite") as cat:
            t0 = time.perf_counter()
            result = cat.import_files([folder], contributors=shares)
            t_import = time.perf_counter() - t0
            assert len(result.added) == n_files, result.failed[:3]
            rows.append({"metric": f"import {n_files} small MIDI files (one call)", "value": round(t_import, 3),
                         "unit": "s", "target": "<= 10", "ok": t_import <= 10.0,
                         "note": f"{n_files / t_import:.0f} files/s"})
            ids = [w.id for w in result.added]
            t0 = time.perf_counter()
            entries = 0
            while entries < n_entries:
                action = "grant" if (entries // (2 * n_files)) % 2 == 0 else "revoke"
                entries += len(cat.record_consent_many(ids, action))
            t_record = time.perf_counter() - t0
            if cat.usable_work_ids() != set(ids):
                cat.record_consent_many(ids, "grant")
            rows.append({"metric": f"record {entries} consent entries (batches of {len(ids)} works)",
                         "value": round(t_record, 3), "unit": "s", "note": "hash-chained, one transaction per batch"})
            t0 = time.perf_counter()
            usable = cat.usable_works()
            t_usable = time.perf_counter() - t0
            assert len(usable) == n_files
            rows.append({"metric": f"usable_works() on {n_files} works", "value": round(t_usable, 4), "unit": "s",
                         "target": "<= 0.5", "ok": t_usable <= 0.5})
            t0 = time.perf_counter()
            cat.usable_work_ids()
            t_ids = time.perf_counter() - t0
            rows.append({"metric": f"usable_work_ids() on {n_files} works", "value": round(t_ids, 4), "unit": "s",
                         "target": "<= 0.1", "ok": t_ids <= 0.1})
            t0 = time.perf_counter()
            audit = cat.audit()
            t_audit = time.perf_counter() - t0
            assert audit.ok
            rows.append({"metric": f"audit of a {audit.entries_checked}-entry ledger", "value": round(t_audit, 3),
                         "unit": "s", "target": "<= 2", "ok": t_audit <= 2.0})
    return rows


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(row)
