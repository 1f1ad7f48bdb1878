"""Chord charts for MMA: standard progressions in every key, played in MMA's groove styles.

The grooves (drum, bass and comping patterns) are MMA's library, written by its authors; the charts are
textbook progressions. Truth is the chart itself: tempo, key, meter, one chord per bar (or two, on beats 1
and 3 of a 4/4 bar), so chords per beat are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MMA_SUFFIX = {"maj": "", "min": "m", "7": "7", "maj7": "M7", "min7": "m7", "dim": "dim", "sus4": "sus4"}
TRIAD = {"maj": "maj", "7": "maj", "maj7": "maj", "sus4": "maj", "min": "min", "min7": "min", "dim": "min"}

# (semitones above the tonic, quality) per bar; a bar holding a tuple of two has two chords
MAJOR = {
    "I-IV-V-I": [(0, "maj"), (5, "maj"), (7, "7"), (0, "maj")],
    "I-vi-IV-V": [(0, "maj"), (9, "min"), (5, "maj"), (7, "maj")],
    "ii-V-I": [(2, "min7"), (7, "7"), (0, "maj7"), (0, "maj7")],
    "I-V-vi-IV": [(0, "maj"), (7, "maj"), (9, "min"), (5, "maj")],
    "blues": [(0, "7"), (5, "7"), (0, "7"), (0, "7"), (5, "7"), (5, "7"), (0, "7"), (0, "7"),
              (7, "7"), (5, "7"), (0, "7"), (7, "7")],
    "I-IV-I-V/two": [(0, "maj"), ((5, "maj"), (0, "maj")), (0, "maj"), ((5, "maj"), (7, "7"))],
}
MINOR = {
    "i-VI-III-VII": [(0, "min"), (8, "maj"), (3, "maj"), (10, "maj")],
    "i-iv-V-i": [(0, "min"), (5, "min"), (7, "7"), (0, "min")],
    "i-VII-VI-V": [(0, "min"), (10, "maj"), (8, "maj"), (7, "7")],
    "ii-V-i": [(2, "dim"), (7, "7"), (0, "min"), (0, "min")],
}


@dataclass(frozen=True)
class Chart:
    name: str
    groove: str
    beats_per_bar: int
    tempo: float
    tonic: int
    mode: str
    progression: str
    repeats: int

    @property
    def compound(self) -> bool:
        """6 beats to the bar are MMA's 6/8: each of its beats is an eighth note."""
        return self.beats_per_bar == 6

    @property
    def meter(self) -> str:
        return "6/8" if self.compound else f"{self.beats_per_bar}/4"

    @property
    def quarter_bpm(self) -> float:
        """The tempo in quarter notes per minute, as Accord and the MIDI convention state it."""
        return self.tempo / 2.0 if self.compound else self.tempo

    @property
    def bars(self) -> list[list[tuple[int, str]]]:
        prog = (MAJOR if self.mode == "major" else MINOR)[self.progression]
        out: list[list[tuple[int, str]]] = []
        for _ in range(self.repeats):
            for bar in prog:
                chords = list(bar) if isinstance(bar[0], tuple) else [bar]
                out.append([((self.tonic + s) % 12, q) for s, q in chords])  # type: ignore[misc]
        home = (self.tonic, "maj" if self.mode == "major" else "min")
        out.append([home])  # end at home, as songs do
        return out

    def text(self) -> str:
        key = f"{NAMES[self.tonic]} {self.mode}"
        lines = [f"// {self.name}: {self.progression} in {NAMES[self.tonic]} {self.mode}",
                 f"Tempo {self.tempo:g}", f"Groove {self.groove}", f"KeySig {key}"]
        for i, bar in enumerate(self.bars):
            lines.append(f"{i + 1} " + " ".join(NAMES[r] + MMA_SUFFIX[q] for r, q in bar))
        return "\n".join(lines) + "\n"

    def chord_truth(self) -> list[list]:
        """[[start_s, end_s, 'C:maj'|'A:min'], ...] (maj/min level: 7, maj7, sus4 -> maj; m7, dim -> min)."""
        beat = 60.0 / self.tempo
        out: list[list] = []
        t = 0.0
        for bar in self.bars:
            each = self.beats_per_bar / len(bar)
            for r, q in bar:
                label = f"{NAMES[r]}:{TRIAD[q]}"
                end = t + each * beat
                if out and out[-1][2] == label:
                    out[-1][1] = round(end, 6)
                else:
                    out.append([round(t, 6), round(end, 6), label])
                t = end
        return out

    def chord_symbols(self) -> list[list]:
        """Like chord_truth, at the chart's own quality (maj, min, 7, maj7, min7, dim, sus4)."""
        beat = 60.0 / self.tempo
        out: list[list] = []
        t = 0.0
        for bar in self.bars:
            each = self.beats_per_bar / len(bar)
            for r, q in bar:
                out.append([round(t, 6), round(t + each * beat, 6), f"{NAMES[r]}:{q}"])
                t += each * beat
        return out


# (groove, beats per bar, tempo): MMA styles across rock, pop, latin, jazz, country and waltz; tempos include
# DAW-typical whole numbers and a few odd ones
GROOVES = (
    ("BasicRock", 4, 100), ("50sRock", 4, 144), ("PopBallad", 4, 72), ("SoftRock", 4, 96),
    ("FolkRock", 4, 120), ("BossaNova", 4, 132), ("Swing", 4, 126), ("Rhumba", 4, 110),
    ("ShuffleBoggie", 4, 118), ("8Beat", 4, 128), ("Rock128", 4, 84), ("Ska", 4, 152),
    ("Twist", 4, 160), ("Samba", 4, 104), ("SlowBlues", 4, 66), ("BlueGrass", 4, 170),
    ("Tango", 4, 115), ("Polka", 4, 138), ("Waltz", 3, 150), ("JazzWaltz", 3, 140),
    ("CountryWaltz", 3, 108), ("Ballad", 4, 88), ("CountrySwing", 4, 123), ("Jive", 4, 148),
    ("Jazz54", 5, 172),  # MMA's 5/4 jazz groove, written for "Take Five" (added at stop 30: 5/4 had one song)
    # 6/8 grooves (added at stop 30: the set had no compound meter). MMA plays them as 6 beats to the bar, one
    # per eighth note, so their MMA tempo counts eighths: 240 is a dotted quarter of 80 and a quarter of 120
    ("68Swing", 6, 240), ("Blues68", 6, 192),
)
# A held-out set (added at stop 38): 30 other MMA styles, none of which any constant of the analysis was chosen
# on (every choice from stop 25 to 37 was measured on GROOVES and the openmsx songs). Left out on purpose: the
# grooves MMA writes in 4/4 for a 12/8 or 6/8 feel (Blues128, Ballad128, Ballad68), whose MIDI tempo is a
# notation choice rather than a heard one. Tempos are each style's usual range.
HELDOUT_GROOVES = (
    ("60sRock", 4, 132), ("JazzRock", 4, 118), ("R&B", 4, 96), ("R&B-Ballad", 4, 66), ("DSoul", 4, 104),
    ("BVFunk", 4, 100), ("Trance", 4, 138), ("BoneyM", 4, 124), ("Merengue", 4, 140), ("Mambo", 4, 176),
    ("ChaCha", 4, 120), ("Salsa", 4, 180), ("Son", 4, 100), ("Calypso", 4, 116), ("Bolero", 4, 96),
    ("Zydeco", 4, 150), ("Dixie", 4, 180), ("RagTime", 4, 104), ("Charleston", 4, 196), ("QuickStep", 4, 200),
    ("BigBand", 4, 160), ("EasySwing", 4, 106), ("WesternSwing", 4, 140), ("PianoBallad", 4, 70),
    ("RockBallad", 4, 76), ("ShowTune", 4, 130), ("CountryBlues", 4, 92), ("FastBlues", 4, 150),
    ("RockWaltz", 3, 120), ("VieneseWaltz", 3, 180),
)
KEY_CYCLE = (0, 7, 2, 9, 4, 11, 6, 1, 8, 3, 10, 5)


# A second held-out set (added at stop 39), from another author: 30 of the styles in MMA's "casio" library,
# converted from Casio keyboards' accompaniment styles (mostly the pop, dance, soul and rock of the last
# decades, which the stdlib sets have little of). No constant was chosen on them, including stop 38's (which
# were chosen while looking at HELDOUT_GROOVES). Left out: casio styles whose names the other libraries also
# define (60sRock, Blues, Swing, Polka, PopBallad, QuickStep, R&B, ...: MMA would play another library's), and
# FastBigBand (its own notes say it is really 2/4). Tempos are each style's usual range; 68Ballad is 6 beats
# of eighths a bar, like the main set's 6/8 grooves.
CASIO_GROOVES = (
    ("16Beat1", 4, 96), ("16BeatBallad1", 4, 72), ("16Shuffle1", 4, 92), ("60sPop", 4, 128), ("60sSoul", 4, 112),
    ("80sPop", 4, 118), ("8Beat2", 4, 124), ("8BeatBallad1", 4, 76), ("8BeatDance", 4, 126), ("8BeatPop1", 4, 110),
    ("Dance1", 4, 128), ("DancePop1", 4, 122), ("DigitalRock", 4, 132), ("DiscoSoul", 4, 116),
    ("ElectricPop", 4, 120), ("Funk1", 4, 104), ("Fusion", 4, 112), ("HeavyMetal", 4, 150), ("Hip-Hop", 4, 92),
    ("House", 4, 124), ("LatinHouse", 4, 126), ("MellowRB", 4, 84), ("ModernR&B", 4, 98), ("PopRock1", 4, 134),
    ("PopShuffle1", 4, 108), ("ShuffleRock", 4, 136), ("Soul", 4, 100), ("Techno", 4, 136), ("PopWaltz", 3, 132),
    ("68Ballad", 6, 168),
)
# A third held-out set (added at stop 41, when both earlier ones had been looked at while choosing constants):
# the main variation of every style in MMA's "yamaha" (converted from Yamaha keyboard styles), "pflib" and
# "kara" libraries, three more authors, except kara's Twi (a second twist beside fasttwist). Tempos are the
# library's own advice where its file gives one (kara), else the style's usual tempo, all set before anything
# was measured on them.
MORE_GROOVES = (
    ("JazzGrTrioMainA", 4, 120), ("JazzBasieA", 4, 130), ("JazzBossaA", 4, 126), ("JazzBouncyMainA", 4, 144),
    ("JazzCountryMainA", 4, 116), ("JazzSwingMainA", 4, 160), ("JazzTrioMainA", 4, 112), ("JazzWaltzMainA", 3, 144),
    ("MamboMainA", 4, 168), ("QuandoGSMainA", 4, 100), ("Salsa1MainA", 4, 180), ("Salsa2MainA", 4, 190),
    ("W-RockMainA", 4, 120), ("WesternMainA", 4, 112), ("16beat1A", 4, 96), ("16beat2A", 4, 100),
    ("8beat1A", 4, 120), ("8beat2A", 4, 128), ("highfiveA", 4, 140), ("metal1A", 4, 160), ("metal2A", 4, 150),
    ("rock1A", 4, 130), ("slowrockA", 4, 76), ("2beatpA", 4, 120), ("8beatmotownA", 4, 120),
    ("50s_RockA", 4, 150), ("Kfunk1A", 4, 112), ("fasttwistA", 4, 140), ("HappyshuffleA", 4, 120),
    ("kbossaA", 4, 122), ("kwestballadA", 4, 80),
)
# which set -> (grooves, name prefix, key offset, which i % 3 is minor)
SETS = {"main": (GROOVES, "mma", 0, 2), "heldout": (HELDOUT_GROOVES, "mmh", 5, 1), "casio": (CASIO_GROOVES, "mmc", 9, 0),
        "more": (MORE_GROOVES, "mmo", 2, 1)}


def charts(which: str = "main") -> list[Chart]:
    """The charts of one set (`SETS`: the main set, the held-out set, the casio held-out set): each its own
    grooves, keys and progressions."""
    grooves, prefix, offset, minor_at = SETS[which]
    out = []
    majors, minors = list(MAJOR), list(MINOR)
    for i, (groove, bpb, tempo) in enumerate(grooves):
        minor = i % 3 == minor_at
        progs = minors if minor else majors
        prog = progs[i % len(progs)]
        if bpb != 4 and "two" in prog:  # two chords a bar are on beats 1 and 3 of a 4/4 bar
            prog = "I-IV-V-I"
        n_bars = len((MINOR if minor else MAJOR)[prog])
        repeats = max(2, round(48 / n_bars * tempo / 120.0 / (bpb / 4)) // 2)
        name = "".join(c for c in groove.lower() if c.isalnum())
        out.append(Chart(f"{prefix}-{i:02d}-{name}", groove, bpb, float(tempo), KEY_CYCLE[(i + offset) % 12],
                         "minor" if minor else "major", prog, repeats))
    return out
