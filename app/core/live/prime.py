"""The recorded phrase as the song's prime: stored in the project (`extras["live"]["prime"]`), set by one
undoable edit, and the requests that make "continue" and "vary" start from it.

The phrase's onsets are the song's quarter notes (the studio aligns the live clock to the stems' grid while
recording), so a continuation starts on the bar line after it and a variation covers its bars.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from app.core.music import Melody
from app.core.project.cocreation.cocreate import SuggestRequest
from app.core.project.edits import SetProjectField
from app.core.project.model import Project

NAMESPACE = "live"


def recorded_prime(project: Project) -> dict[str, Any] | None:
    """The stored prime (`raw`, `quantised` Melody JSON, `grid`, `start_bar`), or None."""
    live = project.extras.get(NAMESPACE)
    prime = live.get("prime") if isinstance(live, dict) else None
    return prime if isinstance(prime, dict) and isinstance(prime.get("quantised"), dict) else None


def prime_melody(project: Project, *, raw: bool = False) -> Melody | None:
    prime = recorded_prime(project)
    if prime is None:
        return None
    try:
        return Melody.from_json(prime["raw" if raw else "quantised"])
    except (KeyError, TypeError, ValueError):
        return None


def set_prime_edit(project: Project, phrase: dict[str, Any] | None, *, start_bar: int = 0,
                   label: str = "Record phrase") -> SetProjectField:
    """The edit that makes `phrase` (a RecordedPhrase.to_json(): raw + quantised + grid) the prime; None
    clears it. Undo restores whatever was there."""
    extras = {k: v for k, v in project.extras.items()}
    live = dict(extras.get(NAMESPACE) or {})
    if phrase is None:
        live.pop("prime", None)
    else:
        live["prime"] = {"raw": phrase["raw"], "quantised": phrase["quantised"], "grid": phrase.get("grid", ""),
                         "start_bar": int(start_bar),
                         "recorded_at": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    extras[NAMESPACE] = live
    return SetProjectField("extras", extras, label=label if phrase is not None else "Clear recorded phrase")


def prime_request(melody: Melody, mode: str, *, bar_quarters: float, bars: int = 2,
                  count: int = 4) -> SuggestRequest:
    """"continue": `bars` bars from the bar line after the phrase; "vary": the phrase's own bars."""
    if not melody.notes:
        raise ValueError("the recorded phrase has no notes")
    first = math.floor(melody.notes[0].onset / bar_quarters + 1e-9)
    last = math.ceil(melody.end / bar_quarters - 1e-9)
    source = melody.to_json()
    if mode == "continue":
        return SuggestRequest(mode="continue", start_bar=max(0, last), bars=bars, count=count, source=source)
    if mode == "vary":
        return SuggestRequest(mode="vary", start_bar=max(0, first), bars=max(1, min(32, last - first)),
                              count=count, source=source)
    raise ValueError(f"mode {mode!r} is not continue or vary")
