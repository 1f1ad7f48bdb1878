"""Record → continue in the studio (for bench_live): the real main window (Qt offscreen, playback on a fake
stream paced by the wall clock from its own thread, as PortAudio's callback thread would), the Live panel on a
JACK dummy server, a JACK-Client keyboard playing held-out chorale openings while the stems play, and a DAW
peer recording what Accord plays. Measured: from pressing Record again (stop) to the first answer note at the
DAW's port, in JACK frames."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

RATE = 48000


def _spin(app, until, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if until():
            return True
        time.sleep(0.002)
    return False


def studio_round_trips(home_root: Path, phrases: list[list[tuple[int, float, float]]]) -> list[float]:
    """Seconds from the Record (stop) press to the first answer note at the DAW, one per phrase."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.core.audio.engine import AudioEngine, FakeStream, RealTimePump
    from app.core.home import AccordHome
    from app.core.live.jack_peer import JackPeer
    from app.core.project.edits import SetProjectField
    from app.ui.live import LIVE
    from app.ui.shell.main_window import MainWindow
    from app.ui.workers import TaskRunner

    app = QApplication.instance() or QApplication([])
    trips: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(home_root, Path(tmp) / "home")
        engine = AudioEngine(stream_factory=FakeStream)
        engine.open()
        window = MainWindow(home=AccordHome.resolve(Path(tmp) / "home"), engine=engine, runner=TaskRunner(),
                            settings=QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window.push(SetProjectField("tempo_bpm", 120.0))
        pacer = RealTimePump(engine)
        kb, daw = JackPeer("keyboard"), JackPeer("daw")
        panel = window.context.panels.ensure(LIVE)
        try:
            _spin(app, lambda: panel.probe is not None, 20)
            panel.count_in.setCurrentIndex(panel.count_in.findData("0"))
            panel.answer_now.setChecked(True)
            panel.midi_button.click()
            if not _spin(app, lambda: panel.host.state == "on", 30):
                return trips
            _spin(app, lambda: window.context.models.current is not None or panel.host.session.model is not None, 5)
            kb.connect("keyboard:out", "Accord:Accord in")
            daw.connect("Accord:Accord out", "daw:in")
            for phrase in phrases:
                engine.seek(0.0)
                panel.live.toggle_record()
                _spin(app, lambda: panel.live.record == "recording", 5)
                last = kb.play_notes(phrase, start_frame=kb.frame_now + RATE // 10, seconds_per_beat=0.5)
                _spin(app, lambda last=last: kb.frame_now > last + RATE // 20, 30)
                daw.received.clear()
                pressed = kb.frame_now
                panel.live.toggle_record()
                got = _spin(app, lambda: any(m[0] & 0xF0 == 0x90 and m[2] > 0 for _f, m in list(daw.received)), 10)
                if got:
                    first = min(f for f, m in list(daw.received) if m[0] & 0xF0 == 0x90 and m[2] > 0)
                    trips.append((first - pressed) / RATE)
                _spin(app, lambda: panel.live.record == "idle", 5)
                if window.playback.playing:
                    window.playback.toggle_play()
                _spin(app, lambda: False, 0.3)
        finally:
            panel.close_session()
            pacer.close()
            kb.close()
            daw.close()
            window.undo_stack.setClean()
            window.close()
            window.deleteLater()
            app.processEvents()
    return trips
