"""The measured runs behind bench_live.py, on a JACK server it has started: JACK-Client peers (the keyboard / clock
leader and the DAW) wired to Accord's ports, and one function per measurement — answers, MIDI out jitter, MIDI
clock Start/Stop and following, hot-plug — each returning raw seconds (or counts); bench_live.py turns them into
table rows against their targets.
"""

from __future__ import annotations

import math
import random
import statistics
import threading
import time

RATE = 48000
TICK_S = 0.5 / 24


def _peers():
    from app.core.live.jack_peer import JackPeer

    kb, daw = JackPeer("keyboard"), JackPeer("daw")
    return kb, daw


def _wire(kb, daw, prefix: str = "Accord") -> None:
    kb.connect("keyboard:out", f"{prefix}:Accord in")
    daw.connect(f"{prefix}:Accord out", "daw:in")


def _answers(model, phrases, *, start: str) -> tuple[list[float], list[float], list[float]]:
    """(first note late vs scheduled, silence end -> first note at the DAW, generation time) per answer."""
    from app.core.live.session import LiveSession, LiveSettings

    late, round_trip, gen = [], [], []
    session = LiveSession(LiveSettings(tempo_bpm=120.0, silence_beats=4, answer_bars=2, seed=11, answer_start=start),
                          model=model, virtual=True)
    session.start()
    kb, daw = _peers()
    try:
        _wire(kb, daw)
        time.sleep(0.2)
        for phrase in phrases:
            daw.received.clear()
            kb.play_notes(phrase, start_frame=kb.frame_now + RATE // 10, seconds_per_beat=0.5)
            answer = session.wait_event("answer", 30)
            sent = session.wait_event("answer-sent", 30)
            if answer is None or sent is None:
                continue
            time.sleep(0.05)
            ons = [f for f, m in list(daw.received) if m[0] & 0xF0 == 0x90]
            if not ons:
                continue
            first_s = ons[0] / RATE
            late.append(first_s - answer.data["scheduled"][0][0])
            round_trip.append(first_s - answer.data["silence_ended_at"])
            gen.append(answer.data["generated_in_s"])
    finally:
        session.stop()
        kb.close()
        daw.close()
    return late, round_trip, gen


def _jitter(backend_name: str, notes: int, *, busy: bool = False) -> tuple[list[float], float]:
    """Absolute deviations (s) of note arrivals from their beats on the stems' clock (offset removed for
    rtmidi, whose clock is the system's), and the median offset."""
    from app.core.live.ports import Backend
    from app.core.live.session import LiveSession, LiveSettings
    from app.core.music import Note

    if backend_name == "jack":
        session = LiveSession(LiveSettings(tempo_bpm=120.0, respond=False), virtual=True)
    else:
        import rtmidi

        # rtmidi's own ports first: python-rtmidi keeps the GIL inside libjack calls, so opening (or closing)
        # its clients while the Python peers run would wait for JACK's timeout (seconds).
        session = LiveSession(LiveSettings(tempo_bpm=120.0, respond=False),
                              backend=Backend("rtmidi", rtmidi.API_UNIX_JACK), virtual=True)
    stop = threading.Event()

    def burn() -> None:
        x = 0
        while not stop.is_set():
            for i in range(1000):
                x += i * i

    session.start()
    kb, daw = _peers()
    burner = threading.Thread(target=burn, daemon=True)
    try:
        if backend_name == "jack":
            _wire(kb, daw)
        else:
            daw.connect("Accord-out:Accord out", "daw:in")
        time.sleep(0.3)
        if busy:
            burner.start()
        at = session.clock.next_bar_beat(session.clock.beat_now() + 1)
        grid = [Note(36 + i % 64, i * 0.125, 0.06, 1 + i // 64) for i in range(notes)]  # (pitch, velocity) = index
        wall0, frames0 = time.monotonic(), session.clock.now()
        session.play(grid, at_beat=at)
        _wait_clock(session.clock, session.clock.time_at(at + notes * 0.125 + 0.5))
        speed = (session.clock.now() - frames0) / (time.monotonic() - wall0)
        expected = [session.clock.time_at(at + n.onset) for n in grid]
        scheduler = getattr(session.io.output, "scheduler", None)
        own = [abs(x) for x in scheduler.late] if scheduler is not None else []
    finally:
        stop.set()
        kb.close()
        daw.close()
        session.stop()
    arrived = {(m[1], m[2]): f / RATE for f, m in list(daw.received) if m[0] & 0xF0 == 0x90 and m[2] > 0}
    dev = [arrived[(n.pitch, n.velocity)] - e for n, e in zip(grid, expected, strict=True)
           if (n.pitch, n.velocity) in arrived]
    missing = len(grid) - len(dev)
    offset = statistics.median(dev) if dev else 0.0
    if backend_name != "jack" and len(dev) > 2:
        # rtmidi runs on the system clock: remove the offset and rate between it and JACK's frames (a line fit).
        xs = [e for n, e in zip(grid, expected, strict=True) if (n.pitch, n.velocity) in arrived]
        mx, my = statistics.fmean(xs), statistics.fmean(dev)
        slope = sum((x - mx) * (d - my) for x, d in zip(xs, dev, strict=True)) / sum((x - mx) ** 2 for x in xs)
        dev = [d - (my + slope * (x - mx)) for x, d in zip(xs, dev, strict=True)]
    return [abs(d) for d in dev], offset, missing, speed, own


def _wait_clock(clock, t: float, wall_limit: float = 120.0) -> None:
    """Sleep until the transport's clock (JACK's frames: slower than the wall clock when the server runs late)
    reaches t."""
    deadline = time.monotonic() + wall_limit
    while clock.now() < t and time.monotonic() < deadline:
        time.sleep(min(0.05, max(0.001, t - clock.now())))


def _start_stop(runs: int) -> dict[str, list[float]]:
    """Start and Stop from a DAW's MIDI clock, measured where they matter (frames on JACK's clock):
    - "start phase": where the follower puts beat 0 vs the leader's Start frame (its grid from the first tick);
    - "start known": the frames JACK had processed when the worker took the Start, vs the Start frame (what it
      does on knowing can leave in the next cycle);
    - "start seen": the worker's transport event on JACK's wall-clock frame estimate vs the Start frame, and
      "estimate ahead": how far that estimate ran ahead of the processed frames (a late server cycle);
    - "stop silence": the all-notes-off reaching the DAW vs the Stop frame, while Accord plays notes on the
      follower's grid (the audible reaction), and note-ons that still arrive after the Stop (must be none)."""
    from app.core.live.session import LiveSession, LiveSettings
    from app.core.music import Note

    session = LiveSession(LiveSettings(tempo_bpm=100.0, follow_clock=True, respond=False), virtual=True)
    session.start()
    kb, daw = _peers()
    out: dict[str, list[float]] = {"start phase": [], "start known": [], "start seen": [], "estimate ahead": [],
                                   "stop silence": [], "late notes": []}
    try:
        _wire(kb, daw)
        time.sleep(0.2)
        for _ in range(runs):
            daw.received.clear()
            t0 = kb.frame_now + RATE // 5
            stop_frame = t0 + 48 * 1000  # after two beats of ticks at 120 BPM
            kb.send_at(t0, b"\xfa")
            for k in range(60):  # the leader's ticks go on past its Stop, as a stopped DAW's may not
                if t0 + k * 1000 < stop_frame:
                    kb.send_at(t0 + k * 1000, b"\xf8")
            kb.send_at(stop_frame, b"\xfc")
            ev = _wait_state(session, "start")
            if ev is None:
                continue
            out["start seen"].append(ev.time - t0 / RATE)
            out["start known"].append(ev.data["known_at"] - t0 / RATE)
            out["estimate ahead"].append(ev.time - ev.data["known_at"])
            out["start phase"].append(abs(session.clock.time_at(0.0) - t0 / RATE))
            # Accord plays eighths on the follower's grid through the Stop and beyond.
            session.play([Note(60 + i % 12, i * 0.5, 0.25) for i in range(1, 12)], at_beat=0.0)
            if _wait_state(session, "stop") is None:
                continue
            time.sleep(0.3)
            got = list(daw.received)
            offs = [f for f, m in got if len(m) == 3 and m[0] & 0xF0 == 0xB0 and m[1] == 123]
            if offs:  # ≤ 0: written in the very JACK cycle that brought the Stop (the worker was that quick)
                out["stop silence"].append(max(0.0, (min(offs) - stop_frame) / RATE))
            out["late notes"].append(sum(1 for f, m in got if m[0] & 0xF0 == 0x90 and m[2] > 0
                                         and f > stop_frame + TICK_S * RATE))
    finally:
        session.stop()
        kb.close()
        daw.close()
    return out


def _wait_state(session, state: str):  # noqa: ANN001, ANN202
    ev = session.wait_event("transport", 10)
    while ev is not None and ev.data.get("state") != state:
        ev = session.wait_event("transport", 10)
    return ev


def _follow(seconds: float) -> list[float]:
    """Grid errors (s) over a long run: a leader at 120 BPM, ticks jittered ±1 ms; the follower's predicted
    next beat vs the leader's, sampled every 50 ms after two bars to lock."""
    from app.core.live.session import LiveSession, LiveSettings

    rng = random.Random(5)
    session = LiveSession(LiveSettings(tempo_bpm=100.0, follow_clock=True, respond=False), virtual=True)
    session.start()
    kb, daw = _peers()
    errors: list[float] = []
    try:
        _wire(kb, daw)
        time.sleep(0.2)
        t0 = kb.frame_now + RATE // 5
        n_ticks = int(seconds / TICK_S)
        kb.send_at(t0, b"\xfa")
        for k in range(n_ticks):  # all queued up front: the leader is never late because this thread was
            kb.send_at(t0 + k * 1000 + (round(rng.uniform(-0.001, 0.001) * RATE) if k else 0), b"\xf8")
        _wait_state(session, "start")
        settle_until = t0 / RATE + 2.0  # two bars to lock, as a player would count in
        while True:
            now = session.clock.now()
            elapsed = now - t0 / RATE
            if elapsed > seconds:
                break
            if now > settle_until and session.clock.running:
                beat = session.clock.beat_at(now)
                nxt = math.ceil(beat + 1e-6)
                truth = (t0 + nxt * 24000) / RATE
                errors.append(session.clock.time_at(nxt) - truth)
            time.sleep(0.05)
        kb.send_at(kb.frame_now + 100, b"\xfc")
        time.sleep(0.1)
    finally:
        session.stop()
        kb.close()
        daw.close()
    return [abs(e) for e in errors]


def _hotplug(plugs: int) -> list[float]:
    """Seconds from a device's JACK client being registered (a JACK-Client peer) to the session's `ports`
    event listing it, and the same for its removal."""
    from app.core.live.jack_peer import JackPeer
    from app.core.live.session import LiveSession, LiveSettings

    session = LiveSession(LiveSettings(respond=False), virtual=True)
    session.start()
    delays: list[float] = []
    try:
        session.wait_event("ports", 10)
        for i in range(plugs):
            t = time.monotonic()
            dev = JackPeer(f"device{i}")
            ev = session.wait_event("ports", 10)
            while ev is not None and f"device{i}:out" not in ev.data["inputs"]:
                ev = session.wait_event("ports", 10)
            if ev is not None:
                delays.append(time.monotonic() - t)
            t = time.monotonic()
            dev.close()
            ev = session.wait_event("ports", 10)
            while ev is not None and f"device{i}:out" in ev.data["inputs"]:
                ev = session.wait_event("ports", 10)
            if ev is not None:
                delays.append(time.monotonic() - t)
    finally:
        session.stop()
    return delays
