"""`accord suggest --max-copy 0` reports the true longest copied run (issue 17: it said 17 for a run of 33)."""

from __future__ import annotations

import json

from app.cli.main import main
from app.core.home import AccordHome
from app.core.midifile import MidiPart, write_midi
from app.core.model import idyom_benchmark_set
from app.core.model.index.copyindex import brute_force_longest_copy
from tests.helpers.catalogue_files import consented_works


def test_max_copy_zero_reports_the_whole_copied_run(accord_home, capsys, tmp_path):
    melodies = idyom_benchmark_set()[:8]
    consented_works(AccordHome.resolve(accord_home).catalogue_path, melodies)
    source = melodies[2][1]
    prime = source.between(0, 40)  # a long stretch of a training work, kept note for note below
    assert len(prime.notes) > 30
    write_midi(accord_home / "copy.mid", [MidiPart("melody", prime)], tempo_bpm=90,
               time_signature=source.time_signature)
    assert main(["train"]) == 0
    capsys.readouterr()
    code = main(["suggest", "--vary", str(accord_home / "copy.mid"), "--kind", "rhythm", "--closeness", "1",
                 "--max-copy", "0", "--chromatic", "--range", "40:90", "-n", "1", "--seed", "0", "--json",
                 "-o", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    [s] = json.loads(out)["suggestions"]
    pitches = [n[0] for n in s["notes"]["notes"]]
    works = {i: [n.pitch for n in m.notes] for i, (_, m) in enumerate(melodies)}
    assert s["longest_copied_run"]["length"] == brute_force_longest_copy(pitches, works) > 17
