"""The engine over a real PortAudio stream on ALSA's null device (no sound card needed).

Runs in a subprocess whose HOME holds an .asoundrc making the default PCM a null sink, so neither the
machine's audio configuration nor the test process's PortAudio state is touched. The null device is
unpaced (it consumes blocks as fast as the callback fills them): functional check only, no timing.
Skipped where PortAudio/ALSA are missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, time
import numpy as np
from app.core.audio.engine import AudioEngine, list_output_devices
from app.core.audio.mix import MixState, TrackMix
from app.core.errors import PlaybackError

if not list_output_devices():
    print(json.dumps({"skip": "no PortAudio output device even with the ALSA null sink"}))
    raise SystemExit
engine = AudioEngine(blocksize=256)
x = np.full((2, 48000), 0.25, np.float32)
engine.set_mix(MixState((TrackMix("a", x),)))
try:
    engine.open()
except PlaybackError as exc:
    print(json.dumps({"skip": str(exc)}))
    raise SystemExit
engine.play()
deadline = time.monotonic() + 10
while engine.transport.playing and time.monotonic() < deadline:
    time.sleep(0.02)
left, right = engine.meter()
engine.poll()
result = {"position": engine.transport.position_frames, "playing": engine.transport.playing,
          "blocks": engine.blocks_rendered, "errors": engine.callback_errors, "left": left,
          "available": engine.available}
engine.close()
print(json.dumps(result))
"""


def test_real_stream_on_the_alsa_null_device(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("ALSA is Linux only")
    (tmp_path / ".asoundrc").write_text("pcm.!default { type null }\nctl.!default { type hw card 0 }\n")
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if "skip" in result:
        pytest.skip(result["skip"])
    assert result["available"] and result["errors"] == 0
    assert result["position"] == 48000 and not result["playing"]  # played to the end and paused there
    assert result["blocks"] >= 48000 // 256
    assert abs(result["left"] - 0.25 * 0.5**0.5) < 1e-6
