"""Files that are not plain files, and names that are not valid UTF-8.

A FIFO named song.mid used to hang every reader (catalogue import, verify, suggest, project and model open),
a link to /dev/zero read forever, and a name that is not valid UTF-8 (common in old archives) failed a whole
catalogue import, `accord suggest`, stem loading, analysis and saving a project. Each is a regression case.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.reliability import corpus, harness

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, /dev/zero and byte file names")
BAD = os.fsdecode(b"\xff\xfe-caf\xe9")  # latin-1 "café" behind two bytes that are never UTF-8


@pytest.fixture(scope="module")
def special(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("special")
    for ext in (".wav", ".mid", ".accord", ".accordmodel", ".flac"):
        os.mkfifo(d / f"fifo{ext}")
    os.symlink("/dev/zero", d / "zero.wav")
    os.symlink("/dev/zero", d / "zero.mid")
    os.symlink(d / "loop_b.wav", d / "loop_a.wav")
    os.symlink(d / "loop_a.wav", d / "loop_b.wav")
    (d / "folder.wav").mkdir()
    (d / f"{BAD}.wav").write_bytes(corpus.wav_bytes(data=corpus._tone(4800).astype("<f4").tobytes(), tag=3,
                                                    bits=32))
    (d / f"{BAD}.mid").write_bytes(corpus.midi_cases()[0].data)
    return d


def _jobs(folder: Path) -> list[harness.Job]:
    extra = {".accord": "project_open", ".accordmodel": "model_load", ".mid": "suggest", ".wav": "analyze"}
    jobs = []
    for p in sorted(folder.iterdir()):
        jobs += [harness.Job(p, e) for e in ("studio_import", "catalogue_import", "stem_load", "verify")]
        if p.suffix in extra and not p.is_dir():
            jobs.append(harness.Job(p, extra[p.suffix]))
    return jobs


def test_special_files_and_odd_names_through_every_entry_point(special, figures):
    results = harness.run_jobs(_jobs(special), workers=2, case_timeout=10)
    for r in results:
        figures.record_case(r["entry"], r["outcome"], r["name"], r["changed"])
    bad = [f"{r['entry']} {r['name']!r}: {r['outcome']}: {r['message']}" for r in results
           if r["outcome"] not in ("loaded", "clear-error") or r["changed"]]
    assert bad == []
    by = {(r["name"], r["entry"]): r for r in results}
    for name in ("fifo.mid", "fifo.wav", "zero.mid"):
        assert "not a file Accord can read" in by[(name, "verify" if name != "zero.mid" else "suggest")]["message"]
    # The odd names hold good content: it loads everywhere.
    for entry in ("stem_load", "studio_import", "analyze"):
        assert by[(f"{BAD}.wav", entry)]["outcome"] == "loaded", by[(f"{BAD}.wav", entry)]
    for entry in ("catalogue_import", "suggest"):
        assert by[(f"{BAD}.mid", entry)]["outcome"] == "loaded", by[(f"{BAD}.mid", entry)]


def test_a_project_with_an_odd_stem_name_saves_autosaves_and_reopens(special, tmp_path):
    from app.core.project.model import Project, StemRef
    from app.core.project.recovery import find_recoverable, recovered_project, write_copy
    from app.core.project.store import load_project, save_project

    stem = special / f"{BAD}.wav"
    project = Project(name="Café", stems=[StemRef("odd", stem)])
    back = load_project(save_project(project, tmp_path / "song.accord"))
    assert back.stems[0].path == stem and not back.stems[0].missing and back.name == "Café"
    folder = tmp_path / "recovery"
    folder.mkdir()
    write_copy(project, folder / "s.accord", folder / "s.json")
    assert recovered_project(find_recoverable(folder)[0]).stems[0].path == stem
    plain = save_project(Project(name="Café"), tmp_path / "plain.accord")
    assert "Café" in plain.read_text(encoding="utf-8")  # only files that need escapes get them


def test_verify_with_a_damaged_c2pa_root_certificate_is_one_line(tmp_path, capsys):
    from app.cli.main import main as cli

    home = tmp_path / "home"
    (home / "keys" / "c2pa").mkdir(parents=True)
    (home / "keys" / "c2pa" / "root.pem").write_bytes(bytes(range(128, 256)))
    target = tmp_path / "mix.wav"
    target.write_bytes(corpus.wav_bytes())
    assert cli(["--home", str(home), "verify", "--c2pa", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "root.pem" in err[0]
