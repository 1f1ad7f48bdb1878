#!/usr/bin/env bash
# Install test dependencies, then run the whole test suite (offscreen Qt, no network, no sound card needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
