"""Power-loss order for every file Accord writes: the new data is fsynced *before* it replaces the old file,
and the folder is fsynced *after* (else the rename itself can be lost). A SIGKILL cannot show this (the page
cache survives a killed process); recording the system calls can."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tests.reliability.builders import catalogue_with_works

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc to name descriptors")


class Syscalls:
    def __init__(self, monkeypatch) -> None:
        self.log: list[tuple[str, str]] = []
        real_fsync, real_replace, real_rename = os.fsync, os.replace, os.rename

        def fsync(fd):
            self.log.append(("fsync", os.readlink(f"/proc/self/fd/{fd if isinstance(fd, int) else fd.fileno()}")))
            return real_fsync(fd)

        def replace(src, dst, *a, **k):
            self.log.append(("replace", f"{os.fspath(src)} -> {os.path.abspath(os.fspath(dst))}"))
            return real_replace(src, dst, *a, **k)

        def rename(src, dst, *a, **k):
            self.log.append(("replace", f"{os.fspath(src)} -> {os.path.abspath(os.fspath(dst))}"))
            return real_rename(src, dst, *a, **k)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "rename", rename)

    def check(self, target: Path) -> list[str]:
        """Problems with how `target` was written (empty when durable)."""
        target = Path(os.path.abspath(target))
        i = next((i for i, (op, what) in enumerate(self.log) if op == "replace" and what.endswith(f"-> {target}")),
                 None)
        if i is None:
            return [f"{target.name} was not written by replacing a temp file"]
        src = os.path.abspath(self.log[i][1].split(" -> ")[0])
        problems = []
        if ("fsync", src) not in self.log[:i]:
            problems.append(f"{target.name}: the temp file was not fsynced before the rename")
        if ("fsync", str(target.parent)) not in self.log[i + 1:]:
            problems.append(f"{target.name}: the folder was not fsynced after the rename")
        return problems


def _writers(tmp_path: Path):
    def project():
        from app.core.project.model import Project
        from app.core.project.store import save_project

        return save_project(Project(name="Song"), tmp_path / "song.accord")

    def recovery_copy():
        from app.core.project.model import Project
        from app.core.project.recovery import write_copy

        write_copy(Project(name="Song"), tmp_path / "r.accord", tmp_path / "r.json")
        return tmp_path / "r.accord"

    def model():
        from app.core.catalogue.store import Catalogue
        from app.core.model import save_model, train

        catalogue_with_works(tmp_path / "m.sqlite", 2)
        with Catalogue.open(tmp_path / "m.sqlite") as cat:
            trained = train(cat.usable_works())
        return save_model(trained, tmp_path / "current.accordmodel")

    def export():
        from app.core.project.export.files import export_audio
        from app.core.provenance.identity import create_identity
        from tests.helpers.provenance import consented_catalogue, mix_fields

        me = create_identity(tmp_path / "export-keys", "Ada")
        samples = np.zeros((2, 4800), dtype=np.float32)
        return Path(export_audio(samples, 48000, tmp_path / "mix.wav", mix_fields(), identity=me,
                                 format="wav24", catalogue=consented_catalogue(tmp_path / "c.sqlite")).path)

    def identity():
        from app.core.provenance.identity import create_identity

        create_identity(tmp_path / "keys", "Ada")
        return tmp_path / "keys" / "identity.json"

    def trust_list():
        from app.core.provenance.identity import TRUST_FILE, TrustList, create_identity

        other = create_identity(tmp_path / "other", "Bo")
        trust = TrustList.load(tmp_path / "keys2")
        trust.path = tmp_path / "keys2" / TRUST_FILE
        (tmp_path / "keys2").mkdir(exist_ok=True)
        trust.add(other.public)
        trust.save()
        return trust.path

    def midi():
        from app.core.midifile import MidiPart, write_midi
        from tests.reliability.builders import melody_for

        return write_midi(tmp_path / "tune.mid", [MidiPart("lead", melody_for(1))], tempo_bpm=100)

    return {"project save": project, "autosave copy": recovery_copy, "model save": model, "export": export,
            "signing identity": identity, "trust list": trust_list, "MIDI file": midi}


@pytest.mark.parametrize("kind", ["project save", "autosave copy", "model save", "export", "signing identity",
                                  "trust list", "MIDI file"])
def test_written_in_a_power_loss_safe_order(kind, tmp_path, monkeypatch):
    calls = Syscalls(monkeypatch)
    target = _writers(tmp_path)[kind]()
    assert calls.check(Path(target)) == []


def test_the_checker_notices_a_missing_folder_sync(tmp_path, monkeypatch):
    calls = Syscalls(monkeypatch)
    tmp = tmp_path / "t.tmp"
    tmp.write_bytes(b"x")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, tmp_path / "final.txt")
    assert calls.check(tmp_path / "final.txt") == ["final.txt: the folder was not fsynced after the rename"]
