"""STEM arguments shared by the commands that read stems (analyze, mix, project new, render, suggest).

A stem is an audio file, or a folder: a DAW's export of a song is one folder of numbered tracks, so a folder
stands for the audio files in it (three levels deep, hidden files skipped) in counting order, "2_Bass" before
"10_Keys" — the same files, in the same order, as dropping that folder on the studio.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.core.audio.formats import FOLDER_LIMIT, SUPPORTED_TEXT, audio_files_in

STEM_HELP = f"audio files ({SUPPORTED_TEXT}), or folders of them (a DAW's exported tracks)"


def expand_stem_paths(values: list[str]) -> list[str]:
    """Each folder replaced by its audio files in counting order; ValueError for a folder without audio or
    with more than FOLDER_LIMIT files (the message says which folder and what to do)."""
    out: list[str] = []
    for value in values:
        if not Path(value).is_dir():
            out.append(value)
            continue
        found = audio_files_in(Path(value))
        if not found:
            raise ValueError(f"{value}: no audio files in this folder ({SUPPORTED_TEXT})")
        if len(found) > FOLDER_LIMIT:
            raise ValueError(f"{value}: more than {FOLDER_LIMIT} audio files; give the stems you mean, or a folder "
                             "that holds only them")
        out += [str(f) for f in found]
    return out


class StemPaths(argparse.Action):
    """`nargs="+"` STEM arguments with folders expanded (see expand_stem_paths); a bad folder is a usage error."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001 — argparse's signature
        try:
            setattr(namespace, self.dest, expand_stem_paths(list(values)))
        except ValueError as exc:
            parser.error(str(exc))
