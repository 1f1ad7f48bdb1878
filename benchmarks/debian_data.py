"""Real material from Debian packages, for benchmarks: `apt-get download` + `dpkg -x` into a cache outside the
repository (default ~/.cache/accord-bench/debian), once. Nothing is committed; a package that cannot be had
gives None and the benchmark skips its rows with a note."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CACHE = Path(os.environ.get("ACCORD_BENCH_CACHE", Path.home() / ".cache" / "accord-bench")) / "debian"


def package_root(name: str, *, cache: Path = CACHE) -> Path | None:
    """The folder the package's files were extracted to (its usr/ inside), or None when unavailable."""
    root = cache / name
    if (root / ".complete").exists():
        return root
    if not shutil.which("apt-get") or not shutil.which("dpkg"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        got = subprocess.run(["apt-get", "download", name], cwd=tmp, capture_output=True, text=True)
        debs = list(Path(tmp).glob("*.deb"))
        if got.returncode != 0 or not debs:
            return None
        root.mkdir(parents=True, exist_ok=True)
        if subprocess.run(["dpkg", "-x", str(debs[0]), str(root)], capture_output=True).returncode != 0:
            return None
    (root / ".complete").write_text(name)
    return root


def midi_files(name: str) -> list[Path]:
    """The package's .mid files, sorted; [] when the package cannot be had."""
    root = package_root(name)
    return [] if root is None else sorted(p for p in root.rglob("*.mid") if p.is_file())
