"""Run Accord's benchmarks: one command, prints a table, writes JSON.

    python benchmarks/run.py [AREA...] [--quick] [--json PATH]

Each `benchmarks/bench_<area>.py` exposes `run(quick: bool) -> list[dict]`; a row has
`metric`, `value`, `unit`, and optionally `target` (text such as "<= 0.05") and `ok` (bool), `note`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _areas() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def _load(area: str):
    spec = importlib.util.spec_from_file_location(f"bench_{area}", HERE / f"bench_{area}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("areas", nargs="*", help=f"areas to run (default: all of {', '.join(_areas())})")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--json", default=str(HERE / "results" / "latest.json"), help="where to write JSON")
    args = parser.parse_args(argv)
    areas = args.areas or _areas()
    results = []
    for area in areas:
        t0 = time.perf_counter()
        rows = _load(area).run(args.quick)
        for row in rows:
            row.setdefault("area", area)
        results += rows
        print(f"# {area}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    width = max((len(r["metric"]) for r in results), default=10)
    print(f"{'area':<10} {'metric':<{width}} {'value':>12} {'unit':<8} {'target':<12} ok")
    for r in results:
        value = r["value"]
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        ok = {True: "yes", False: "NO", None: ""}[r.get("ok")]
        print(f"{r['area']:<10} {r['metric']:<{width}} {shown:>12} {r.get('unit', ''):<8} "
              f"{r.get('target', ''):<12} {ok}")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(),
                               "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "results": results}, indent=2))
    print(f"wrote {out}", file=sys.stderr)
    return 0 if all(r.get("ok") is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
