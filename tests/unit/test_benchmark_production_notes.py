"""The LMMS project reader behind the productions' key truth (benchmarks/realsongs/production_notes.py): which
notes a project plays, at which pitch, how often, and when a song gets no key truth."""

from __future__ import annotations

from benchmarks.realsongs import production_notes as PN
from benchmarks.realsongs import truth

HEAD = '<?xml version="1.0"?><lmms-project><head bpm="120" masterpitch="{master}"/><song><trackcontainer>'
TAIL = "</trackcontainer></song></lmms-project>"


def _track(name: str, instrument: str, notes: str, *, basenote: int = 57, extra: str = "", muted: int = 0,
           pos: int = 0) -> str:
    return (f'<track type="0" name="{name}" muted="{muted}"><instrumenttrack basenote="{basenote}" pitch="0">'
            f'<instrument name="{instrument}">{extra}</instrument></instrumenttrack>'
            f'<pattern pos="{pos}" len="192">{notes}</pattern></track>')


def _notes(*keys: int, length: int = 48) -> str:
    return "".join(f'<note pos="{i * length}" len="{length}" key="{k}"/>' for i, k in enumerate(keys))


def test_a_synth_plays_key_plus_twelve_moved_by_its_base_note_and_master_pitch():
    xml = HEAD.format(master=0) + _track("Lead", "tripleoscillator", _notes(57, 60)) + \
        _track("Pad", "zynaddsubfx", _notes(57), basenote=45) + TAIL
    got = PN.read_project(xml)
    assert sorted(n.pitch for n in got.notes) == [69, 72, 81]  # A4, C5; base note an octave down: A5
    assert got.unread_share == 0.0
    up = PN.read_project(HEAD.format(master=2) + _track("Lead", "tripleoscillator", _notes(57)) + TAIL)
    assert [n.pitch for n in up.notes] == [71]


def test_notes_are_timed_in_seconds_and_cut_at_the_pattern_end():
    xml = HEAD.format(master=0) + _track("Lead", "lb302", '<note pos="0" len="48" key="57"/>'
                                                          '<note pos="96" len="400" key="59"/>'
                                                          '<note pos="200" len="48" key="60"/>', pos=192) + TAIL
    got = PN.read_project(xml)
    # 120 BPM: a quarter (48 ticks) is 0.5 s; the pattern starts at bar 2 and is one bar long
    assert [(n.start, n.end, n.pitch) for n in got.notes] == [(2.0, 2.5, 69), (3.0, 4.0, 71)]


def test_drums_by_name_or_instrument_are_not_pitched_and_unknown_plugins_are_counted_unread():
    xml = HEAD.format(master=0) + _track("Kick", "tripleoscillator", _notes(57)) + \
        _track("Boom", "audiofileprocessor", _notes(57), extra='<audiofileprocessor src="drums/kick01.ogg"/>') + \
        _track("Chords", "kicker", _notes(57, 61)) + _track("Bass", "tripleoscillator", _notes(33, 33, 33)) + TAIL
    got = PN.read_project(xml)
    assert [n.pitch for n in got.notes] == [45, 45, 45]
    assert got.unread == ["Chords"] and abs(got.unread_share - 0.4) < 1e-9  # 2 of 5 pitched quarters
    assert len(got.bass) == 3  # a track whose notes average below E3 is the bass


def test_a_muted_track_plays_nothing():
    xml = HEAD.format(master=0) + _track("Lead", "tripleoscillator", _notes(57), muted=1) + TAIL
    assert PN.read_project(xml).notes == []


def test_a_beat_bassline_pattern_loops_wherever_its_bb_track_plays():
    bb = ('<track type="1" name="Beat 0"><bbtrack><trackcontainer>'
          + _track("Bass", "tripleoscillator", _notes(45, 45, 45, 45)) +
          '</trackcontainer></bbtrack><bbtco pos="0" len="384"/><bbtco pos="768" len="192"/></track>')
    got = PN.read_project(HEAD.format(master=0) + bb + TAIL)
    assert len(got.notes) == 12  # two bars, then one: the one-bar pattern three times
    assert sorted({n.start for n in got.notes})[:5] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert min(n.start for n in got.notes if n.start > 3.5) == 8.0


def test_the_key_truth_of_a_project_follows_its_notes():
    # a I-IV-V-I in G major over a bass ending on G
    chords = _notes(55, 59, 62, 60, 64, 60, 62, 66, 57, 55, 59, 62, length=16)
    xml = HEAD.format(master=0) + _track("Keys", "organic", chords) + \
        _track("Bass", "tripleoscillator", _notes(31, 24, 26, 31)) + TAIL
    got = PN.read_project(xml)
    assert truth.key_from_pitch_content(got.notes, got.bass) == "G major"


def test_the_chord_truth_reads_the_project_on_its_own_grid():
    # bar 1 a C major triad held, bar 2 an A minor triad held (120 BPM: two seconds a bar)
    xml = HEAD.format(master=0) + _track("Keys", "organic", _notes(48, length=192) + "".join(
        f'<note pos="0" len="192" key="{k}"/>' for k in (52, 55))) + \
        _track("Keys 2", "organic", "".join(f'<note pos="0" len="192" key="{k}"/>' for k in (45, 48, 52)), pos=192) + TAIL
    got = PN.read_project(xml)
    assert got.bpm == 120.0 and got.beats_per_bar == 4
    assert got.chords() == [[0.0, 2.0, "C:maj"], [2.0, 4.0, "A:min"]]
