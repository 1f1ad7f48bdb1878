"""accord suggest with the learned style (issue 15): --structure, --breathing, --note-density, --plain."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from app.cli.main import main
from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import ContributorShare
from app.core.home import AccordHome
from app.core.midifile import MidiPart, write_midi
from app.core.model import idyom_benchmark_set
from tests.helpers.catalogue_files import consented_works


@pytest.fixture
def home(accord_home):
    h = AccordHome.resolve(accord_home)
    melodies = idyom_benchmark_set()[:12]
    consented_works(h.catalogue_path, melodies)
    write_midi(accord_home / "prime.mid", [MidiPart("melody", melodies[0][1].between(0, 12))], tempo_bpm=90,
               time_signature=melodies[0][1].time_signature)
    return h


def suggest(capsys, home, tmp_path, *extra):
    code = main(["suggest", "--continue", str(home.root / "prime.mid"), "--bars", "4", "-n", "2", "--seed", "3",
                 "--json", "-o", str(tmp_path), *extra])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)["suggestions"]


def test_style_choices_reach_the_suggestions(home, capsys, tmp_path):
    assert main(["train"]) == 0
    capsys.readouterr()
    styled = suggest(capsys, home, tmp_path, "--structure", "call-and-answer", "--breathing", "none",
                     "--note-density", "sparser")
    for s in styled:
        style = s["settings"]["style"]
        assert style["structure"] == "call-and-answer" and style["breathing"] == 0.0 and style["density"] < 1
        notes = s["notes"]["notes"]  # no rests with breathing none: each note lasts until the next one
        assert all(abs(a[1] + a[2] - b[1]) < 1e-9 for a, b in zip(notes, notes[1:], strict=False))
    plain = suggest(capsys, home, tmp_path, "--plain")
    assert all("style" not in s["settings"] for s in plain)
    with pytest.raises(SystemExit) as exc:
        main(["suggest", "--continue", str(home.root / "prime.mid"), "--structure", "aaba"])
    assert exc.value.code == 2 and "invalid choice: 'aaba'" in capsys.readouterr().err


def test_max_copy_checked_against_the_parts_as_imported(accord_home, capsys, tmp_path):
    """Works imported from MIDI files: suggest re-reads the chosen parts and reports the run against them."""
    h = AccordHome.resolve(accord_home)
    melodies = idyom_benchmark_set()[:10]
    files = []
    for ident, m in melodies:
        path = tmp_path / f"{ident}.mid"
        # a chord on the first note: the part as imported differs from the learned (skyline) line
        notes = [*m.notes, replace(m.notes[0], pitch=m.notes[0].pitch - 12)]
        write_midi(path, [MidiPart("melody", m.with_notes(sorted(notes, key=lambda n: n.onset)))], tempo_bpm=90,
                   time_signature=m.time_signature)
        files.append(path)
    with Catalogue.open(h.catalogue_path) as cat:
        result = cat.import_files(files, contributors=[ContributorShare("J. S. Bach", "composer", 10000)])
        assert len(result.added) == 10
        for w in result.added:
            cat.record_consent(w.id, "grant")
    write_midi(accord_home / "prime.mid", [MidiPart("melody", melodies[0][1].between(0, 8))], tempo_bpm=90,
               time_signature=melodies[0][1].time_signature)
    assert main(["train"]) == 0
    capsys.readouterr()
    checked = suggest(capsys, h, tmp_path / "a", "--max-copy", "5")
    for s in checked:
        run = s["longest_copied_run"]
        assert run["length"] <= 5 and 1 <= run["source_length"] <= 5
    unchecked = suggest(capsys, h, tmp_path / "b", "--no-source-check")
    assert all("source_length" not in s["longest_copied_run"] for s in unchecked)
