#!/usr/bin/env bash
# Install test dependencies, then run the whole test suite (offscreen Qt, no network, no sound card needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
export QT_QPA_PLATFORM=offscreen
# Two workers (pytest-xdist): the suite is mostly subprocesses, file I/O and Qt waits, and CI has two cores;
# 1,400 tests take ~8 min in one process. ACCORD_TEST_WORKERS=0 runs them in this process (a debugger, -x).
exec .venv/bin/python -m pytest -n "${ACCORD_TEST_WORKERS:-2}" "$@"
