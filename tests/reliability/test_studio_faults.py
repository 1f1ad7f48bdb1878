"""The studio under faults: crash and recovery (a real SIGKILL), damaged recovery copies (no crash loop),
autosave on a full disk, and audio devices that fail to open, fail mid-playback, underflow or make the
render fail. The studio keeps working through all of it."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.audio.engine import AudioEngine, FakeStream
from app.core.errors import PlaybackError, WriteError
from app.core.home import AccordHome
from app.core.project.model import Project
from app.core.project.store import save_project
from app.ui.shell import recovery
from app.ui.shell.main_window import MainWindow
from app.ui.workers import TaskRunner
from tests.gui import studio_fixtures as fx
from tests.gui.studio_fixtures import ScriptedDialogs, make_window

studio, tones = fx.studio, fx.tones
REPO = Path(__file__).resolve().parents[2]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _plant_copy(home: AccordHome, content: bytes, *, name: str = "Song", pid: int = 999_999_999) -> Path:
    """A recovery copy left by a studio that is gone (the pid does not exist)."""
    folder = home.recovery_dir
    (folder / "dead.accord").write_bytes(content)
    (folder / "dead.json").write_text(json.dumps({"pid": pid, "name": name, "saved_at": time.time(),
                                                  "original_path": None}))
    return folder / "dead.accord"


# --- crash and recovery ----------------------------------------------------------------------------------
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_recovery_after_a_real_crash_never_touches_the_original(qtbot, tmp_path, tones):
    home_dir = tmp_path / "home"
    original = save_project(Project(name="Song"), tmp_path / "song.accord")
    before = _sha(original)
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    child = subprocess.Popen([sys.executable, "-m", "tests.reliability.studio_crash_child", str(home_dir),
                              str(tones[0]), str(original)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline().strip()
        assert line == "autosaved", child.stderr.read()[-2000:] if child.poll() is not None else line
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert _sha(original) == before  # autosave wrote beside it, never over it
    window = make_window(qtbot, tmp_path)
    assert window.home.root == home_dir
    assert recovery.offer_recovery(window)
    assert window.dialogs.asked_recover and window.dialogs.asked_recover[0][0] == "Song"
    assert [s.name for s in window.project.stems] == ["kick"] and window.project.stems[0].mute
    assert window.project.path == original and not window.undo_stack.isClean()
    assert _sha(original) == before  # recovering does not write the original either...
    assert window.documents.save()
    assert _sha(original) != before  # ...saving does
    assert recovery.find_recoverable(window.home.recovery_dir) == []
    window.close()


def test_a_damaged_copy_is_set_aside_with_a_message_and_never_offered_again(qtbot, tmp_path, tones):
    window = make_window(qtbot, tmp_path)
    _plant_copy(window.home, b"{ this is not a project")
    assert not recovery.offer_recovery(window)
    assert window.dialogs.errors and "dead.damaged.accord" in window.dialogs.errors[0][1]
    kept = window.home.recovery_dir / "dead.damaged.accord"
    assert kept.read_bytes() == b"{ this is not a project"  # kept, not deleted
    assert "not valid JSON" in window.dialogs.errors[0][1]  # and why
    assert recovery.find_recoverable(window.home.recovery_dir) == []
    window.add_stem_files(tones[:1])  # the studio works normally
    assert len(window.project.stems) == 1
    window.undo_stack.setClean()
    window.close()


def test_an_unexpected_failure_while_recovering_cannot_cause_a_crash_loop(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, tmp_path)
    save = save_project(Project(name="Fine"), tmp_path / "fine.accord")
    _plant_copy(window.home, save.read_bytes(), name="Fine")

    def boom(item):
        raise RuntimeError("a bug while reading the copy")

    monkeypatch.setattr(recovery, "recovered_project", boom)
    assert not recovery.offer_recovery(window)  # no exception reaches Studio.start
    assert window.dialogs.errors
    assert recovery.find_recoverable(window.home.recovery_dir) == []  # the next start will not retry it
    window.close()


def test_a_copy_that_kills_the_process_is_not_offered_again(qtbot, tmp_path, monkeypatch):
    """If reading the copy took the whole process down (segfault, out of memory), the next start must not
    meet the same copy: it is set aside before it is read."""
    window = make_window(qtbot, tmp_path)
    _plant_copy(window.home, save_project(Project(name="X"), tmp_path / "x.accord").read_bytes(), name="X")
    seen = []

    class Died(BaseException):
        pass

    def die(item):
        seen.append(item.file)
        raise Died()  # stands in for the process dying: nothing after this line runs

    monkeypatch.setattr(recovery, "recovered_project", die)
    with pytest.raises(Died):
        recovery.offer_recovery(window)
    assert seen and seen[0].name == "dead.attempted.accord"  # renamed before reading
    assert recovery.find_recoverable(window.home.recovery_dir) == []
    window.close()


def test_studio_start_survives_a_damaged_copy_and_cleans_stale_temps(qtbot, tmp_path, monkeypatch):
    from app.ui.app import Studio, parse_args
    from app.ui.dialogs.messages import Dialogs

    home = AccordHome.resolve(tmp_path / "home")
    _plant_copy(home, b"\x00\xff garbage")
    stale = home.models_dir / ".accord-tmp-left-by-a-crash.accordmodel"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 3600,) * 2)
    monkeypatch.setattr(Dialogs, "ask_recover", lambda self, parent, name, when: True)
    monkeypatch.setattr(Dialogs, "report_error", lambda self, parent, title, text: None)
    for _ in range(2):  # twice: the second start meets no copy (no crash loop)
        studio_app = Studio(parse_args(["--home", str(home.root)]))
        assert studio_app.start(fallback_ok=True) is None
        qtbot.addWidget(studio_app.window)
        studio_app.window.undo_stack.setClean()
        studio_app.window.close()
        studio_app.engine.close()
    assert not stale.exists()
    assert recovery.find_recoverable(home.recovery_dir) == []


def test_the_autosave_timer_writes_a_copy_and_a_full_disk_does_not_stop_the_studio(studio, tones, qtbot,
                                                                                      monkeypatch):
    studio.add_stem_files(tones[:1])
    studio.autosave.timer.setInterval(30)
    qtbot.waitUntil(studio.autosave.meta.exists, timeout=3000)  # the periodic path, not save_now()
    copy = studio.autosave.file.read_bytes()

    def full(path, text):
        raise WriteError("could not be written: the disk is full; the previous version is kept", path=path)

    monkeypatch.setattr("app.core.project.store.atomic_write_text", full)
    studio.stem_lanes.lanes[studio.project.stems[0].id].header.mute.click()
    assert studio.autosave.save_now() is False  # no exception into the event loop
    assert studio.autosave.file.read_bytes() == copy  # the previous copy is kept
    studio.add_stem_files(tones[1:2])  # and the studio goes on
    assert len(studio.project.stems) == 2


# --- audio device faults ------------------------------------------------------------------------------------
class FlakyDevice:
    """A stream factory: fails to open while `present` is False (as with no device plugged in)."""

    def __init__(self) -> None:
        self.present = False
        self.opened: list[FakeStream] = []

    def __call__(self, callback, samplerate, blocksize, device, channels):
        if not self.present:
            raise OSError("Error querying device -1")  # what PortAudio says without a device
        stream = FakeStream(callback, samplerate, blocksize, device, channels)
        self.opened.append(stream)
        return stream


def _reconnect_action(window):
    for action in window.menu("&Transport").actions():
        if "reconnect" in action.text().replace("&", "").lower():
            return action
    raise AssertionError("no Transport → Reconnect action")


def test_no_device_at_start_then_reconnect_from_the_transport_menu(qtbot, tmp_path, tones):
    device = FlakyDevice()
    engine = AudioEngine(stream_factory=device)
    with pytest.raises(PlaybackError):
        engine.open()
    window = MainWindow(home=AccordHome.resolve(tmp_path / "h"), engine=engine, runner=TaskRunner(synchronous=True),
                        dialogs=ScriptedDialogs())
    qtbot.addWidget(window)
    window.add_stem_files(tones)
    window.playback.toggle_play()
    assert window.status.currentMessage().startswith("Cannot play") and not engine.transport.playing
    _reconnect_action(window).trigger()  # still no device: a message, no exception
    assert not engine.available
    device.present = True
    _reconnect_action(window).trigger()
    assert engine.available
    window.playback.toggle_play()
    out = device.opened[-1].pump(8)
    assert engine.transport.playing and abs(out).max() > 0  # the stems are heard
    window.undo_stack.setClean()
    window.close()


class DyingStream(FakeStream):
    """A device that errors out mid-playback and then fails even to stop or close."""

    def stop(self) -> None:
        raise OSError("Unanticipated host error")

    def close(self) -> None:
        raise OSError("Unanticipated host error")


def test_a_stream_that_dies_mid_playback_stops_with_a_message(qtbot, tmp_path, tones):
    engine = AudioEngine(stream_factory=DyingStream)
    engine.open()
    studio = MainWindow(home=AccordHome.resolve(tmp_path / "h"), engine=engine, runner=TaskRunner(synchronous=True),
                        dialogs=ScriptedDialogs())
    qtbot.addWidget(studio)
    studio.add_stem_files(tones)
    studio.playback.toggle_play()
    studio.engine.stream.pump(4)
    studio.engine.stream.fail()  # the device errors out; stop() and close() will raise too
    studio.playback.tick()
    assert not studio.engine.transport.playing
    qtbot.waitUntil(lambda: "Playback unavailable" in studio.status.playback_label.text(), timeout=2000)
    studio.undo_stack.undo()  # editing still works without audio
    assert studio.project.stems == []
    assert studio.reconnect_audio()
    studio.undo_stack.setClean()
    studio.close()


def test_underflows_are_counted_and_reported_without_stopping(studio, tones):
    studio.add_stem_files(tones)
    studio.playback.toggle_play()
    before = studio.engine.transport.position_seconds
    studio.engine.stream.pump(10, underflow=True)
    studio.playback.tick()
    assert studio.engine.underruns == 10
    assert studio.engine.transport.playing and studio.engine.transport.position_seconds > before
    assert "underrun" in studio.status.currentMessage().lower()


def test_a_render_failure_in_the_callback_stops_playback_with_a_message(studio, tones):
    studio.add_stem_files(tones)
    studio.playback.toggle_play()
    studio.engine.callback(__import__("numpy").zeros((256, 7), dtype="float32"), 256, None, None)  # bad buffer
    assert studio.engine.callback_errors == 1  # the callback never raised
    studio.playback.tick()
    assert not studio.engine.transport.playing
    assert "playback stopped" in studio.status.currentMessage().lower()
    studio.playback.toggle_play()  # and it can play again
    studio.engine.stream.pump(2)
    assert studio.engine.transport.playing


# --- the corpus dropped on the window ------------------------------------------------------------------------
def test_dropping_the_whole_audio_corpus_loads_the_good_and_reports_the_rest(qtbot, tmp_path):
    """What a user does with a folder of strange files: drop them all at once. Everything decodable becomes
    a stem, everything else is listed with a reason, nothing raises into the event loop, and one undo
    removes the lot."""
    from app.core.audio.io import load_audio
    from app.core.errors import AccordError
    from tests.reliability import corpus

    folder = tmp_path / "drop"
    folder.mkdir()
    cases = [c for c in corpus.wav_cases() + corpus.aiff_cases() + corpus.flac_cases()
             + corpus.wrong_extension_cases(corpus.wav_bytes(), corpus.midi_cases()[0].data, b"{}")]
    paths = [c.write(folder) for c in cases]
    expected_ok = []
    for p in paths:
        try:
            load_audio(p)
            expected_ok.append(p)
        except AccordError:
            pass
    window = make_window(qtbot, tmp_path)
    window.handle_dropped_paths(paths)
    assert sorted(s.path.name for s in window.project.stems) == sorted(p.name for p in expected_ok)
    [(title, problems)] = window.dialogs.reports
    assert len(problems) == len(paths) - len(expected_ok)
    assert all(reason and "unexpected error" not in reason for _, reason in problems), problems
    window.undo_stack.undo()
    assert window.project.stems == []
    window.undo_stack.setClean()
    window.close()


# --- the Verify dialog with forged, odd and broken files -------------------------------------------------------
def test_verify_dialog_shows_every_file_of_a_forgery_corpus(qtbot, tmp_path, monkeypatch):
    """Genuine, tampered, stranger-signed records of odd shapes, and garbage: each gets a row with a status and
    its details display, with nothing raised inside a slot."""
    import json as _json

    from app.core.provenance.canonical import canonical_bytes
    from app.core.provenance.embedding.embed import embed_record, read_provenance
    from app.core.provenance.identity import create_identity
    from app.core.provenance.record import sign_record
    from app.ui.dialogs.verify import VerifyDialog
    from app.ui.workers import TaskRunner as Runner
    from tests.helpers.provenance import export_one
    from tests.reliability import corpus

    home = AccordHome.resolve(tmp_path / "home")
    me = create_identity(home.keys_dir, "Ada")
    stranger = create_identity(tmp_path / "stranger", "Ada")
    files = []
    for i, (field, value) in enumerate((("title", "genuine"), ("credit", "lots"), ("trainingWorks", {"a": 1}),
                                        ("stems", 5), ("model", "m"))):
        path = Path(export_one(me, tmp_path / "signed", "wav16", name=f"f{i}", seconds=0.1).path)
        if field != "title":
            data = dict(_json.loads(read_provenance(path).distinct[0]), **{field: value})
            embed_record(path, canonical_bytes(sign_record(data, stranger if i % 2 else me)))
        files.append(path)
    for case in corpus.wav_cases()[:12] + corpus.midi_cases()[:6]:
        files.append(case.write(tmp_path))
    raised: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda et, ev, tb: raised.append(f"{et.__name__}: {ev}"))
    dialog = VerifyDialog(None, home, Runner(synchronous=True))
    qtbot.addWidget(dialog)
    dialog.verify_paths(files)
    assert dialog.files.count() == len(files)
    for row in range(len(files)):
        dialog.files.setCurrentRow(row)
        assert dialog.status.text()
    statuses = [r["status"] if isinstance(r, dict) else r.status for r in dialog.results]
    assert statuses[0] == "verified" and statuses.count("verified") <= 3
    assert raised == []


def test_studio_starts_with_every_file_in_its_home_damaged(qtbot, tmp_path, monkeypatch):
    """After a disk error: catalogue, model, identity, trust list, settings and a recovery sidecar are all
    garbage. The studio still starts (twice: no crash loop), with its panels, and can load a stem."""
    from app.ui.app import Studio, parse_args
    from app.ui.dialogs.messages import Dialogs
    from tests.reliability import corpus

    home = AccordHome.resolve(tmp_path / "home")
    junk = corpus._garbage(3000, 77)
    for path in (home.catalogue_path, home.current_model_path, home.keys_dir / "identity.json",
                 home.keys_dir / "trusted.json", home.root / "studio.ini", home.recovery_dir / "x.json",
                 home.recovery_dir / "x.accord"):
        path.write_bytes(junk)
    monkeypatch.setattr(Dialogs, "ask_recover", lambda self, parent, name, when: True)
    monkeypatch.setattr(Dialogs, "report_error", lambda self, parent, title, text: None)
    raised: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda et, ev, tb: raised.append(f"{et.__name__}: {ev}"))
    wav = tmp_path / "lead.wav"
    wav.write_bytes(corpus.wav_bytes())
    for _ in range(2):
        studio_app = Studio(parse_args(["--home", str(home.root)]))
        assert studio_app.start(fallback_ok=True) is None
        window = studio_app.window
        qtbot.addWidget(window)
        window.runner.synchronous = True
        window.add_stem_files([wav])
        assert [s.name for s in window.project.stems] == ["lead"]
        window.undo_stack.setClean()
        window.close()
        studio_app.engine.close()
    assert raised == []
