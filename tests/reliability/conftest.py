"""Reliability figures: every test here adds to one session-wide tally, printed at the end of the run
(`pytest_terminal_summary`) and written as JSON under the pytest temp folder.

Figures: cases tried per entry point, crashes (must be 0), clear-error rate (must be 100 % of the cases
that don't load), kills survived without loss, tamper cases caught, sockets opened (must be 0).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

FIGURES_KEY = pytest.StashKey["Figures"]()
JSON_NAME = "reliability_figures.json"


@dataclass
class Figures:
    cases: dict[str, int] = field(default_factory=dict)  # entry point -> cases tried
    loaded: dict[str, int] = field(default_factory=dict)
    clear_errors: dict[str, int] = field(default_factory=dict)
    unclear: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    fuzz_examples: dict[str, int] = field(default_factory=dict)
    kills: dict[str, list[int]] = field(default_factory=dict)  # kind -> [kills, survived without loss]
    disk_full: dict[str, bool] = field(default_factory=dict)
    tamper: dict[str, bool] = field(default_factory=dict)  # case -> caught
    sockets_opened: int = 0
    notes: list[str] = field(default_factory=list)
    json_path: str | None = None

    def record_case(self, entry: str, outcome: str, name: str, changed: list[str]) -> None:
        self.cases[entry] = self.cases.get(entry, 0) + 1
        if outcome == "loaded":
            self.loaded[entry] = self.loaded.get(entry, 0) + 1
        elif outcome == "clear-error":
            self.clear_errors[entry] = self.clear_errors.get(entry, 0) + 1
        elif outcome in ("crash", "timeout"):
            self.crashes.append(f"{entry}:{name}: {outcome}")
        else:
            self.unclear.append(f"{entry}:{name}: {outcome}")
        if changed:
            self.changed.append(f"{entry}:{name}: {','.join(changed)}")

    def record_kills(self, kind: str, kills: int, survived: int) -> None:
        k = self.kills.setdefault(kind, [0, 0])
        k[0] += kills
        k[1] += survived

    @property
    def failed_cases(self) -> int:
        return sum(self.cases.values()) - sum(self.loaded.values())

    @property
    def clear_error_rate(self) -> float | None:
        failed = self.failed_cases
        return None if failed == 0 else sum(self.clear_errors.values()) / failed

    def to_json(self) -> dict[str, Any]:
        return {
            "cases_per_entry_point": dict(sorted(self.cases.items())),
            "loaded_per_entry_point": dict(sorted(self.loaded.items())),
            "clear_errors_per_entry_point": dict(sorted(self.clear_errors.items())),
            "crashes": len(self.crashes), "crash_cases": self.crashes,
            "unclear_errors": self.unclear,
            "clear_error_rate": self.clear_error_rate,
            "state_changed_by_failed_cases": self.changed,
            "fuzz_examples": self.fuzz_examples,
            "kills": {k: {"kills": v[0], "survived_without_loss": v[1]} for k, v in sorted(self.kills.items())},
            "disk_full_kept_old_file": self.disk_full,
            "tamper_cases": len(self.tamper), "tamper_caught": sum(self.tamper.values()),
            "tamper_missed": sorted(k for k, v in self.tamper.items() if not v),
            "sockets_opened": self.sockets_opened,
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        out = []
        if self.cases:
            per = ", ".join(f"{k} {v}" for k, v in sorted(self.cases.items()))
            out.append(f"bad-input corpus: {sum(self.cases.values())} runs ({per})")
            rate = self.clear_error_rate
            out.append(f"  loaded {sum(self.loaded.values())}, failed {self.failed_cases}; clear-error rate "
                       f"{'n/a' if rate is None else f'{rate:.1%}'}; crashes/hangs {len(self.crashes)}; "
                       f"unclear {len(self.unclear)}; state changed by a failed case {len(self.changed)}")
        if self.fuzz_examples:
            out.append("fuzzing: " + ", ".join(f"{k} {v} examples" for k, v in sorted(self.fuzz_examples.items())))
        if self.kills:
            out.append("SIGKILL: " + ", ".join(f"{k} {v[1]}/{v[0]} survived without loss"
                                               for k, v in sorted(self.kills.items())))
        if self.disk_full:
            out.append("disk full: " + ", ".join(f"{k} {'old file kept' if v else 'LOST'}"
                                                 for k, v in sorted(self.disk_full.items())))
        if self.tamper:
            out.append(f"tampering: {sum(self.tamper.values())}/{len(self.tamper)} cases caught")
        out.append(f"sockets opened: {self.sockets_opened}")
        out += [f"note: {n}" for n in self.notes]
        if self.json_path:
            out.append(f"figures JSON: {self.json_path}")
        return out


@pytest.fixture(scope="session")
def figures(request, tmp_path_factory) -> Figures:
    import socket
    import sys

    figs = request.config.stash.setdefault(FIGURES_KEY, Figures())

    def count_sockets(event: str, args: tuple) -> None:
        # pytest-socket refuses INET sockets before they exist; anything counted here really was created.
        if event == "socket.__new__" and len(args) > 1 and args[1] in (socket.AF_INET, socket.AF_INET6):
            figs.sockets_opened += 1

    sys.addaudithook(count_sockets)  # audit hooks last for the process: it counts from here to the end
    yield figs
    path = tmp_path_factory.getbasetemp() / JSON_NAME
    path.write_text(json.dumps(figs.to_json(), indent=2) + "\n", encoding="utf-8")
    figs.json_path = str(path)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    figs = config.stash.get(FIGURES_KEY, None)
    if figs is None:
        return
    terminalreporter.section("Accord reliability figures")
    for line in figs.lines():
        terminalreporter.write_line(line)
