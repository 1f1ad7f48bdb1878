#!/usr/bin/env bash
# Refresh the documentation's screenshots (docs/images/*.png): the studio on the demo project, under Xvfb.
#   scripts/screenshots.sh              writes docs/images/
#   scripts/screenshots.sh -o DIR       writes somewhere else
#   scripts/screenshots.sh -o DIR --size 1366x768   a laptop's screen (the virtual screen gets that size too)
# Needs Xvfb (Debian: xvfb) and, for small palette PNGs, ImageMagick's `convert`; without Xvfb it falls back
# to Qt's offscreen platform (same pictures, no window system fonts/hinting).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
screen=1600x1000
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--size" ] && [ $((i + 1)) -lt ${#args[@]} ]; then screen="${args[$((i + 1))]}"; fi
done
if command -v xvfb-run >/dev/null 2>&1; then
  exec xvfb-run -a -s "-screen 0 ${screen}x24" env QT_QPA_PLATFORM=xcb "$python" scripts/screenshots.py "$@"
fi
echo "screenshots: Xvfb not found; using Qt's offscreen platform" >&2
QT_QPA_PLATFORM=offscreen exec "$python" scripts/screenshots.py "$@"
