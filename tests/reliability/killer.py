"""Crash-safety driver: fork a writer, SIGKILL it at a random moment, check what is on disk; repeat.

Run as `python -m tests.reliability.killer --kind KIND --kills N --dir DIR [--seed S]` (KIND: project,
export, model, catalogue; or `--disk-full KIND`). This process imports everything once, then forks a writer
per kill (so a kill costs milliseconds, not an interpreter start); the writer rewrites the same file with
version 1, 2, 3... and prints the version it finished ("ack") only after the save returned. After the
kill, the file must be a complete old or new version: it parses with Accord's own reader and its content is
exactly version `acked` or `acked + 1`. The catalogue must pass `PRAGMA integrity_check`, hold every
acknowledged commit, and its consent ledger must audit clean. One JSON line per kill goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.reliability.builders import catalogue_with_works, melody_for

RATE = 48000


class Kind:
    """One kind of write: `prepare` writes version 0, `write(n)` writes version n, `check(acked)` inspects."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def prepare(self) -> None: ...

    def write(self, n: int) -> None: ...

    def check(self, acked: int) -> tuple[bool, str]: ...

    def bigger_write(self) -> Callable[[], None]: ...

    def intact_after_failed_write(self) -> tuple[bool, str]: ...


class ProjectKind(Kind):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.path = folder / "song.accord"

    def project(self, n: int, pad: int = 400_000):
        from app.core.project.model import Project

        # A big payload makes the write take long enough for kills to land in the middle of it.
        return Project(name=f"v{n}", extras={"reliability": {"version": n, "pad": f"{n:08d}" * (pad // 8)}})

    def prepare(self) -> None:
        from app.core.project.store import save_project

        save_project(self.project(0), self.path)

    def write(self, n: int) -> None:
        from app.core.project.store import save_project

        save_project(self.project(n), self.path)

    def check(self, acked: int) -> tuple[bool, str]:
        from app.core.project.store import load_project

        p = load_project(self.path)
        k = int(p.name[1:])
        extras = p.extras["reliability"]
        complete = extras["version"] == k and extras["pad"] == f"{k:08d}" * (400_000 // 8)
        return complete and k in (acked, acked + 1), f"found v{k}, acked v{acked}"

    def bigger_write(self) -> Callable[[], None]:
        from app.core.project.store import save_project

        return lambda: save_project(self.project(99, pad=4_000_000), self.path)

    def intact_after_failed_write(self) -> tuple[bool, str]:
        from app.core.project.store import load_project

        p = load_project(self.path)
        return p.name == "v0", f"found {p.name}"


class ExportKind(Kind):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        from app.core.provenance.identity import create_identity

        self.identity = create_identity(folder / "keys", "Kill Test")
        self.path = folder / "mix.wav"

    def samples(self, n: int, seconds: float = 3.0) -> np.ndarray:
        t = np.arange(int(RATE * seconds)) / RATE
        tone = 0.2 * np.sin(2 * np.pi * (200 + n) * t)
        return np.stack([tone, tone]).astype(np.float32)

    def fields(self, n: int):
        import dataclasses

        from tests.helpers.provenance import mix_fields

        return dataclasses.replace(mix_fields(), title=f"v{n}")

    def prepare(self) -> None:
        self.write(0)

    def write(self, n: int, seconds: float = 3.0) -> None:
        from app.core.project.export.files import export_audio
        from tests.helpers.provenance import consented_catalogue

        cat = consented_catalogue(self.path.parent / "consent-catalogue.sqlite")
        try:
            export_audio(self.samples(n, seconds), RATE, self.path, self.fields(n), identity=self.identity,
                         format="wav24", catalogue=cat)
        finally:
            cat.close()

    def check(self, acked: int) -> tuple[bool, str]:
        from app.core.provenance.identity import TrustList
        from app.core.provenance.verify import VERIFIED, verify_file

        result = verify_file(self.path, TrustList.of(self.identity.public))
        title = (result.record or {}).get("title", "?")
        k = int(title[1:]) if title.startswith("v") else -1
        return result.status == VERIFIED and k in (acked, acked + 1), f"{result.status}, found {title}, acked v{acked}"

    def bigger_write(self) -> Callable[[], None]:
        return lambda: self.write(99, seconds=10.0)

    def intact_after_failed_write(self) -> tuple[bool, str]:
        ok, detail = self.check(0)
        return ok, detail


class ModelKind(Kind):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        from app.core.catalogue.store import Catalogue
        from app.core.model import train

        self.path = folder / "current.accordmodel"
        cat = folder / "catalogue.sqlite"
        catalogue_with_works(cat, 40)
        with Catalogue.open(cat) as c:
            works = c.usable_works()
        # Version n holds the first n % 5 + 8... works: each version has its own fingerprint.
        self.models = [train(works[: 20 + 5 * v]) for v in range(5)]
        self.fingerprints = [m.fingerprint for m in self.models]
        assert len(set(self.fingerprints)) == len(self.fingerprints)

    def prepare(self) -> None:
        self.write(0)

    def write(self, n: int) -> None:
        from app.core.model import save_model

        save_model(self.models[n % len(self.models)], self.path)

    def check(self, acked: int) -> tuple[bool, str]:
        from app.core.model import load_model

        fp = load_model(self.path).fingerprint
        allowed = {self.fingerprints[acked % 5], self.fingerprints[(acked + 1) % 5]}
        return fp in allowed, f"fingerprint is version {self.fingerprints.index(fp)}; acked v{acked}"

    def bigger_write(self) -> Callable[[], None]:
        from app.core.catalogue.store import Catalogue
        from app.core.model import save_model, train

        with Catalogue.open(self.folder / "catalogue.sqlite") as c:
            big = train(c.usable_works())
        return lambda: save_model(big, self.path)

    def intact_after_failed_write(self) -> tuple[bool, str]:
        return self.check(0)


class CatalogueKind(Kind):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.path = folder / "catalogue.sqlite"
        self.acked_ids: list[int] = []

    def prepare(self) -> None:
        catalogue_with_works(self.path, 2)

    def write(self, n: int) -> None:  # the writer keeps one connection and commits many times
        raise NotImplementedError

    def writer_loop(self, out: Any) -> None:
        from app.core.catalogue.store import Catalogue

        with Catalogue.open(self.path) as cat:
            out.write("started\n")
            out.flush()
            n = 0
            while True:
                n += 1
                wid = cat.add_work(melody_for(n, 200), title=f"k{n}", sha256=os.urandom(32).hex())
                cat.record_consent(wid, "grant")
                out.write(f"ack {wid}\n")  # acknowledged: both commits returned
                out.flush()

    def check_ids(self, acked_ids: list[int]) -> tuple[bool, str]:
        from app.core.catalogue.store import Catalogue

        with Catalogue.open(self.path) as cat:
            integrity = cat._query("PRAGMA integrity_check")[0][0]
            present = {w.id for w in cat.works()}
            missing = sorted(set(acked_ids) - present)
            audit = cat.audit()
            granted = all(cat.work_state(w).usable for w in acked_ids[-3:]) if acked_ids else True
        ok = integrity == "ok" and not missing and audit.ok and granted
        return ok, f"integrity {integrity}, {len(acked_ids)} acked, missing {missing[:5]}, audit ok {audit.ok}"

    def bigger_write(self) -> Callable[[], None]:
        from app.core.catalogue.store import Catalogue

        cat = Catalogue.open(self.path)

        def go() -> None:
            with cat:
                cat.add_work(melody_for(7, 5000), title="too big for the disk", sha256="f" * 64)
        return go

    def intact_after_failed_write(self) -> tuple[bool, str]:
        from app.core.catalogue.store import Catalogue

        with Catalogue.open(self.path) as cat:
            integrity = cat._query("PRAGMA integrity_check")[0][0]
            titles = [w.title for w in cat.works()]
        return integrity == "ok" and "too big for the disk" not in titles and len(titles) == 2, \
            f"integrity {integrity}, {len(titles)} works"


class RecoveryKind(ProjectKind):
    """The studio's autosave: a recovery copy plus its sidecar, rewritten while the user works."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.recovery = folder / "recovery"
        self.recovery.mkdir(exist_ok=True)
        self.path = self.recovery / "session.accord"
        self.meta = self.recovery / "session.json"

    def prepare(self) -> None:
        self.write(0)

    def write(self, n: int) -> None:
        from app.core.project.recovery import write_copy

        write_copy(self.project(n, pad=100_000), self.path, self.meta)

    def check(self, acked: int) -> tuple[bool, str]:
        from app.core.project.recovery import find_recoverable, recovered_project

        items = find_recoverable(self.recovery)  # the writer is dead: its copy is offered
        if len(items) != 1:
            return False, f"{len(items)} copies offered"
        p = recovered_project(items[0])
        k = int(p.extras["reliability"]["version"])
        complete = p.extras["reliability"]["pad"] == f"{k:08d}" * (100_000 // 8)
        # The sidecar may lag the copy by one write (killed between the two): the copy is what counts.
        return complete and k in (acked, acked + 1), f"copy v{k}, acked v{acked}"

    def bigger_write(self) -> Callable[[], None]:
        from app.core.project.recovery import write_copy

        return lambda: write_copy(self.project(99, pad=4_000_000), self.path, self.meta)

    def intact_after_failed_write(self) -> tuple[bool, str]:
        return self.check(0)


KINDS = {"project": ProjectKind, "export": ExportKind, "model": ModelKind, "catalogue": CatalogueKind,
         "recovery": RecoveryKind}


def _writer(kind: Kind, wfd: int) -> None:
    out = os.fdopen(wfd, "w", buffering=1)
    if isinstance(kind, CatalogueKind):
        kind.writer_loop(out)
        return
    out.write("started\n")
    out.flush()
    n = 0
    while True:
        n += 1
        kind.write(n)
        out.write(f"ack {n}\n")
        out.flush()


def _fork_writer(kind: Kind) -> tuple[int, int]:
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the writer: never returns
        os.close(rfd)
        try:
            _writer(kind, wfd)
        finally:
            os._exit(1)
    os.close(wfd)
    return pid, rfd


def _read_lines(rfd: int) -> list[str]:
    chunks = []
    while True:
        b = os.read(rfd, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(rfd)
    return b"".join(chunks).decode().splitlines()


def _wait_started(rfd: int, timeout: float = 20.0) -> bytes:
    import select

    buf = b""
    deadline = time.monotonic() + timeout
    while b"started\n" not in buf and time.monotonic() < deadline:
        ready, _, _ = select.select([rfd], [], [], 0.05)
        if ready:
            chunk = os.read(rfd, 4096)
            if not chunk:
                break
            buf += chunk
    return buf


def kill_loop(kind_name: str, kills: int, folder: Path, seed: int) -> list[dict[str, Any]]:
    from app.core.fsutil import TEMP_PREFIX

    rng = random.Random(seed)
    kind = KINDS[kind_name](folder)
    kind.prepare()
    # Calibrate: how long one write takes here, so the kill moments spread over a few writes.
    started = time.perf_counter()
    if isinstance(kind, CatalogueKind):  # one acknowledged cycle: two commits, each re-signing the head file
        from app.core.catalogue.store import Catalogue

        with Catalogue.open(kind.path) as cat:
            started = time.perf_counter()
            cat.record_consent(1, "grant")
            cycle = max(0.02, 2 * (time.perf_counter() - started))
    else:
        kind.write(0)
        cycle = time.perf_counter() - started
    results = []
    acked_total: list[int] = []
    for i in range(kills):
        pid, rfd = _fork_writer(kind)
        head = _wait_started(rfd)
        time.sleep(rng.uniform(0, 3 * cycle))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        lines = (head.decode() + "\n".join(_read_lines(rfd))).splitlines()
        acks = [int(x.split()[1]) for x in lines if x.startswith("ack ")]
        try:
            if isinstance(kind, CatalogueKind):
                acked_total += acks
                ok, detail = kind.check_ids(acked_total)
            else:
                last = acks[-1] if acks else 0
                ok, detail = kind.check(last)
                if ok:
                    kind.write(0)  # back to version 0 for the next round (acked numbering restarts)
        except Exception as exc:  # noqa: BLE001 — a file that doesn't parse is exactly a loss
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        temps = len(list(folder.rglob(TEMP_PREFIX + "*")))
        results.append({"kind": kind_name, "kill": i, "acks": len(acks), "ok": ok, "detail": detail,
                        "temps_left": temps})
    return results


def disk_full(kind_name: str, folder: Path) -> dict[str, Any]:
    """A write that needs more space than the disk allows (RLIMIT_FSIZE in a forked child): clear error,
    old file kept."""
    opening = kind_name == "catalogue-open"  # starting Accord on a full disk: open must not blame the file
    kind = KINDS["catalogue" if opening else kind_name](folder)
    kind.prepare()
    target = kind.path
    # Any byte past the old file's size fails (the new versions are bigger); the catalogue's WAL starts empty.
    limit = 4096 if isinstance(kind, CatalogueKind) else target.stat().st_size
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        out = os.fdopen(wfd, "w")
        try:
            if opening:
                from app.core.catalogue.store import Catalogue

                def attempt() -> None:
                    Catalogue.open(target).close()
            else:
                attempt = kind.bigger_write()  # opens what must already be open (the catalogue connection)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG, as on a full disk
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            try:
                attempt()
                out.write(json.dumps({"raised": None}))
            except BaseException as exc:  # noqa: BLE001
                from app.core.errors import AccordError

                out.write(json.dumps({"raised": type(exc).__name__, "accord": isinstance(exc, AccordError),
                                      "message": str(exc)[:300]}))
            out.flush()
        finally:
            os._exit(0)
    os.close(wfd)
    os.waitpid(pid, 0)
    answer = json.loads("".join(_read_lines(rfd)) or "{}")
    intact, detail = kind.intact_after_failed_write()
    named = bool(answer.get("accord")) and target.name in answer.get("message", "") and \
        "not an SQLite database" not in answer.get("message", "")
    return {"kind": kind_name, "error": answer, "clear_error": named, "old_file_kept": intact, "detail": detail}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=sorted(KINDS))
    parser.add_argument("--disk-full", choices=sorted(KINDS) + ["catalogue-open"])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    if args.disk_full:
        print(json.dumps(disk_full(args.disk_full, folder)), flush=True)
        return 0
    for row in kill_loop(args.kind, args.kills, folder, args.seed):
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
