"""`accord mix STEM... -o OUT [--gain NAME=DB] [--pan NAME=P] [--mute NAME] [--solo NAME]`.

Renders the stems offline through the same mixer playback uses (app.core.audio.mix.render_offline).
NAME is a stem's file name without its extension. The output format follows OUT's extension. Every file
goes out through `write_mix_output`, the one place a later step (provenance) hooks into.
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from app.cli.stem_args import STEM_HELP, StemPaths
from app.core.audio.io import PROJECT_RATE, DecodedAudio, load_audio, output_format, write_audio
from app.core.audio.mix import MAX_GAIN_DB, MIN_GAIN_DB
from app.core.errors import AccordError
from app.core.project.mixdown import render_mix_streaming
from app.core.project.model import Project, StemRef

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "mix", help="mix audio stems into one file",
        description="Mix stems offline through Accord's mixer. NAME is a stem's file name without extension.")
    p.add_argument("stems", nargs="+", metavar="STEM", action=StemPaths, help=STEM_HELP)
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file; format from extension")
    p.add_argument("--gain", action="append", default=[], metavar="NAME=DB", help="stem gain in dB")
    p.add_argument("--pan", action="append", default=[], metavar="NAME=P",
                   help="stem pan, -1 (left) .. +1 (right), constant-power")
    p.add_argument("--mute", action="append", default=[], metavar="NAME", help="leave a stem out")
    p.add_argument("--solo", action="append", default=[], metavar="NAME", help="play only soloed stems")
    p.add_argument("--master", type=float, default=0.0, metavar="DB", help="master gain in dB (default 0)")
    p.add_argument("--subtype", default=None, metavar="SUBTYPE",
                   help="sample format, e.g. PCM_16, PCM_24 (default), FLOAT")
    p.add_argument("--no-watermark", action="store_true", help="write the mix without the audio watermark")
    p.set_defaults(func=run)


def _number(text: str, what: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise AccordError(f"{what}: '{text}' is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise AccordError(f"{what}: {text} is outside {low:g}..{high:g}")
    return value


def _settings(args: argparse.Namespace, names: list[str]) -> dict[str, dict[str, Any]]:
    known = set(names)
    duplicated = {n for n in known if names.count(n) > 1}
    settings: dict[str, dict[str, Any]] = {n: {} for n in known}

    def target(name: str, option: str) -> str:
        if name not in known:
            raise AccordError(f"{option} {name}: no stem is named '{name}'",
                              hint=f"stems are: {', '.join(sorted(known))}")
        if name in duplicated:
            raise AccordError(f"{option} {name}: several stems are named '{name}'; rename one")
        return name

    for option, key, low, high in (("--gain", "gain_db", MIN_GAIN_DB, MAX_GAIN_DB), ("--pan", "pan", -1.0, 1.0)):
        for item in getattr(args, key.split("_")[0]):
            name, sep, value = item.rpartition("=")
            if not sep or not name:
                raise AccordError(f"{option} '{item}' must look like NAME=VALUE")
            settings[target(name, option)][key] = _number(value, f"{option} {name}", low, high)
    for option in ("mute", "solo"):
        for name in getattr(args, option):
            settings[target(name, f"--{option}")][option] = True
    return settings


def write_mix_output(path: Path, samples: np.ndarray, sample_rate: int, *, subtype: str | None = None,
                     home: Any = None, sources: list[Path] | None = None, watermark: bool = True) -> Path:
    """Write a rendered mix (atomically). Every `accord mix` output goes through here: with `home`, signed
    with the artist's provenance record (sources carrying verified Accord records pass their credit on)."""
    if home is None:
        return write_audio(path, samples, sample_rate, subtype=subtype)
    from app.cli.identity_prompt import signing_identity
    from app.core.project.export.files import sign_and_write_audio
    from app.core.provenance.identity import TrustList
    from app.core.provenance.sources import fields_from_sources

    signing_identity(home)
    fields = fields_from_sources("mix", path.stem, sources or [], TrustList.load(home.keys_dir))
    return sign_and_write_audio(path, samples, sample_rate, fields, home=home, subtype=subtype,
                                watermark=watermark).path


def run(args: argparse.Namespace, ctx: Any) -> int:
    out = Path(args.output)
    output_format(out)  # refuse an unknown output type before decoding anything
    if not math.isfinite(args.master) or not MIN_GAIN_DB <= args.master <= MAX_GAIN_DB:
        raise AccordError(f"--master {args.master:g} is outside {MIN_GAIN_DB:g}..{MAX_GAIN_DB:g} dB")
    paths = [Path(s) for s in args.stems]
    names = [p.stem for p in paths]
    settings = _settings(args, names)
    # As a project's export does: one stem decoded at a time, summed into the mix as it comes (20 stems of
    # 10 minutes need the mix and one stem, not 4.6 GB)
    song = Project(name=out.stem, sample_rate=PROJECT_RATE, master_gain_db=args.master,
                   stems=[StemRef(name, path, **settings.get(name, {})) for path, name in zip(paths, names, strict=True)])

    def load(stem: StemRef) -> DecodedAudio:
        audio = load_audio(stem.path, sample_rate=PROJECT_RATE)
        log.info("loaded %s: %.1f s, %d Hz, %d channel(s)", stem.path.name, audio.duration, audio.source_rate,
                 audio.source_channels)
        return audio

    mixed, _ = render_mix_streaming(song, load)
    audible = {s.name for s in song.stems if song.audible(s)}
    written = write_mix_output(out, mixed, PROJECT_RATE, subtype=args.subtype, home=ctx.home(),
                               watermark=not args.no_watermark,
                               sources=[p for p, n in zip(paths, names, strict=True) if n in audible])
    peak = float(np.max(np.abs(mixed), initial=0.0))
    clipped = " (peaks above 0 dBFS were clipped)" if peak > 1.0 and (args.subtype or "").upper() not in (
        "FLOAT", "DOUBLE") else ""
    print(f"wrote {written} ({mixed.shape[1] / PROJECT_RATE:.2f} s, {len(audible)} of {len(song.stems)} "
          f"stems audible){clipped}")
    return 0
