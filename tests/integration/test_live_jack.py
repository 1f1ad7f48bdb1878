"""Live MIDI on real ports: a JACK server with its dummy driver, Accord's ports on one side and a JACK-Client
peer (keyboard, DAW, clock leader) on the other. Bounds are generous (a loaded 2-core machine); the timing
targets live in benchmarks/bench_live.py."""

from __future__ import annotations

import math
import time

import pytest

from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import ContributorShare
from app.core.home import AccordHome
from app.core.live.hotplug import LOOKS_AFTER_S, POLL_S, PortMonitor
from app.core.live.ports import Backend, MidiIO, choose_backend, list_ports
from app.core.live.responder import load_consented_model
from app.core.live.session import JACK_PORT_CHECK_S, LiveSession, LiveSettings
from app.core.live.types import LiveError
from app.core.model import idyom_benchmark_set
from app.core.model.ppm.viewpoints import estimate_key
from app.core.music import Note
from app.core.project.model_training import train_usable

jack = pytest.importorskip("jack", reason="JACK-Client is not installed (pip install 'accord[live]')")
from app.core.live.jack_peer import JackPeer  # noqa: E402
from tests.helpers.jack import RATE, jack_server_fixture  # noqa: E402, F401 (the fixture jack_server)

PHRASE = [(67, 0, 0.5), (69, 0.5, 0.5), (71, 1, 0.5), (72, 1.5, 0.5), (74, 2, 1), (66, 3, 0.5), (67, 3.5, 0.5)]



@pytest.fixture(scope="module")
def model(tmp_path_factory):
    home = AccordHome.resolve(tmp_path_factory.mktemp("live-home"))
    with Catalogue.open(home.catalogue_path) as cat:
        for ident, melody in idyom_benchmark_set()[:12]:
            wid = cat.add_work(melody, title=ident, contributors=[ContributorShare("J. S. Bach", "composer", 10000)])
            cat.record_consent(wid, "grant")
    train_usable(home.catalogue_path, home.current_model_path)
    return load_consented_model(home)


@pytest.fixture
def peer(jack_server):
    """The keyboard (plays into Accord) and the DAW (records what Accord plays), as two JACK clients: one
    client doing both would close a loop in JACK's graph and hear Accord one period late."""
    keyboard, daw = JackPeer("keyboard"), JackPeer("daw")
    keyboard.daw = daw  # type: ignore[attr-defined]
    yield keyboard
    keyboard.close()
    daw.close()


def _wire(peer: JackPeer) -> None:
    peer.connect("keyboard:out", "Accord:Accord in")
    peer.connect("Accord:Accord out", "daw:in")


def _received(peer: JackPeer, status: int) -> list[tuple[int, bytes]]:
    return [(f, m) for f, m in list(peer.daw.received) if m and m[0] & 0xF0 == status]


def test_ports_are_listed_with_the_peer_and_accords_virtual_ports(peer):
    assert choose_backend().name == "jack"
    found = list_ports()
    assert "keyboard:out" in found["inputs"] and "keyboard:in" in found["outputs"]
    with MidiIO(Backend("jack"), lambda m: None, virtual=True):
        names = [p.name for p in peer.client.get_ports(is_midi=True)]
        assert "Accord:Accord in" in names and "Accord:Accord out" in names
    with pytest.raises(LiveError, match="not among"):
        MidiIO(Backend("jack"), lambda m: None, in_port="no-such-port", out_port="daw:in")


def test_call_and_response_answers_on_the_next_bar_line_at_exact_frames(peer, model):
    session = LiveSession(LiveSettings(tempo_bpm=240.0, silence_beats=2, answer_bars=1, seed=3), model=model,
                          virtual=True)
    session.start()
    try:
        _wire(peer)  # in place at JACK's next cycle: the phrase starts 0.2 s from now
        peer.play_notes(PHRASE, start_frame=peer.frame_now + RATE // 5, seconds_per_beat=0.25)
        answer = session.wait_event("answer", 30)
        sent = session.wait_event("answer-sent", 30)
        assert answer is not None and sent is not None, list(session.skipped)
        time.sleep(0.05)
    finally:
        session.stop()
    data = answer.data
    key = estimate_key([p for p, _, _ in PHRASE], [d for _, _, d in PHRASE])
    assert data["key"] == str(key) == "G major"  # the key the phrase implies
    assert data["start_beat"] % 4 == 0
    assert data["longest_copied_run"]["length"] <= 8 and data["credit"]
    ons = _received(peer, 0x90)
    expected = [round(t * RATE) for t, d in data["scheduled"] if d[0] & 0xF0 == 0x90]
    assert len(ons) == len(expected) == len(data["suggestion"]["notes"]["notes"])
    # Scheduled a bar ahead, the notes reach the DAW at their frames (one period of slack for a loaded machine).
    assert all(abs(f - e) <= 256 for (f, _), e in zip(ons, expected, strict=True)), (ons, expected, data["scheduled"])
    assert all(abs(f - e) <= 256 for (f, _), e in zip(ons, expected, strict=True))
    # ... on the transport's grid (the stems' beats): whole sixteenths, from the answer's bar line on.
    beats = [session.clock.beat_at(f / RATE) for f, _ in ons]
    assert all(abs(b * 4 - round(b * 4)) < 0.05 for b in beats)
    assert beats[0] >= data["start_beat"] - 0.01
    assert all(m[1] % 12 in key.melodic_scale for _, m in ons)
    assert _received(peer, 0xB0), "stop sends all notes off"


def test_a_device_plugged_in_while_running_is_reported_at_once_and_so_is_its_removal(jack_server, model):
    session = LiveSession(LiveSettings(), model=model, virtual=True)
    session.start()
    try:
        first = session.wait_event("ports", 10)
        assert first is not None and "late:out" not in first.data["inputs"]
        late = JackPeer("late")
        # JACK's registration callback wakes the worker: well before its slow safety look (JACK_PORT_CHECK_S).
        ev = session.wait_event("ports", JACK_PORT_CHECK_S - 1)
        assert ev is not None and "late:out" in ev.data["inputs"] and "late:in" in ev.data["outputs"]
        late.close()
        ev = session.wait_event("ports", JACK_PORT_CHECK_S - 1)
        while ev is not None and "late:out" in ev.data["inputs"]:  # a burst may report in two steps
            ev = session.wait_event("ports", JACK_PORT_CHECK_S - 1)
        assert ev is not None and "late:out" not in ev.data["inputs"]
    finally:
        session.stop()


@pytest.mark.parametrize("kind", ["jack", "rtmidi"])
def test_the_port_monitor_reports_plug_and_unplug_and_idles_between(jack_server, kind):
    """While MIDI is off (the studio's lists): JACK's notifications, or rtmidi's port names read every POLL_S."""
    import queue

    if kind == "rtmidi":
        rtmidi = pytest.importorskip("rtmidi")
        backend = Backend("rtmidi", rtmidi.API_UNIX_JACK)
    else:
        backend = Backend("jack")
    seen: queue.SimpleQueue = queue.SimpleQueue()
    monitor = PortMonitor(backend, seen.put)
    try:
        assert "synth:in" not in seen.get(timeout=10)["outputs"]  # the lists at start
        time.sleep(LOOKS_AFTER_S[-1] + 0.1)  # the looks after the last change (earlier tests' clients leaving)
        calls = []
        lister = monitor._watcher._lister
        monitor._watcher._lister = lambda: calls.append(1) or lister()
        time.sleep(1.0)
        if kind == "jack":
            assert not calls, "nothing changed: JACK's monitor does not look"
        else:
            assert len(calls) <= 1.0 / POLL_S + 1
        synth = JackPeer("synth")

        def until(pred):  # noqa: ANN001, ANN202
            lists = seen.get(timeout=5)
            while not pred(lists):
                lists = seen.get(timeout=5)
            return lists

        got = until(lambda lists: "synth:in" in lists["outputs"])
        assert any(p.endswith("synth:out") or p == "synth:out" for p in got["inputs"])
        synth.close()
        until(lambda lists: "synth:in" not in lists["outputs"])
    finally:
        monitor.close()


def test_clock_out_sends_start_then_24_evenly_spaced_ticks_per_beat_and_stop(peer):
    session = LiveSession(LiveSettings(tempo_bpm=240.0, clock_out=True, respond=False), virtual=True)
    session.start()
    try:
        _wire(peer)
        deadline = time.monotonic() + 15  # Start on the next bar line (within 1 s), then two beats of ticks
        while sum(1 for _f, m in list(peer.daw.received) if m == b"\xf8") <= 48 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        session.stop()
    msgs = list(peer.daw.received)
    starts = [f for f, m in msgs if m == b"\xfa"]
    ticks = [f for f, m in msgs if m == b"\xf8"]
    assert len(starts) == 1 and len(ticks) > 48
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert sorted(gaps)[len(gaps) // 2] == 500  # 0.25 s / 24 at 48 kHz: exact frames
    assert ticks[0] == starts[0]
    assert msgs[-1][1] == b"\xfc" and msgs[-2][1][0] & 0xF0 == 0xB0  # all notes off, then Stop
    assert all(f < msgs[-1][0] for f in ticks)


def test_following_midi_clock_takes_the_leaders_tempo_start_and_stop(peer):
    session = LiveSession(LiveSettings(tempo_bpm=90.0, follow_clock=True, respond=False), virtual=True)
    session.start()
    try:
        _wire(peer)  # in place at JACK's next cycle, well before t0
        t0 = peer.frame_now + RATE // 10
        tick = RATE * 60.0 / 125.0 / 24
        peer.send_at(t0, b"\xfa")
        for k in range(24 * 4):
            peer.send_at(round(t0 + k * tick), b"\xf8")
        stop_at = round(t0 + 24 * 4 * tick)
        peer.send_at(stop_at, b"\xfc")
        started = session.wait_event("transport", 10)
        while started is not None and started.data.get("state") != "start":
            started = session.wait_event("transport", 10)
        # the Start's frame as sent: asked for t0, it goes out later only when the peer missed a cycle (a
        # loaded machine), and the follower must date it where it arrived either way
        sent = peer.sent_frame(b"\xfa")
        assert sent is not None and sent - t0 < RATE // 5
        assert started is not None and started.data["at"] == pytest.approx(sent / RATE)
        # The worker took it within JACK's cycles, not a poll later (the budget of one tick is benchmarked).
        assert 0 <= started.data["known_at"] - sent / RATE < 0.25
        while peer.frame_now < t0 + 24 * 3.5 * tick:  # three and a half beats of ticks: the fit window is full
            time.sleep(0.02)
        assert session.clock.tempo_bpm == pytest.approx(125.0, abs=0.2)
        predicted = session.clock.time_at(4.0)  # the next beat, as the follower predicts it
        assert abs(predicted * RATE - stop_at) < RATE * 0.005
        stopped = session.wait_event("transport", 10)
        assert stopped is not None and stopped.data["state"] == "stop" and not session.clock.running
    finally:
        session.stop()


def test_play_sends_kept_notes_on_the_transport_beats(peer):
    session = LiveSession(LiveSettings(tempo_bpm=100.0, respond=False), virtual=True)
    session.start()
    try:
        _wire(peer)
        at = math.ceil(session.clock.beat_now() + 0.5)  # the next beat at least 0.3 s away
        session.play([Note(60, 0.0, 1.0), Note(64, 1.0, 1.0)], at_beat=at, channel=9, program=40)
        time.sleep(session.clock.time_at(at + 2.5) - session.clock.now())
        expected = [round(session.clock.time_at(at + b) * RATE) for b in (0, 1)]
    finally:
        session.stop()
    ons = _received(peer, 0x90)
    assert [m for _, m in ons] == [b"\x99<Z", b"\x99@Z"]
    programs = _received(peer, 0xC0)
    assert [m for _, m in programs] == [b"\xc9("] and programs[0][0] <= ons[0][0]
    assert all(abs(f - e) <= 256 for (f, _), e in zip(ons, expected, strict=True))


def test_python_rtmidi_on_jack_answers_too(jack_server, model):
    """python-rtmidi's calls into libjack keep the GIL: while a Python JACK client (the peers) exists in the same
    process, a client open/close by rtmidi waits for JACK's timeout (5-10 s on a synchronous server). So rtmidi
    opens its own virtual ports first, the peers connect to them, and the peers leave before rtmidi closes."""
    import rtmidi

    if rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api():
        pytest.skip("python-rtmidi was built without JACK")
    session = LiveSession(LiveSettings(tempo_bpm=240.0, silence_beats=2, answer_bars=1, seed=4), model=model,
                          backend=Backend("rtmidi", rtmidi.API_UNIX_JACK), virtual=True)
    session.start()
    keyboard = daw = None
    try:
        keyboard, daw = JackPeer("keyboard"), JackPeer("daw")
        keyboard.connect("keyboard:out", "Accord:Accord in")
        daw.connect("Accord-out:Accord out", "daw:in")
        keyboard.play_notes(PHRASE, start_frame=keyboard.frame_now + RATE // 5, seconds_per_beat=0.25)
        sent = session.wait_event("answer-sent", 30)
        assert sent is not None, [(e.kind, e.data.get("message"), e.data.get("pitch")) for e in session.skipped]
        assert abs(sent.data["first_note_late_s"]) < 0.05
        time.sleep(0.05)  # the last note-off reaches the DAW in the next cycle
        received = [m for _f, m in list(daw.received) if m[0] & 0xF0 == 0x90]
    finally:
        for p in (keyboard, daw):
            if p is not None:
                p.close()
        session.stop()
    assert len(received) == len(sent.data["sent"]) // 2


def test_no_jack_server_is_one_clear_error(jack_server, monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "accord-nobody-runs-this")
    with pytest.raises(LiveError, match="no JACK server"):
        choose_backend("jack")
