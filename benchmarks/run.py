"""Run Accord's benchmarks: one command, prints a table, writes JSON.

    python benchmarks/run.py [AREA...] [--quick] [--json PATH]

Each `benchmarks/bench_<area>.py` exposes `run(quick: bool) -> list[dict]`; a row has
`metric`, `value`, `unit`, and optionally `target` (text such as "<= 0.05") and `ok` (bool), `note`.

Each area's rows are printed as soon as the area finishes, and the JSON is rewritten after every area, so a
later failure never loses the table. An area that fails on a missing optional dependency (ImportError) is
skipped with a note row; any other failure becomes an error row (ok = NO) and the run goes on.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
import traceback
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


def _run_area(area: str, quick: bool) -> list[dict]:
    """The area's rows; a missing optional dependency gives a skip row, any other failure an error row."""
    try:
        rows = list(_load(area).run(quick))
    except ImportError as exc:  # an optional backend (e.g. c2pa-python) is not installed here
        rows = [{"metric": "(area skipped)", "value": "-", "unit": "", "ok": None,
                 "note": f"optional dependency missing: {exc}"}]
    except Exception as exc:  # noqa: BLE001 - one area's failure must not lose the others' table
        traceback.print_exc(file=sys.stderr)
        rows = [{"metric": "(area failed)", "value": "-", "unit": "", "ok": False,
                 "note": f"{type(exc).__name__}: {exc}"}]
    for row in rows:
        row.setdefault("area", area)
    return rows


def _print_rows(rows: list[dict], width: int) -> None:
    for r in rows:
        value = r["value"]
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        ok = {True: "yes", False: "NO", None: ""}[r.get("ok")]
        note = f"  {r['note']}" if r.get("note") and r.get("metric", "").startswith("(") else ""
        print(f"{r['area']:<10} {r['metric']:<{width}} {shown:>12} {r.get('unit', ''):<8} "
              f"{r.get('target', ''):<12} {ok}{note}", flush=True)


def _write_json(out: Path, results: list[dict]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(),
                               "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "results": results}, indent=2))
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("areas", nargs="*", help=f"areas to run (default: all of {', '.join(_areas())})")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--json", default=str(HERE / "results" / "latest.json"), help="where to write JSON")
    args = parser.parse_args(argv)
    areas = args.areas or _areas()
    out = Path(args.json)
    width = 48
    print(f"{'area':<10} {'metric':<{width}} {'value':>12} {'unit':<8} {'target':<12} ok", flush=True)
    results: list[dict] = []
    for area in areas:
        t0 = time.perf_counter()
        rows = _run_area(area, args.quick)
        results += rows
        _print_rows(rows, width)  # as the area finishes: a later area's failure never loses these
        _write_json(out, results)
        print(f"# {area}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    print(f"wrote {out}", file=sys.stderr)
    return 0 if all(r.get("ok") is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
