#!/usr/bin/env bash
# Build Accord's one-folder bundle with PyInstaller: dist/accord/accord (+ dist/accord/_internal/).
#   packaging/build.sh                 uses .venv/bin/python (or $PYTHON)
#   DIST=/tmp/x packaging/build.sh     writes the bundle somewhere else
# Start it with `dist/accord/accord --version`, `dist/accord/accord verify FILE`, `dist/accord/accord gui`.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
dist="${DIST:-dist}"
work="${WORK:-build/pyinstaller}"
if ! "$python" -c 'import PyInstaller' 2>/dev/null; then
  echo "PyInstaller is missing: $python -m pip install pyinstaller" >&2
  exit 2
fi
"$python" -m PyInstaller --noconfirm --clean --log-level "${LOG_LEVEL:-WARN}" \
  --distpath "$dist" --workpath "$work" packaging/accord.spec
echo "built $dist/accord ($(du -sh "$dist/accord" | cut -f1))"
