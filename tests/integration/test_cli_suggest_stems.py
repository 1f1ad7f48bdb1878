"""accord suggest --stems: the analysed song becomes the constraints (key, chords on strong beats, tempo)."""

from __future__ import annotations

import json

import mido
import pytest

from app.cli.main import main
from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import ContributorShare
from app.core.home import AccordHome
from app.core.model import idyom_benchmark_set
from app.core.music import Key, TimeSignature
from app.core.project.demo import ensure_demo_project
from app.core.project.store import load_project


@pytest.fixture
def trained_home(accord_home, capsys):
    home = AccordHome.resolve(accord_home)
    with Catalogue.open(home.catalogue_path) as cat:
        for ident, melody in idyom_benchmark_set()[:20]:
            wid = cat.add_work(melody, title=ident, contributors=[ContributorShare("J. S. Bach", "composer", 10000)])
            cat.record_consent(wid, "grant")
    assert main(["train"]) == 0
    capsys.readouterr()
    return home


def test_suggest_from_stems_continues_the_lead_under_the_songs_key_chords_and_tempo(trained_home, capsys, tmp_path):
    project = load_project(ensure_demo_project(trained_home))
    stems = [str(s.path) for s in project.stems]
    lead = next(s.path.stem for s in project.stems if s.name == "lead")
    code = main(["suggest", "--stems", *stems, "--lead", lead, "--from-bar", "5", "--bars", "2", "-n", "2",
                 "--seed", "3", "--json", "-o", str(tmp_path / "out")])
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    analysis = json.loads(_analysis_json(stems, lead, capsys))
    key = Key(analysis["key"]["tonic_pc"], analysis["key"]["mode"])  # the demo has a key
    grid_tempo = analysis["grid"]["tempo_bpm"]
    bar = TimeSignature.parse(analysis["grid"]["time_signature"]).bar_quarters
    for item in result["suggestions"]:
        notes = item["notes"]["notes"]
        assert notes, "a suggestion has notes"
        assert min(n[1] for n in notes) >= 4 * bar - 1e-6  # starts at bar 5 of the song
        assert max(n[1] + n[2] for n in notes) <= 6 * bar + 1e-6
        assert all(n[0] % 12 in set(key.melodic_scale) for n in notes)
        midi = mido.MidiFile(item["file"])
        tempos = [m.tempo for t in midi.tracks for m in t if m.type == "set_tempo"]
        assert tempos and abs(mido.tempo2bpm(tempos[0]) - grid_tempo) < 0.01  # the song's tempo


def _analysis_json(stems, lead, capsys) -> str:
    assert main(["analyze", *stems, "--lead", lead, "--json"]) == 0
    return capsys.readouterr().out


def test_drums_alone_without_a_lead_melody_or_a_key_is_one_clear_line(trained_home, capsys, tmp_path):
    project = load_project(ensure_demo_project(trained_home))
    drums = [str(s.path) for s in project.stems if s.name == "drums"]
    code = main(["suggest", "--stems", *drums, "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") >= 1 and "accord:" in err.splitlines()[-1]
    assert "no lead melody and no key" in err and "--key" in err
    assert not (tmp_path / "o").exists()


def test_a_song_without_its_melody_yet_gets_new_melodies_over_its_chords(trained_home, capsys, tmp_path):
    """The stems of a song in progress, no lead among them: the suggestions are new melodies from the bar where
    the harmony starts, in the song's key, with chord tones on the strong beats (as the studio's Suggest does)."""
    from app.core.analysis import analyze_stems
    from app.core.analysis.files import load_stem_inputs
    from app.core.project.cocreation.song_constraints import first_harmony_bar

    project = load_project(ensure_demo_project(trained_home))
    stems = [str(s.path) for s in project.stems if s.name != "lead"]
    code = main(["suggest", "--stems", *stems, "--bars", "2", "-n", "2", "--seed", "4", "--json",
                 "-o", str(tmp_path / "out")])
    out = capsys.readouterr()
    assert code == 0, out.err
    analysis = analyze_stems(load_stem_inputs(stems))
    first = first_harmony_bar(analysis)
    assert f"writing new melodies over the song from bar {first + 1}" in out.err
    bar = analysis.grid.time_signature.bar_quarters
    suggestions = json.loads(out.out)["suggestions"]
    assert len(suggestions) == 2
    for item in suggestions:
        notes = item["notes"]["notes"]
        assert notes and min(n[1] for n in notes) >= first * bar - 1e-6
        assert max(n[1] + n[2] for n in notes) <= (first + 2) * bar + 1e-6
        for pitch, onset, _dur, *_ in notes:  # a chord tone on every beat that starts a bar
            if abs(onset / bar - round(onset / bar)) < 1e-6:
                assert pitch % 12 in analysis.chords.at(onset).pitch_classes
        assert mido.MidiFile(item["file"]).tracks


def test_nothing_to_start_from(trained_home, capsys, tmp_path):
    code = main(["suggest", "-o", str(tmp_path)])
    assert code == 2 and "--stems" in capsys.readouterr().err


def test_stems_played_without_a_click_give_suggestions_on_their_tempo_map(trained_home, capsys, tmp_path):
    import soundfile as sf

    from app.core.midifile import MidiPart, write_midi
    from app.core.music import Melody, Note
    from tests.helpers.drift import SR, drifting_beats, kit_at

    sf.write(tmp_path / "drums.wav", kit_at(drifting_beats(100.0, 96, drift=0.03)), SR)
    phrase = Melody(tuple(Note(60 + (i % 5) * 2, float(i), 1.0) for i in range(8)), time_signature=TimeSignature(4, 4))
    write_midi(tmp_path / "phrase.mid", [MidiPart("phrase", phrase)], tempo_bpm=100.0)
    code = main(["suggest", "--stems", str(tmp_path / "drums.wav"), "--continue", str(tmp_path / "phrase.mid"),
                 "--from-bar", "3", "--bars", "2", "-n", "1", "--seed", "2", "--json", "-o", str(tmp_path / "out")])
    out = capsys.readouterr()
    assert code == 0, out.err
    [item] = json.loads(out.out)["suggestions"]
    midi = mido.MidiFile(item["file"])
    tempos = [mido.tempo2bpm(m.tempo) for t in midi.tracks for m in t if m.type == "set_tempo"]
    # the grid follows the drums' beats: one tempo per beat that changes, around 100 and rushing
    assert len(tempos) > 20 and 90.0 < min(tempos) and max(tempos) < 115.0


def test_a_triplet_feel_gets_suggestions_in_triplets_unless_asked_straight(trained_home, capsys, tmp_path):
    """A 12/8 ballad kit read 4/4 at its felt beat (90): suggestions over it are in triplets, on the song's 4/4 grid
    at 90 BPM; --feel straight gives straight ones."""
    import soundfile as sf

    from app.core.midifile import MidiPart, write_midi
    from app.core.music import Melody, Note
    from tests.helpers.feel import SR, compound_kit

    sf.write(tmp_path / "drums.wav", compound_kit(90.0, ["k", "s", "", "s"], bars=12)[0], SR)
    phrase = Melody(tuple(Note(60 + (i % 5) * 2, float(i), 1.0) for i in range(8)), time_signature=TimeSignature(4, 4))
    write_midi(tmp_path / "phrase.mid", [MidiPart("phrase", phrase)], tempo_bpm=90.0)

    def suggest(*extra: str) -> tuple[list, str]:
        code = main(["suggest", "--stems", str(tmp_path / "drums.wav"), "--continue", str(tmp_path / "phrase.mid"),
                     "--key", "C", "--from-bar", "3", "--bars", "2", "-n", "2", "--seed", "6", "--json",
                     "-o", str(tmp_path / "out"), *extra])
        out = capsys.readouterr()
        assert code == 0, out.err
        return json.loads(out.out)["suggestions"], out.err

    items, err = suggest()
    assert "triplet feel: the suggestions are in triplets" in err
    thirds = {round(n[1] % 1.0, 3) for item in items for n in item["notes"]["notes"]}
    assert thirds & {0.333, 0.667} and all(abs(f * 6 - round(f * 6)) < 1e-2 for f in thirds)
    for item in items:
        assert item["settings"]["feel"] == "triplets" and item["settings"]["time_signature"] == "4/4"
        assert all(8.0 - 1e-6 <= n[1] and n[1] + n[2] <= 16.0 + 1e-6 for n in item["notes"]["notes"])
        midi = mido.MidiFile(item["file"])
        tempos = [mido.tempo2bpm(m.tempo) for t in midi.tracks for m in t if m.type == "set_tempo"]
        meters = [(m.numerator, m.denominator) for t in midi.tracks for m in t if m.type == "time_signature"]
        assert abs(tempos[0] - 90.0) < 0.01 and meters[:1] == [(4, 4)]
    items, err = suggest("--feel", "straight")
    assert "suggestions are in triplets" not in err
    assert not {round(n[1] % 1.0, 3) for item in items for n in item["notes"]["notes"]} & {0.333, 0.667}
