"""A corpus worker: one process with an address-space limit that runs cases through Accord's entry points.

Protocol (no pickle): the parent writes one JSON object per line on stdin, {"path": ..., "entry": ...}; the
worker answers one JSON line per case on its protocol fd with the outcome:
    {"outcome": "loaded" | "clear-error" | "unclear-error" | "false-verified" | "timeout",
     "message": ..., "changed": [...], "seconds": ..., "max_rss_kb": ...}
Anything the libraries print goes to stderr, never into the protocol stream. A case that kills the worker
(segfault, out-of-memory kill) or hangs past the parent's deadline is recorded by the parent as a crash.

Run: python -m tests.reliability.worker --home DIR [--mem-limit-mb N] [--case-timeout S]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import resource
import shutil
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

ENTRY_POINTS = ("studio_import", "catalogue_import", "stem_load", "verify", "project_open", "model_load",
                "key_import", "analyze", "suggest", "catalogue_open", "render")


# Entry points that legitimately change the catalogue when they succeed (new works; the export log).
WRITES_WHEN_LOADED = frozenset({"catalogue_import", "suggest", "render"})


# Entry points measured not to import librosa (tests/reliability/test_corpus.py checks the claim).
NO_LIBROSA = frozenset({"stem_load", "verify", "project_open", "model_load", "key_import", "catalogue_open",
                        "_selftest_segfault", "_selftest_allocate", "_selftest_retitle", "_selftest_index"})


class CaseTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so no `except Exception` in the code under test swallows it."""


class _Errors(logging.Handler):
    """Collects ERROR records: a reader that logs a traceback hit an unexpected exception."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


def set_memory_limit(mb: int) -> None:
    limit = mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def catalogue_digest(path: Path) -> str:
    """A hash of the catalogue's logical content (every row of every table), independent of WAL state."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        for line in conn.iterdump():
            h.update(line.encode("utf-8", "surrogatepass"))
        return h.hexdigest()
    finally:
        conn.close()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Worker:
    def __init__(self, home: Path) -> None:
        from app.core.catalogue.store import Catalogue
        from app.core.home import AccordHome
        from app.core.project.model import Project
        from app.core.project.store import save_project
        from app.core.provenance.identity import TrustList, create_identity

        os.environ["ACCORD_HOME"] = str(home)
        self.home = AccordHome.resolve(home)
        self.catalogue = Catalogue.open(self.home.catalogue_path)
        identity = create_identity(self.home.keys_dir, "Worker Artist")
        self.trust = TrustList.of(identity.public)
        self.project_path = save_project(Project(name="Untouched"), home / "untouched.accord")
        self.scratch = home / "scratch"
        self.scratch.mkdir(exist_ok=True)
        # A trained model for `suggest` (its works are in the catalogue from the start, like a real home).
        import contextlib
        import io

        from app.cli.main import main as cli
        from tests.reliability.builders import catalogue_with_works

        catalogue_with_works(self.home.catalogue_path, 4)
        with contextlib.redirect_stdout(io.StringIO()):
            if cli(["--home", str(home), "train"]) != 0:
                raise RuntimeError("the worker could not train its model")
        self.librosa_warm = False
        self.errors = _Errors()
        self.wrote = False
        logging.getLogger().addHandler(self.errors)

    def warm_librosa(self) -> None:
        """librosa's numba functions compile on first use (4-25 s): compile them before the first case that
        may hear audio, outside its timer. Workers that only open projects, models or keys never pay it."""
        if self.librosa_warm:
            return
        import librosa
        import numpy as np

        noise = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
        librosa.feature.tempo(y=noise, sr=22050, hop_length=512)
        librosa.onset.onset_detect(y=noise, sr=22050)
        librosa.pyin(noise[:4096], fmin=65.0, fmax=2000.0, sr=11025, frame_length=512, hop_length=128)
        self.librosa_warm = True

    # -- entry points ----------------------------------------------------------------------------------
    def studio_import(self, path: Path) -> str:
        """What a drop on the studio window does: a project opens, anything else decodes as stems."""
        if path.suffix.lower() == ".accord":
            from app.core.project.store import load_project

            load_project(path)
            return "opened project"
        from app.core.tasks import NEVER_CANCELLED, no_progress
        from app.ui.shell.loading import decode_stem, expand_paths

        files, skipped = expand_paths([path])
        if skipped:
            from app.core.errors import AccordError

            raise AccordError(skipped[0][1], path=skipped[0][0])
        loaded = decode_stem(files[0], 48000)(no_progress, NEVER_CANCELLED)
        return f"{loaded.audio.frames} frames"

    def catalogue_import(self, path: Path) -> str:
        from app.core.errors import ImportFailed

        result = self.catalogue.import_files([path], transcriber="pyin")
        if result.added or result.duplicates:
            return f"{len(result.added)} added, {len(result.duplicates)} duplicate"
        if not result.failed:  # a folder with nothing importable in it
            raise ImportFailed("nothing to import here", path=path)
        reason = result.failed[0].reason  # already "<file name>: <why>"
        raise ImportFailed(reason, path=path if path.name in reason else None)

    def stem_load(self, path: Path) -> str:
        from app.core.audio.io import load_audio

        return f"{load_audio(path).frames} frames"

    def verify(self, path: Path) -> str:
        from app.core.provenance.verify import VERIFIED, verify_file

        result = verify_file(path, self.trust)
        if result.status == VERIFIED:
            raise _FalseVerified(result.reason)
        return result.status

    def analyze(self, path: Path) -> str:
        """Stem analysis of a file that decodes (CLI `accord analyze`, the studio's Analysis panel)."""
        from app.core.analysis.files import load_stem_inputs
        from app.core.analysis.pipeline import analyze_stems

        result = analyze_stems(load_stem_inputs([path]))
        return f"analysed ({len(result.notes) if hasattr(result, 'notes') else 0} notes about it)"

    def suggest(self, path: Path) -> str:
        """`accord suggest --continue FILE` (and --vary) with a trained model: what a collaborator's MIDI meets."""
        import contextlib
        import io

        from app.cli.main import main as cli
        from app.core.errors import AccordError

        for mode in ("--continue", "--vary"):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = cli(["--home", str(self.home.root), "suggest", mode, str(path), "--bars", "2", "-n", "1",
                            "--seed", "1", "-o", str(self.scratch / "suggestions")])
            lines = err.getvalue().strip().splitlines()
            self.wrote |= code == 0  # a suggestion written is logged in the catalogue's export log
            if code != 0:
                # The CLI's contract for bad input: exit 2 and one line on stderr. A constraint the melody
                # cannot meet names the constraint rather than the file, which is the clearer message there.
                if code != 2 or len(lines) != 1:
                    return_text = " | ".join(lines)[-300:]
                    raise RuntimeError(f"exit {code}: {return_text}")
                raise AccordError(lines[0].removeprefix("accord: ").removeprefix(f"{path.name}: "), path=path)
        return "suggested"

    def catalogue_open(self, path: Path) -> str:
        """Open a (copy of a) catalogue file and read everything the studio and `accord catalogue` show."""
        from app.core.catalogue.store import Catalogue
        from app.core.errors import AccordError, ConsentError

        copy = self.scratch / "opened" / path.name
        shutil.rmtree(copy.parent, ignore_errors=True)
        copy.parent.mkdir()
        shutil.copyfile(path, copy)
        try:
            with Catalogue.open(copy) as cat:
                works = cat.works()
                audit = cat.audit()
                try:
                    cat.usable_works()
                except ConsentError:  # a copy without its signed head file fails the audit: nothing is usable,
                    if audit.ok:      # which the studio shows as a banner; the file itself was read fine
                        raise
                for w in works:
                    cat.work(w.id)
                    cat.consent_history(w.id)
        except AccordError as exc:  # name the user's file, not the copy
            raise AccordError(exc.reason, path=path, hint=exc.hint) from exc
        return f"{len(works)} works, ledger {'ok' if audit.ok else 'broken'}"

    def render(self, path: Path) -> str:
        """`accord render MIDI -o out.wav` (and --all-parts): a suggestion file turned into audio."""
        import contextlib
        import io

        from app.cli.main import main as cli
        from app.core.errors import AccordError

        for extra in ([], ["--all-parts"]):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = cli(["--home", str(self.home.root), "render", str(path), *extra, "-o",
                            str(self.scratch / "render.wav")])
            lines = err.getvalue().strip().splitlines()
            self.wrote |= code == 0  # a rendered file is signed and logged in the catalogue's export log
            if code != 0:
                if code != 2 or len(lines) != 1:
                    raise RuntimeError(f"exit {code}: {' | '.join(lines)[-300:]}")
                raise AccordError(lines[0].removeprefix("accord: ").removeprefix(f"{path.name}: "), path=path)
        return "rendered"

    def project_open(self, path: Path) -> str:
        from app.core.project.store import load_project

        return f"{len(load_project(path).stems)} stems"

    def model_load(self, path: Path) -> str:
        from app.core.model import load_model

        return f"{len(load_model(path).works)} works"

    def key_import(self, path: Path) -> str:
        from app.core.provenance.identity import (
            IDENTITY_FILE,
            TRUST_FILE,
            TrustList,
            import_public_key,
            load_identity,
        )

        name = path.name
        if name.startswith(("identity_", "trust_list_")):
            keys = self.scratch / "keys"
            shutil.rmtree(keys, ignore_errors=True)
            keys.mkdir()
            target = keys / (IDENTITY_FILE if name.startswith("identity_") else TRUST_FILE)
            shutil.copyfile(path, target)
            try:
                if name.startswith("identity_"):
                    load_identity(keys)
                else:
                    TrustList.load(keys)
            except Exception as exc:  # re-raise naming the user's file, not the copy's
                from app.core.errors import AccordError

                if isinstance(exc, AccordError):
                    raise AccordError(exc.reason, path=path) from exc
                raise
            return "loaded"
        return import_public_key(path).key_id

    # -- self-tests of the harness (a reader that crashes, over-allocates or writes) --------------------------
    def _selftest_segfault(self, path: Path) -> str:
        os.kill(os.getpid(), signal.SIGSEGV)
        return "unreachable"

    def _selftest_retitle(self, path: Path) -> str:
        """Changes one work's title (a row changed, no row added) and then fails as a reader would."""
        return self._write_then_fail(path, "UPDATE works SET title = upper(title) "
                                           "WHERE id = (SELECT min(id) FROM works)")

    def _selftest_index(self, path: Path) -> str:
        """Adds an index (no row changes) and then fails as a reader would."""
        return self._write_then_fail(path, "CREATE INDEX IF NOT EXISTS selftest_titles ON works(title)")

    def _write_then_fail(self, path: Path, sql: str) -> str:
        from app.core.errors import AccordError

        conn = sqlite3.connect(self.home.catalogue_path)
        with conn:
            conn.execute(sql)
        conn.close()
        raise AccordError("refused after writing", path=path)

    def _selftest_allocate(self, path: Path) -> str:
        import numpy as np

        return str(np.ones(4 * 1024 ** 3, dtype=np.uint8).sum())  # 4 GiB: over the limit

    # -- one case --------------------------------------------------------------------------------------
    def run(self, path: Path, entry: str, timeout: float) -> dict[str, Any]:
        from app.core.errors import AccordError

        if entry not in NO_LIBROSA:
            self.warm_librosa()
        had_librosa = "librosa" in sys.modules
        before_cat = catalogue_digest(self.home.catalogue_path)
        before_project = file_digest(self.project_path)
        self.errors.records.clear()
        self.wrote = False
        started = time.perf_counter()
        outcome, message = "loaded", ""
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            message = getattr(self, entry)(path)
        except CaseTimeout:
            outcome, message = "timeout", f"no answer within {timeout:g} s"
        except _FalseVerified as exc:
            outcome, message = "false-verified", str(exc)
        except AccordError as exc:
            message = str(exc)
            named = exc.path is not None and exc.path.name == path.name and path.name in message
            outcome = "clear-error" if named else "unclear-error"
        except BaseException as exc:  # noqa: BLE001 — exactly what the corpus is looking for
            outcome, message = "unclear-error", f"{type(exc).__name__}: {exc}"[:500]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        seconds = time.perf_counter() - started
        if self.errors.records and outcome != "unclear-error":
            outcome, message = "unclear-error", "logged an unexpected error: " + self.errors.records[0][:300]
        changed = []
        if not (entry in WRITES_WHEN_LOADED and (outcome == "loaded" or self.wrote)):
            if catalogue_digest(self.home.catalogue_path) != before_cat:
                changed.append("catalogue")
        if file_digest(self.project_path) != before_project:
            changed.append("project")
        return {"outcome": outcome, "message": message[:500], "changed": changed, "seconds": round(seconds, 4),
                "imported_librosa": not had_librosa and "librosa" in sys.modules,
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


class _FalseVerified(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise CaseTimeout()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--mem-limit-mb", type=int, default=2048)
    parser.add_argument("--case-timeout", type=float, default=20.0)
    args = parser.parse_args(argv)
    # The protocol gets its own copy of stdout; fd 1 then points at stderr so stray prints can't corrupt it.
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    set_memory_limit(args.mem_limit_mb)
    signal.signal(signal.SIGALRM, _alarm)
    worker = Worker(Path(args.home))
    proto.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        result = worker.run(Path(job["path"]), job["entry"], args.case_timeout)
        proto.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
