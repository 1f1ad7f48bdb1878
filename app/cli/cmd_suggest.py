"""`accord suggest --continue MIDI | --vary MIDI | --fill MIDI --gap BAR:BAR [...] [--stems STEM... [--lead STEM]]`.

With `--stems`, the stems are analysed (tempo, meter, key, chords, lead melody; cached per stem) and the
analysis becomes the constraints (key, chord tones on strong beats, bar grid, the lead's range, the song's
tempo for the MIDI file); without a MIDI file, the analysed lead melody is the phrase to continue.

Reads the prime's melody (the catalogue importer's choice of part), loads the current model (refusing a stale
one), generates N distinct suggestions under the hard constraints, writes one MIDI file per suggestion
(`write_suggestion_midi`, the single place where suggestion files are written) and prints each with its
notes, longest copied run, per-work credit and contributor credit.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.cli.stem_args import StemPaths
from app.core.catalogue.importing.midi_import import extract_melody
from app.core.errors import AccordError
from app.core.midifile import MidiPart
from app.core.model.constraints import DEFAULT_MAX_COPY, Constraints
from app.core.model.credit import Suggestion
from app.core.model.generation.generate import (
    DEFAULT_REPEAT_DAMPING,
    DEFAULT_TEMPERATURE,
    VARY_KINDS,
    continue_phrase,
    fill_gap,
    vary,
    vary_span,
)
from app.core.model.style.profile import BREATHING, DENSITY_FEEL, STUDIO_STYLE
from app.core.model.style.structure import STRUCTURES
from app.core.music import BeatGrid, Key, Melody, pitch_name
from app.core.project.cocreation.feel import FEELS, triplet_view
from app.core.project.model_training import load_bound_model

NO_MODEL = "no model yet: import works, grant consent, run accord train"
DEFAULT_TEMPO = 100.0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("suggest", help="continue, fill or vary a melody with the trained model",
                              description="Generate melody suggestions under hard constraints, with credit.")
    mode = p.add_mutually_exclusive_group(required=False)
    mode.add_argument("--continue", dest="cont", metavar="MIDI", help="continue this phrase")
    mode.add_argument("--vary", metavar="MIDI", help="vary this melody")
    mode.add_argument("--fill", metavar="MIDI", help="fill a gap of this melody (with --gap)")
    p.add_argument("--gap", metavar="BAR:BAR", help="bars to fill, 1-based and inclusive, e.g. 3:4")
    p.add_argument("--bars", type=int, default=4, help="bars to continue (1..32, default 4)")
    p.add_argument("-n", type=int, default=4, help="how many distinct suggestions (default 4)")
    p.add_argument("--key", help="key lock, e.g. C, Am, F# minor (default: the prime's key)")
    p.add_argument("--chromatic", action="store_true", help="allow any pitch class")
    p.add_argument("--range", metavar="LOW:HIGH", help="MIDI pitch range (default: the prime's range and a fourth "
                   "either side)")
    p.add_argument("--density", metavar="MIN:MAX", help="notes per bar")
    p.add_argument("--max-copy", type=int, default=DEFAULT_MAX_COPY,
                   help=f"max notes copied from one work (k, default {DEFAULT_MAX_COPY}; 0 = off)")
    p.add_argument("--kind", choices=VARY_KINDS, default="rhythm",
                   help="with --vary, what to keep: rhythm = the same rhythm, new pitches (closeness pulls them "
                        "toward the originals); pitches = each bar's pitches, a new rhythm and order; anchors = the "
                        "notes on downbeats (and strong beats when close), new notes between; ornament = every "
                        "note, some split with a passing note (default rhythm)")
    p.add_argument("--closeness", type=float, default=0.5, help="with --vary: 0 far from the melody .. 1 near it (default 0.5)")
    p.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE,
                   help=f"adventurousness: below 1 safer, above 1 bolder (default {DEFAULT_TEMPERATURE})")
    p.add_argument("--repeat-damping", type=float, default=DEFAULT_REPEAT_DAMPING, metavar="D",
                   help=f"weight of a pitch already heard twice in a row, per further repeat (default "
                        f"{DEFAULT_REPEAT_DAMPING}; 1 = off)")
    p.add_argument("--structure", choices=STRUCTURES, default=STUDIO_STYLE.structure,
                   help="continue/fill: repeat bars as the catalogue does (default), answer a two-bar call, or free")
    p.add_argument("--breathing", choices=tuple(BREATHING), default="catalogue",
                   help="continue/fill: rests where and as long as the catalogue's (default), fewer, more or none")
    p.add_argument("--note-density", choices=tuple(DENSITY_FEEL), default="catalogue",
                   help="continue/fill: notes per bar as the catalogue's (default), sparser or busier")
    p.add_argument("--feel", choices=FEELS, default="song",
                   help="song: triplets where the stems have a triplet feel written in 4/4 (a shuffle, a 12/8 "
                        "ballad), else straight (default); straight; or triplets (each beat in three)")
    p.add_argument("--plain", action="store_true",
                   help="continue/fill without the learned style (no planned rests, repeats or register prior)")
    p.add_argument("--no-source-check", dest="source_check", action="store_false",
                   help="skip re-reading the works' MIDI files: max-copy then holds against the learned melodies "
                        "only, not also against the parts as imported")
    p.add_argument("--seed", type=int, help="random seed (reproducible suggestions)")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the current model)")
    p.add_argument("-o", "--output", metavar="DIR", default="suggestions", help="where to write MIDI files")
    p.add_argument("--stems", nargs="+", metavar="STEM", action=StemPaths,
                   help="fit the song in these audio stems, or folders of them (analysed: key, chords, tempo, meter; "
                   "without --continue/--vary/--fill, continue their lead melody)")
    p.add_argument("--lead", metavar="STEM", help="with --stems: the stem holding the lead melody (default: guessed)")
    p.add_argument("--from-bar", type=int, metavar="BAR", help="with --stems: first bar of the suggestion, 1-based "
                   "(default: the bar after the phrase being continued)")
    p.add_argument("--json", action="store_true", help="print one JSON document: the model and, per suggestion, "
                   "its notes, credit, longest copied run and file")
    p.set_defaults(func=run)


def _pair(text: str, what: str, cast=int) -> tuple:
    try:
        a, b = text.split(":")
        return cast(a), cast(b)
    except ValueError as exc:
        raise AccordError(f"{what}: {text!r} is not LOW:HIGH (e.g. 48:84)") from exc


def write_suggestion_midi(path: Path, suggestion: Suggestion, *, tempo_bpm: float | Sequence[tuple[float, float]],
                          home: Any = None, manifest: dict | None = None) -> Path:
    """Write one suggestion as a type-1 MIDI file (the one place suggestion files are written); with `home`
    it carries the signed provenance record (model, training works from `manifest`, credit). `tempo_bpm`: one
    tempo, or the tempo map [(quarter, BPM)] of stems played without a click."""
    parts = [MidiPart(f"Accord {suggestion.mode}", suggestion.notes)]
    meta_text = [f"accord suggestion {suggestion.id} model {suggestion.model_id}"]
    if home is None:
        from app.core.project.export.files import write_unsigned_midi

        return write_unsigned_midi(path, parts, tempo_bpm, suggestion.notes.time_signature, meta_text)
    from app.cli.identity_prompt import signing_identity
    from app.core.project.export.files import sign_and_write_midi
    from app.core.provenance.adapters import suggestion_record_fields

    signing_identity(home)  # asks for the artist's name on a terminal the first time
    fields = suggestion_record_fields(suggestion.to_json(), manifest, title=path.stem)
    return sign_and_write_midi(path, parts, fields, home=home, tempo=tempo_bpm,
                               time_signature=suggestion.notes.time_signature, meta_text=meta_text).path


def _describe(s: Suggestion, titles: dict[int, str], key: Key | None = None) -> list[str]:
    lines = [f"suggestion {s.id} ({s.mode}, seed {s.seed}, index {s.settings.get('index')})",
             "  notes: " + " ".join(f"{pitch_name(n.pitch, key)}/{n.duration:g}" for n in s.notes),
             f"  longest copied run: {s.longest_copied_run['length']} notes"
             + (f" (work {s.longest_copied_run['work_id']})" if s.longest_copied_run.get("work_id") else "")]
    top = sorted(s.credit.items(), key=lambda kv: -kv[1])[:5]
    lines.append("  credit: " + ", ".join(f"{w} {titles.get(w, '')!s} {v:.1%}" for w, v in top)
                 + f"; unattributed {s.uniform_share + s.piece_share:.1%} (the piece itself {s.piece_share:.1%}, "
                 f"chance {s.uniform_share:.1%}: no training work, no contributor)")
    lines.append("  contributors: " + ", ".join(f"{n} {v:.1%}" for n, v in list(s.contributors.items())[:5]))
    return lines


def _from_stems(args: argparse.Namespace, home: Any) -> tuple[Melody, Constraints, BeatGrid, bool]:
    """Analyse the stems and turn what was heard into the phrase to work on, the constraints, the grid and whether
    the song has a triplet feel. Without a lead melody (a song in progress whose tune is not written yet), the
    suggestions are new melodies over its chords."""
    from app.core.analysis import AnalysisCache, analyze_stems
    from app.core.analysis.files import load_stem_inputs, resolve_stem_name
    from app.core.project.cocreation.song_constraints import (
        constraints_from_analysis,
        first_harmony_bar,
        prime_from_analysis,
    )

    lead = resolve_stem_name(args.lead, args.stems) if args.lead else None
    analysis = analyze_stems(load_stem_inputs(args.stems), lead=lead, cache=AnalysisCache.in_home(home))
    for note in analysis.notes:
        print(f"accord: analysis: {note}", file=sys.stderr)
    bq = analysis.grid.time_signature.bar_quarters
    given = args.cont or args.vary or args.fill
    if given:
        melody = extract_melody(given)
    else:
        melody = analysis.melody or Melody((), time_signature=analysis.grid.time_signature)
        if not melody.notes and analysis.key is None and not args.key:
            # nothing pitched to write over: no key, no chords (drums only, or noise)
            raise AccordError("no lead melody and no key were heard in the stems",
                              hint="name the lead stem with --lead, give a key with --key, or a phrase with "
                                   "--continue MIDI")
    if args.from_bar is not None:
        if args.from_bar < 1:
            raise AccordError(f"--from-bar {args.from_bar}: bars are numbered from 1")
        start_bar = args.from_bar - 1
    elif args.vary or args.fill:
        start_bar = 0
    elif not melody.notes:  # a song without its melody yet: new melodies from where the harmony starts
        start_bar = first_harmony_bar(analysis)
    else:
        start_bar = max(1, math.ceil(melody.end / bq - 1e-9))
    if not given and not melody.notes:
        print(f"accord: no lead melody in the stems: writing new melodies over the song from bar {start_bar + 1} "
              "(--lead STEM continues the lead instead; --from-bar chooses where)", file=sys.stderr)
    bars = args.bars
    if args.vary or args.fill:
        bars = max(1, min(32, math.ceil(melody.end / bq - 1e-9)))
    try:
        key = Key.parse(args.key) if args.key else None
        rng = _pair(args.range, "--range") if args.range else None
        density = _pair(args.density, "--density", float) if args.density else None
    except ValueError as exc:
        raise AccordError(str(exc)) from exc
    c = constraints_from_analysis(analysis, start_bar=start_bar, bars=bars, pitch_range=rng,
                                  max_copy=args.max_copy, chromatic=args.chromatic, key_override=key,
                                  density=density)
    if not given:
        melody = prime_from_analysis(analysis, start_bar, 8)
    return melody, c, analysis.grid, analysis.triplet_feel


def run(args: argparse.Namespace, ctx: Any) -> int:
    home = ctx.home()
    path = Path(args.model) if args.model else home.current_model_path
    if not path.exists():
        raise AccordError(NO_MODEL if not args.model else "model file not found", path=path if args.model else None)
    model = load_bound_model(home.catalogue_path, path, keys_dir=home.keys_dir)
    source = args.cont or args.vary or args.fill
    if source is None and not args.stems:
        raise AccordError("say what to start from: --continue MIDI, --vary MIDI, --fill MIDI --gap BAR:BAR, "
                          "or --stems STEM... to continue the song's lead melody")
    grid = None
    song_feel = False
    if args.stems:
        melody, c, grid, song_feel = _from_stems(args, home)
        source = source or Path(args.stems[0]).with_name("song")
        if not args.cont and not args.vary and not args.fill:
            args.cont = str(source)
    else:
        melody = extract_melody(source)
        try:
            key = Key.parse(args.key) if args.key else melody.key
            if args.range:
                low, high = _pair(args.range, "--range")
            else:
                pitches = melody.pitches or [60]
                low, high = max(0, min(pitches) - 5), min(127, max(pitches) + 5)
            density = _pair(args.density, "--density", float) if args.density else None
            c = Constraints(key=key, chromatic=args.chromatic, time_signature=melody.time_signature,
                            bars=args.bars, pitch_range=(low, high), density=density, max_copy=args.max_copy,
                            tempo_bpm=melody.tempo_bpm)
        except ValueError as exc:
            raise AccordError(str(exc)) from exc
    tempo = c.tempo_bpm or melody.tempo_bpm or DEFAULT_TEMPO
    view = triplet_view(c.time_signature, args.feel, song_feel)
    if view is not None:  # generated with the beats in eighths, brought back to the song's grid (feel.py)
        if args.feel == "song":
            print("accord: the song has a triplet feel: the suggestions are in triplets (--feel straight for "
                  "straight ones)", file=sys.stderr)
        melody, c = view.melody(melody), view.constraints(c)
    if not 0.0 < args.repeat_damping <= 1.0:
        raise AccordError(f"--repeat-damping must be in (0, 1], not {args.repeat_damping:g}")
    common = {"n": args.n, "seed": args.seed, "temperature": args.temperature,
              "repeat_damping": args.repeat_damping}
    style = None if args.plain else replace(STUDIO_STYLE, structure=args.structure,
                                            breathing=BREATHING[args.breathing],
                                            density=DENSITY_FEEL[args.note_density])
    if args.vary:
        vary_span(melody, args.kind)  # what vary refuses, refused before the catalogue's files are read
    if args.source_check:
        from app.core.analysis.cache import AnalysisCache
        from app.core.project.cocreation.source_parts import source_parts

        sources = source_parts(home.catalogue_path, sorted(model.works), cache=AnalysisCache.in_home(home))
        if sources:
            common["sources"] = sources
    if args.cont:
        suggestions = continue_phrase(model, melody, c, style=style, **common)
    elif args.vary:
        suggestions = vary(model, melody, c, kind=args.kind, closeness=args.closeness, **common)
    else:
        if not args.gap:
            raise AccordError("--fill needs --gap BAR:BAR (1-based, inclusive, e.g. 3:4)")
        a, b = _pair(args.gap, "--gap")
        if not 1 <= a <= b:
            raise AccordError(f"--gap: {args.gap!r} must be FIRST:LAST bars with 1 <= FIRST <= LAST")
        bq = melody.time_signature.bar_quarters
        suggestions = fill_gap(model, melody, ((a - 1) * bq, b * bq), c, style=style, **common)
    if view is not None:
        suggestions = [view.suggestion_back(s) for s in suggestions]
    out_dir = Path(args.output)
    # stems played without a click: the files carry the grid's tempo map, so they land on the song's beats
    tempo_map = grid.tempo_changes() if grid is not None and grid.follows_tempo else None
    titles = {w.id: w.title for w in model.works.values()}
    written = []
    for i, s in enumerate(suggestions):
        name = f"{Path(source).stem}-{s.mode}-{i + 1}-{s.id[:8]}.mid"
        written.append(write_suggestion_midi(out_dir / name, s, tempo_bpm=tempo_map or (
            tempo if math.isfinite(tempo) else DEFAULT_TEMPO), home=home, manifest=model.manifest()))
    if args.json:
        print(json.dumps({"model_id": model.model_id, "model_fingerprint": model.fingerprint,
                          "suggestions": [{**s.to_json(), "file": str(f)} for s, f in zip(suggestions, written, strict=False)]},
                         indent=2))
        return 0
    for s, f in zip(suggestions, written, strict=False):
        for line in _describe(s, titles, c.key):
            print(line)
        print(f"  file: {f}")
    return 0
