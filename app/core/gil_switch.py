"""A short GIL switch interval while a Python callback must answer on time.

The audio output's callback (PortAudio's thread) and the live session's MIDI callback (JACK's) are Python: each
block they wait for the GIL. CPython lets a waiting thread ask for it only after the switch interval (5 ms by
default), and when two busy worker threads (an analysis and its transcription, an export's two rows of DSP)
hand it to each other, the callback can lose that race several times in a row. With a 4-minute song analysing
beside playback the callback ran 20-50 ms late; with 1 ms it stays within a few ms (benchmarks/bench_playback.py,
"playback while Accord works").

The interval is one value for the whole process, so its holders are counted for the whole process too: the
interval is 1 ms while any holder (the audio engine while the song plays, a running live session) holds it,
and goes back to what it was when the last one lets go, whatever order they stop in.
"""

from __future__ import annotations

import sys
import threading

FAST_SWITCH_S = 0.001

_lock = threading.Lock()
_holders = 0
_before = 0.005


class FastSwitch:
    """One holder of the short interval: `hold()` and `release()` are idempotent, so an owner may call them
    from every path that opens or closes its stream without counting itself twice."""

    def __init__(self) -> None:
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def hold(self) -> None:
        global _holders, _before
        with _lock:
            if self._held:
                return
            if _holders == 0:
                _before = sys.getswitchinterval()
                sys.setswitchinterval(min(_before, FAST_SWITCH_S))
            _holders += 1
            self._held = True

    def release(self) -> None:
        global _holders
        with _lock:
            if not self._held:
                return
            self._held = False
            _holders -= 1
            if _holders == 0:
                sys.setswitchinterval(_before)
