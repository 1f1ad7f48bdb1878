"""`accord project new --stems STEM... -o SONG.accord` and `accord project demo -o DIR`.

new: a project file (the studio's `.accord`) from audio stems, so that `accord export` and the studio can
open the song; with `--analyze`, tempo, meter, key, chords and stem roles are stored in it too (the same
result the studio's Analysis dock stores).
demo: example material to follow the README with: the demo song's four stems (drums, bass, keys, lead) and
its project, a short phrase to continue (phrase.mid) and a few public-domain melodies (Bach chorale
soprano lines) in songs/ to stand in for your own works.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.stem_args import STEM_HELP, StemPaths
from app.core.errors import AccordError, ProjectError

DEMO_SONGS = 12
PHRASE_BARS = 2


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("project", help="make a project (.accord) from stems, or the demo material",
                              description="Make Accord project files from the command line.")
    sub = p.add_subparsers(dest="project_command", metavar="ACTION", required=True, parser_class=type(p))
    new = sub.add_parser("new", help="a project file from audio stems",
                         description="Write a project (.accord) that holds these stems; open it in the studio "
                                     "(`accord gui SONG.accord`) or export from it (`accord export`).")
    new.add_argument("--stems", nargs="+", required=True, metavar="STEM", action=StemPaths,
                     help=STEM_HELP + "; their names become the track names")
    new.add_argument("-o", "--output", required=True, metavar="SONG.accord",
                     help="the project file to write (stem paths are stored relative to it)")
    new.add_argument("--name", help="the song's name (default: the file name without extension)")
    new.add_argument("--analyze", action="store_true",
                     help="also analyse the stems and store tempo, meter, key, chords and roles")
    new.add_argument("--lead", metavar="STEM", help="with --analyze: the stem holding the lead melody")
    new.add_argument("--force", action="store_true", help="replace an existing project file")
    new.set_defaults(func=run_new)
    demo = sub.add_parser("demo", help="example material: the demo song's stems, a phrase and melodies",
                          description="Write the demo song (drums.wav, bass.wav, keys.wav, lead.wav and its "
                                      "project), phrase.mid (its first two bars of melody) and songs/ "
                                      f"({DEMO_SONGS} public-domain Bach chorale melodies as MIDI) into DIR.")
    demo.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write into")
    demo.set_defaults(func=run_demo)


def run_new(args: argparse.Namespace, ctx: Any) -> int:
    from app.core.analysis.files import stem_names
    from app.core.audio.io import load_audio, sha256_file
    from app.core.project.model import Project, StemRef
    from app.core.project.store import EXTENSION, save_project

    out = Path(args.output)
    if out.suffix != EXTENSION:
        raise ProjectError(f"a project file ends in {EXTENSION}", path=out, hint=f"e.g. -o song{EXTENSION}")
    if out.exists() and not args.force:
        raise ProjectError("already exists", path=out, hint="choose another name, or --force to replace it")
    paths = [Path(s).resolve() for s in args.stems]
    if len(set(paths)) != len(paths):
        raise ProjectError("the same stem was given twice")
    stems = []
    for path, name in zip(paths, stem_names(paths), strict=True):
        load_audio(path, sample_rate=8000)  # refuse an unreadable file now, not when the project is opened
        stems.append(StemRef(name=name, path=path, content_sha256=sha256_file(path)))
    project = Project(name=args.name or out.stem, stems=stems)
    if args.analyze:
        _analyze(project, args, ctx)
    elif args.lead:
        raise AccordError("--lead needs --analyze")
    save_project(project, out)
    what = f"{project.tempo_bpm:g} BPM, {project.key or 'no key'}" if args.analyze else "not analysed yet"
    count = f"{len(stems)} stem{'' if len(stems) == 1 else 's'}"
    print(f"wrote {out} ({count}: {', '.join(s.name for s in stems)}; {what})")
    return 0


def _analyze(project: Any, args: argparse.Namespace, ctx: Any) -> None:
    from app.core.analysis import AnalysisCache, analyze_stems
    from app.core.analysis.files import load_stem_inputs, resolve_stem_name
    from app.core.project.analysis_edits import apply_analysis

    paths = [s.path for s in project.stems]
    lead = resolve_stem_name(args.lead, paths) if args.lead else None
    analysis = analyze_stems(load_stem_inputs(paths), lead=lead, cache=AnalysisCache.in_home(ctx.home()))
    apply_analysis(project, analysis).apply(project)


def run_demo(args: argparse.Namespace, ctx: Any) -> int:
    from app.core.midifile import MidiPart, write_midi
    from app.core.model.datasets import IDYOM_BWV_RANGE, load_chorales
    from app.core.music import Key, Melody, Note, TimeSignature
    from app.core.project import demo

    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise AccordError("is not a folder", path=folder)
    project = demo.generate_demo(folder)
    four_four = TimeSignature(4, 4)
    phrase = Melody(tuple(Note(p, float(on), float(d)) for p, on, d in demo.LEAD if on < PHRASE_BARS * 4),
                    key=Key.parse("Am"), time_signature=four_four, tempo_bpm=demo.BPM)
    write_midi(folder / "phrase.mid", [MidiPart("phrase", phrase)], tempo_bpm=demo.BPM, time_signature=four_four)
    songs = folder / "songs"
    for ident, melody in load_chorales(bwv_range=IDYOM_BWV_RANGE)[:DEMO_SONGS]:
        name = ident.split(".")[0]
        write_midi(songs / f"{name}.mid", [MidiPart(name, melody)], tempo_bpm=90.0,
                   time_signature=melody.time_signature)
    print(f"wrote {folder}: drums.wav bass.wav keys.wav lead.wav ({demo.BPM:g} BPM, A minor), {project.name}, "
          f"phrase.mid, songs/ ({DEMO_SONGS} Bach chorale melodies, public domain)")
    return 0
