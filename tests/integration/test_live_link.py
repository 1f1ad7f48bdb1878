"""Ableton Link: two Accord transports share tempo and bar phase. The peers run inside a network namespace the
test creates for itself (`unshare -rn`: loopback only, multicast on), so nothing reaches the machine's real
network; without user namespaces (or without aalink) the test is skipped and says why. Link is off by default."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.live.clock import TransportClock
from app.core.live.link import LinkSync
from app.core.live.session import LiveSettings

ROOT = Path(__file__).resolve().parents[2]

PEERS = r"""
import json, time
from app.core.live.clock import TransportClock
from app.core.live.link import LinkSync
a_clock, b_clock = TransportClock(120.0), TransportClock(90.0)
a, b = LinkSync(a_clock), LinkSync(b_clock)
a.enable(); b.enable()
deadline = time.monotonic() + 20
while time.monotonic() < deadline and (a.peers < 1 or b.peers < 1):
    time.sleep(0.05)
peers = (a.peers, b.peers)
a.push_tempo(133.0)
time.sleep(0.5)
a.pull(); b.pull()
now = time.monotonic()
pa, pb = a_clock.beat_at(now) % 4, b_clock.beat_at(now) % 4
a.disable(); b.disable()
print(json.dumps({"peers": peers, "tempo_a": a_clock.tempo_bpm, "tempo_b": b_clock.tempo_bpm,
                  "phase_gap": min(abs(pa - pb), 4 - abs(pa - pb)), "leader": b_clock.leader,
                  "enabled_after": a.enabled}))
"""


def _namespace_ok() -> str | None:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip (util-linux, iproute2) is missing"
    probe = subprocess.run(["unshare", "-rn", "ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot create a network namespace here: {probe.stderr.strip() or probe.returncode}"
    return None


def test_link_is_off_until_turned_on():
    assert LiveSettings().link is False
    sync = LinkSync(TransportClock(120.0))
    assert not sync.enabled and sync.peers == 0 and sync.pull() is False


def test_two_peers_share_tempo_and_bar_phase_inside_a_private_network_namespace():
    pytest.importorskip("aalink", reason="aalink is not installed (pip install 'accord[live]')")
    why = _namespace_ok()
    if why:
        pytest.skip(why)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = f"ip link set lo up && ip link set lo multicast on && exec {sys.executable} -c \"$PEERS\""
    result = subprocess.run(["unshare", "-rn", "sh", "-c", script], env={**env, "PEERS": PEERS},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["peers"] == [1, 1]
    assert found["tempo_a"] == pytest.approx(133.0, abs=0.01) and found["tempo_b"] == pytest.approx(133.0, abs=0.01)
    assert found["phase_gap"] < 0.05  # beats: within ~23 ms at 133 BPM
    assert found["leader"] == "link" and found["enabled_after"] is False
