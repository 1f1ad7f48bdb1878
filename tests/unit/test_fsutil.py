from __future__ import annotations

import errno
import os
import time

import pytest

from app.core import fsutil
from app.core.errors import WriteError
from app.core.fsutil import TEMP_PREFIX, atomic_open, atomic_path, atomic_write_bytes, clean_stale_temps


def test_atomic_write_replaces_whole_file(tmp_path):
    p = tmp_path / "a.json"
    atomic_write_bytes(p, b"old")
    atomic_write_bytes(p, b"new content")
    assert p.read_bytes() == b"new content"
    assert [x.name for x in tmp_path.iterdir()] == ["a.json"]


def test_failure_inside_block_keeps_old_file_and_no_temp(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(p, "w", encoding="utf-8") as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert p.read_text() == "old"
    assert not list(tmp_path.glob(TEMP_PREFIX + "*"))


def test_disk_full_gives_clear_error_and_keeps_old_file(tmp_path, monkeypatch):
    p = tmp_path / "song.accord"
    p.write_text("old")

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fsutil.os, "replace", full)
    with pytest.raises(WriteError) as err:
        atomic_write_bytes(p, b"new")
    assert "disk is full" in str(err.value) and "song.accord" in str(err.value)
    assert p.read_text() == "old"
    assert not list(tmp_path.glob(TEMP_PREFIX + "*"))


def test_atomic_path_keeps_extension_for_format_detection(tmp_path):
    with atomic_path(tmp_path / "x.flac") as tmp:
        assert tmp.suffix == ".flac" and tmp.parent == tmp_path
        tmp.write_bytes(b"data")
    assert (tmp_path / "x.flac").read_bytes() == b"data"


def test_new_files_get_normal_permissions(tmp_path):
    p = tmp_path / "n.txt"
    atomic_write_bytes(p, b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert p.stat().st_mode & 0o777 == 0o666 & ~umask


def test_clean_stale_temps_removes_only_old_accord_temps(tmp_path):
    old = tmp_path / f"{TEMP_PREFIX}abc.wav"
    fresh = tmp_path / f"{TEMP_PREFIX}def.wav"
    other = tmp_path / "keep.wav"
    for f in (old, fresh, other):
        f.write_bytes(b"x")
    past = time.time() - 3600
    os.utime(old, (past, past))
    removed = clean_stale_temps(tmp_path)
    assert removed == [old]
    assert fresh.exists() and other.exists() and not old.exists()


def test_files_in_folder_is_sorted_skips_hidden_and_respects_depth_and_limit(tmp_path):
    from app.core.fsutil import files_in_folder

    for rel in ("b.wav", "a.wav", "notes.txt", ".hidden.wav", "sub/c.wav", "sub/deeper/d.wav", ".git/x.wav"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    wav = lambda p: p.suffix == ".wav"  # noqa: E731
    assert [p.relative_to(tmp_path).as_posix() for p in files_in_folder(tmp_path, wav)] == [
        "a.wav", "b.wav", "sub/c.wav", "sub/deeper/d.wav"]
    assert [p.name for p in files_in_folder(tmp_path, wav, max_depth=1)] == ["a.wav", "b.wav", "c.wav"]
    assert len(files_in_folder(tmp_path, wav, limit=1)) == 2  # stops after the folder that passed the limit


def test_numbered_stems_come_in_counting_order(tmp_path):
    # a DAW's export of 16 tracks: "1_Kick" ... "16_Lead"; plain sorting put "10_" to "16_" before "2_"
    from app.core.fsutil import files_in_folder, natural_key

    names = [f"{i}_Track {i}.wav" for i in range(1, 17)] + ["Bass 10.wav", "bass 2.wav", "Bass 1.wav"]
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    found = [p.name for p in files_in_folder(tmp_path, lambda p: True)]
    assert found[:16] == [f"{i}_Track {i}.wav" for i in range(1, 17)]
    assert found[16:] == ["Bass 1.wav", "bass 2.wav", "Bass 10.wav"]  # case does not split them
    assert sorted(["a01", "a1", "A1"], key=natural_key) == ["A1", "a01", "a1"]  # ties broken by the name


def test_folder_walk_skips_link_loops_and_folder_links_with_a_message(tmp_path, caplog):
    import logging

    from app.core.fsutil import files_in_folder

    (tmp_path / "a.mid").write_bytes(b"x")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "parent").symlink_to(tmp_path)
    with caplog.at_level(logging.WARNING):
        found = files_in_folder(tmp_path, lambda p: True)
    assert found == [tmp_path / "a.mid"]
    assert "loop: skipped (a broken link" in caplog.text and "parent: skipped (a link to a folder" in caplog.text


def test_an_existing_folder_as_the_target_is_refused_before_writing(tmp_path):
    (tmp_path / "out.wav").mkdir()
    with pytest.raises(WriteError, match=r"out.wav: is a folder, not a file \(give a file name inside it\)"):
        atomic_write_bytes(tmp_path / "out.wav", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]  # no temp file left


def test_a_file_in_the_way_of_the_folder_is_named(tmp_path):
    (tmp_path / "notes").write_text("a file, not a folder")
    with pytest.raises(WriteError) as info:  # was "m.wav: cannot write here: File exists"
        atomic_write_bytes(tmp_path / "notes" / "sub" / "m.wav", b"x")
    assert f"'{tmp_path / 'notes'}' is a file, not a folder" in str(info.value)
    assert (tmp_path / "notes").read_text() == "a file, not a folder"
