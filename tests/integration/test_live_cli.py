"""`accord midi ports` and `accord respond` on a JACK dummy server, with JACK-Client peers as the keyboard and
the DAW; and the clear one-line failures (no model, no ports named, no MIDI system)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import ContributorShare
from app.core.home import AccordHome
from app.core.live.jack_server import DummyJackServer
from app.core.model import idyom_benchmark_set
from app.core.project.model_training import train_usable

pytest.importorskip("jack", reason="JACK-Client is not installed (pip install 'accord[live]')")
from app.core.live.jack_peer import JackPeer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RATE = 48000
PHRASE = [(60, 0, 0.5), (62, 0.5, 0.5), (64, 1, 0.5), (65, 1.5, 0.5), (67, 2, 1), (64, 3, 0.5), (60, 3.5, 0.5)]


@pytest.fixture(scope="module")
def jack_server():
    if shutil.which("jackd") is None:
        pytest.skip("jackd is not installed (apt-get install jackd2)")
    server = DummyJackServer(sample_rate=RATE)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def trained_home(accord_home):
    home = AccordHome.resolve(accord_home)
    with Catalogue.open(home.catalogue_path) as cat:
        for ident, melody in idyom_benchmark_set()[:12]:
            wid = cat.add_work(melody, title=ident, contributors=[ContributorShare("J. S. Bach", "composer", 10000)])
            cat.record_consent(wid, "grant")
    train_usable(home.catalogue_path, home.current_model_path)
    return home


def test_midi_ports_json_lists_the_peers(jack_server, capsys):
    keyboard = JackPeer("keyboard")
    try:
        assert main(["midi", "ports", "--json"]) == 0
    finally:
        keyboard.close()
    found = json.loads(capsys.readouterr().out)
    assert found["backend"] == "jack"
    assert "keyboard:out" in found["inputs"] and "keyboard:in" in found["outputs"]


def _connect_when_ready(peer: JackPeer, source: str, destination: str, proc: subprocess.Popen,
                        timeout: float = 60.0) -> None:
    """Connect once `accord respond` is up. Its ports are seen as soon as they are registered, which is before
    its client is activated, and a connect made in between fails (it did on a clean-clone CI run right after the
    port appeared): so retry until the connection is made."""
    import jack

    deadline = time.monotonic() + timeout
    while True:
        try:
            peer.connect(source, destination)
            return
        except jack.JackError as exc:
            if proc.poll() is not None:
                raise AssertionError(f"accord respond exited early: {proc.communicate()}") from exc
            if time.monotonic() > deadline:
                raise AssertionError(f"could not connect {source} -> {destination} in {timeout:.0f} s") from exc
            time.sleep(0.1)


def test_respond_virtual_once_json_answers_a_played_phrase(jack_server, trained_home):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACCORD_HOME": str(trained_home.root)}
    proc = subprocess.Popen([sys.executable, "-m", "app", "respond", "--virtual", "--once", "--json", "--bpm", "120",
                             "--bars", "1", "--silence-beats", "2", "--seed", "7", "--timeout", "90"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    keyboard, daw = JackPeer("keyboard"), JackPeer("daw")
    try:
        _connect_when_ready(keyboard, "keyboard:out", "Accord:Accord in", proc)
        _connect_when_ready(daw, "Accord:Accord out", "daw:in", proc)
        time.sleep(0.2)
        keyboard.play_notes(PHRASE, start_frame=keyboard.frame_now + RATE // 5, seconds_per_beat=0.5)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        keyboard.close()
        daw.close()
    assert proc.returncode == 0, err
    assert "listening on Accord:Accord in" in err
    answer = json.loads(out.strip().splitlines()[-1])
    notes = answer["notes"]["notes"]
    assert answer["key"] == "C major" and notes
    assert all(n[0] % 12 in (0, 2, 4, 5, 7, 9, 11) for n in notes)
    assert answer["start_beat"] % 4 == 0 and min(n[1] for n in notes) >= answer["start_beat"]
    assert answer["credit"] and 0 < answer["longest_copied_run"]["length"] <= 8
    assert len(answer["sent"]) == len(answer["scheduled"]) == 2 * len(notes)
    assert abs(answer["first_note_late_s"]) < 0.05
    ons = [f for f, m in daw.received if m[0] & 0xF0 == 0x90]
    assert len(ons) == len(notes)
    assert answer["phrase"]["quantised"]["notes"][0][0] == 60


def test_respond_without_a_model_says_so_in_one_line(jack_server, capsys):
    assert main(["respond", "--virtual", "--once"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no model yet" in err


def test_respond_needs_ports_or_virtual(capsys):
    assert main(["respond", "--in", "x"]) == 2
    assert "--virtual" in capsys.readouterr().err


def test_midi_ports_without_any_midi_system_says_so_and_keeps_working(monkeypatch, capsys):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "accord-nobody-runs-this")
    code = main(["midi", "ports", "--json"])
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert code == 0 and set(data) >= {"inputs", "outputs"}
    if data["backend"] is None:  # no platform MIDI system here (no ALSA sequencer): said, not a failure
        assert data["inputs"] == data["outputs"] == [] and "MIDI" in data["unavailable"]
        assert "ALSA lib" not in out.err  # the C library's own lines stay off the terminal
    code = main(["midi", "ports", "--backend", "jack"])  # asking for a system that is not there is an error
    assert code == 2 and capsys.readouterr().err.startswith("accord: ")


def test_respond_on_the_platform_midi_system_fails_in_one_line_of_its_own(trained_home, monkeypatch, capfd):
    # without an ALSA sequencer, ALSA's own "ALSA lib seq_hw.c:466:(snd_seq_hw_open) open /dev/snd/seq failed"
    # line reached the terminal above Accord's (the file descriptor, not sys.stderr: capfd sees it)
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "accord-nobody-runs-this")
    assert main(["respond", "--backend", "platform", "--in", "x", "--out", "y", "--once", "--timeout", "1"]) == 2
    err = capfd.readouterr().err
    assert err.startswith("accord: ") and err.count("\n") == 1, err
