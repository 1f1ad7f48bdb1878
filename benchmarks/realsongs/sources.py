"""Where the real-song material comes from: Debian packages, found installed or fetched into the cache.

`openttd-openmsx` (MIDI songs written for OpenTTD, GPL-2) and `mma` (Musical MIDI Accompaniment: a program
and a groove library, GPL-2) are used as data and as an external program, never copied into the repo. The
lookup order is: an extracted tree named by ACCORD_REALDATA, the installed system paths, an extract in the
cache; failing those, `apt-get download` + `dpkg -x` into the cache. When none works, the source is skipped
with a note (no network, no apt).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

OPENMSX_DIR = "usr/share/games/openttd/baseset/openmsx"
MMA_SHARE = "usr/share/mma"
MMA_BIN = "usr/bin/mma"
PACKAGES = {"openmsx": "openttd-openmsx", "mma": "mma"}
SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "accord-bench" / "realsongs"


def _roots(cache: Path) -> list[Path]:
    roots = []
    if env := os.environ.get("ACCORD_REALDATA"):
        roots.append(Path(env))
    roots += [Path("/work/realdata/x"), Path("/"), cache / "debs" / "x"]
    return roots


def _fetch(package: str, cache: Path) -> Path | None:
    """apt-get download + dpkg -x into the cache; None (with a log line) when that is not possible."""
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        log.warning("cannot fetch %s: apt-get/dpkg not available", package)
        return None
    try:
        have = list(debs.glob(f"{package}_*.deb"))
        if not have:
            subprocess.run(["apt-get", "download", package], cwd=debs, check=True, capture_output=True, timeout=300)
            have = list(debs.glob(f"{package}_*.deb"))
        if not have:
            return None
        subprocess.run(["dpkg", "-x", str(have[0]), str(debs / "x")], check=True, capture_output=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as exc:
        log.warning("cannot fetch %s: %s", package, exc)
        return None
    return debs / "x"


def find_tree(source: str, cache: Path) -> Path | None:
    """The root of an extracted (or installed) tree holding the source's files, fetching it if needed."""
    probe = OPENMSX_DIR if source == "openmsx" else MMA_SHARE
    for root in _roots(cache):
        if (root / probe).is_dir() and (source != "mma" or (root / MMA_BIN).is_file()):
            return root
    root = _fetch(PACKAGES[source], cache)
    return root if root is not None and (root / probe).is_dir() else None


def mma_home(root: Path, cache: Path) -> Path:
    """A writable copy of MMA's library with its groove database built once (`mma -G` writes into it)."""
    home = cache / "mma-home"
    if not (home / "lib" / "stdlib" / ".mmaDB").exists():
        if home.exists():
            shutil.rmtree(home)
        shutil.copytree(root / MMA_SHARE, home)
        subprocess.run([sys.executable, str(root / MMA_BIN), "-G"], env={**os.environ, "MMA_HOME": str(home)},
                       check=True, capture_output=True, timeout=600)
    return home


def run_mma(root: Path, home: Path, chart: Path, out_mid: Path) -> None:
    # MMA is run as a program (python3 script from the package), never imported
    python = shutil.which("python3") or sys.executable
    proc = subprocess.run([python, str(root / MMA_BIN), str(chart), "-f", str(out_mid)],
                          env={**os.environ, "MMA_HOME": str(home)}, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 or not out_mid.exists():
        raise RuntimeError(f"mma failed on {chart.name}: {proc.stdout[-400:]} {proc.stderr[-400:]}")
