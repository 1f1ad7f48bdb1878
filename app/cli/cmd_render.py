"""`accord render MIDI [--stems STEM...] [--instrument NAME|--soundfont SF2|--plugin PATH] -o OUT`

Renders a suggestion (a MIDI file) to audio, alone or mixed with the stems. Without stems the MIDI file's
own tempo map places the notes; the output format follows OUT's extension (wav, flac, aiff, mp3, ogg).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.cli.stem_args import STEM_HELP, StemPaths
from app.core.audio.synth.fx import PRESET_NAMES
from app.core.audio.synth.instruments import DEFAULT_INSTRUMENT, INSTRUMENTS
from app.core.audio.synth.render import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, soft_clip
from app.core.audio.synth.settings import RenderResources, RenderSettings, render_suggestion
from app.core.audio.synth.timing import TempoMapTiming, Timing
from app.core.errors import AccordError, AnalysisError, MidiFileError
from app.core.midifile import MidiContent, MidiTrackNotes, read_midi
from app.core.music import BeatGrid, Melody

if TYPE_CHECKING:
    from app.core.audio.io import DecodedAudio

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("render", help="render a suggestion (MIDI) to audio, alone or with the stems",
                              description="Render a suggestion (a MIDI file) to audio with a built-in instrument, "
                                          "a SoundFont or a plugin, alone or mixed with the stems. The output "
                                          "format follows OUT's extension; the file is signed like every export.")
    p.add_argument("midi", metavar="MIDI", help="the suggestion as a MIDI file")
    p.add_argument("--stems", nargs="+", metavar="STEM", default=[], action=StemPaths,
                   help="audio stems to mix under it: " + STEM_HELP)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--instrument", choices=list(INSTRUMENTS), default=None,
                     help=f"built-in instrument (default: {DEFAULT_INSTRUMENT})")
    src.add_argument("--soundfont", metavar="SF2", help="a General MIDI SoundFont (.sf2/.sf3), or 'default'")
    src.add_argument("--plugin", metavar="PATH", help="a VST3 (or, on macOS, AU) instrument plugin")
    p.add_argument("--program", type=int, metavar="N", default=None,
                   help="GM program 0–127 for --soundfont (default: the MIDI part's own, else 0)")
    p.add_argument("--fx", metavar="PRESET", default="dry",
                   help=f"effects preset ({', '.join(PRESET_NAMES)}) or a JSON chain file")
    p.add_argument("--all-parts", action="store_true", help="render every non-drum part, not just the first")
    p.add_argument("--tempo-from", choices=("analysis", "midi"), default="analysis",
                   help="with stems: place the notes on the stems' analysed grid (default) or the MIDI tempo map")
    p.add_argument("--gain-db", type=float, default=0.0, metavar="DB", help="level of the suggestion (dB, default 0)")
    p.add_argument("--sample-rate", type=int, default=48000, metavar="HZ", help="output sample rate (default 48000)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output audio file (.wav .flac .aiff "
                   ".mp3 .ogg)")
    p.add_argument("--no-watermark", action="store_true", help="write the audio without the audio watermark")
    p.set_defaults(func=run)


def write_render(path: Path, samples: np.ndarray, sample_rate: int, *, home=None,
                 sources: list[Path] | None = None, watermark: bool = True) -> Path:
    """The one place `accord render` writes its output; with `home` it is signed with the provenance record
    (the MIDI's verified Accord record, if any, passes its model and credit on)."""
    from app.core.audio.io import write_audio

    if home is None:
        return write_audio(path, samples, sample_rate)
    from app.cli.identity_prompt import signing_identity
    from app.core.project.export.files import sign_and_write_audio
    from app.core.provenance.identity import TrustList
    from app.core.provenance.sources import fields_from_sources

    signing_identity(home)
    fields = fields_from_sources("render", path.stem, sources or [], TrustList.load(home.keys_dir))
    return sign_and_write_audio(path, samples, sample_rate, fields, home=home, watermark=watermark).path


def _fx_spec(text: str):
    if text.strip().lower() in PRESET_NAMES:
        return text
    path = Path(text)
    if path.suffix.lower() == ".json":
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise AccordError("effects chain file not found", path=path) from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise AccordError(f"is not a readable JSON effects chain: {exc}", path=path) from exc
    return text  # an unknown preset name: fx.preset() explains the choices


def _parts(content: MidiContent, all_parts: bool) -> list[MidiTrackNotes]:
    parts = [p for p in content.parts if not p.is_drums and p.notes]
    if not parts:
        raise MidiFileError("has no notes outside the drum channel to render", path=content.path)
    return parts if all_parts else parts[:1]


def _timing(content: MidiContent, stems: list[DecodedAudio], tempo_from: str, ctx) -> Timing:
    """Without stems (or with --tempo-from midi) the MIDI file's tempo map; else the stems' analysed grid."""
    if stems and tempo_from == "analysis":
        grid = _analysed_grid(stems, ctx)
        if grid is not None:
            log.info("placing the suggestion on the stems' grid: %.2f BPM, first downbeat at %.3f s",
                     grid.tempo_bpm, grid.offset_seconds)
            return grid
    return TempoMapTiming.from_midi_tempo_map(content.tempo_map)


def _analysed_grid(stems: list[DecodedAudio], ctx) -> BeatGrid | None:
    """The stems' analysed BeatGrid (tempo + first downbeat), as the studio sees it; None if undetermined.

    Uses the analysis cache in Accord's home, so stems the studio already analysed cost nothing here.
    """
    try:
        from app.core.analysis.cache import AnalysisCache
        from app.core.analysis.pipeline import StemInput, analyze_stems
    except ImportError:
        log.warning("stem analysis is not available; using the MIDI file's tempo map")
        return None
    inputs = [StemInput(a.path.name, a.samples, a.sample_rate, a.content_sha256) for a in stems]
    try:
        analysis = analyze_stems(inputs, cache=AnalysisCache.in_home(ctx.home()))
    except AnalysisError as exc:
        log.warning("could not analyse the stems (%s); using the MIDI file's tempo map", exc)
        return None
    if not getattr(analysis, "tempo_determined", True):
        log.warning("the stems' tempo could not be determined; using the MIDI file's tempo map")
        return None
    grid = getattr(analysis, "grid", None)
    return grid if isinstance(grid, BeatGrid) else None


def _render_parts(parts: list[MidiTrackNotes], timing: Timing, args: argparse.Namespace,
                  sample_rate: int) -> np.ndarray:
    resources = RenderResources()
    buffers = []
    for part in parts:
        program = args.program if args.program is not None else (part.program or 0)
        settings = RenderSettings(instrument=args.instrument or DEFAULT_INSTRUMENT, soundfont=args.soundfont,
                                  program=program, plugin=args.plugin, fx=_fx_spec(args.fx), gain_db=args.gain_db)
        buffers.append(render_suggestion(Melody(part.notes), timing, settings, sample_rate=sample_rate,
                                         resources=resources))
    if len(buffers) == 1:
        return buffers[0]
    out = np.zeros((2, max(b.shape[1] for b in buffers)), dtype=np.float32)
    for b in buffers:
        out[:, : b.shape[1]] += b
    for ch in out:
        soft_clip(ch)
    return out


def _mix_with_stems(suggestion: np.ndarray, stems: list[DecodedAudio], sample_rate: int) -> np.ndarray:
    from app.core.audio.mix import MixState, TrackMix, render_offline

    tracks = [TrackMix(a.path.name, a.samples) for a in stems]
    tracks.append(TrackMix("suggestion", np.ascontiguousarray(suggestion, dtype=np.float32)))
    mixed = render_offline(MixState(tuple(tracks), sample_rate=sample_rate))
    for ch in mixed:
        soft_clip(ch)
    return mixed


def run(args: argparse.Namespace, ctx) -> int:
    from app.core.audio.io import output_format
    from app.core.audio.mix import load_stems

    out_path = Path(args.output)
    output_format(out_path)  # an unsupported extension fails before any work
    if args.program is not None and not 0 <= args.program <= 127:
        raise AccordError(f"--program {args.program} is outside 0–127 (General MIDI)")
    if args.program is not None and not args.soundfont:
        log.warning("--program only applies to --soundfont; ignored")
    content = read_midi(args.midi)
    parts = _parts(content, args.all_parts)
    rate = args.sample_rate
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise AccordError(f"--sample-rate {rate} is outside {MIN_SAMPLE_RATE}–{MAX_SAMPLE_RATE} Hz")
    stems = load_stems([Path(s) for s in args.stems], sample_rate=rate)
    timing = _timing(content, stems, args.tempo_from, ctx)
    audio = _render_parts(parts, timing, args, rate)
    if stems:
        audio = _mix_with_stems(audio, stems, rate)
    write_render(out_path, audio, rate, home=ctx.home(), sources=[Path(args.midi), *map(Path, args.stems)],
                 watermark=not args.no_watermark)
    source = args.plugin or args.soundfont or (args.instrument or DEFAULT_INSTRUMENT)
    print(f"wrote {out_path} ({audio.shape[1] / rate:.1f} s at {rate} Hz; {len(parts)} part(s) with {source}"
          f"{', ' + str(len(args.stems)) + ' stem(s)' if args.stems else ''})")
    return 0
