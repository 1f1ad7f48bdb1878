#!/usr/bin/env bash
# Install Accord into ./.venv: system libraries where missing (Debian/Ubuntu), then pip packages.
#   scripts/install.sh          runtime (the studio and the CLI)
#   scripts/install.sh test     runtime + test dependencies
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-run}"

# System libraries: PortAudio (playback) and what Qt needs to draw, offscreen and in a real X11 window.
apt_packages=(libportaudio2 libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libglib2.0-0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-randr0 libxcb-xkb1 libx11-xcb1)
# libjack (JACK-Client, python-rtmidi's JACK API); the tests start jackd2's dummy server, and unshare/ip
# (util-linux, iproute2) give the Link test its private network namespace.
apt_packages+=(libjack-jackd2-0)
if [ "$what" = test ]; then apt_packages+=(xvfb xauth timgm6mb-soundfont jackd2 iproute2 util-linux); fi
if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system libraries: ${missing[*]}"
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      || echo "Warning: could not install ${missing[*]}; playback or the window may be unavailable." >&2
  fi
fi

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Accord needs Python 3.11 or newer (found: $("$python" --version 2>&1))." >&2
  exit 2
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.accord-installed-$what"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if [ "$what" = test ]; then
    .venv/bin/python -m pip install -q -e ".[test]"
  else
    .venv/bin/python -m pip install -q -e ".[musicxml,live]"
  fi
  .venv/bin/python -m pip install -q --no-deps tinysoundfont  # SoundFont synth; its pyaudio dep is only for live play
  .venv/bin/python -m pip install -q --no-deps "basic-pitch==0.4.0"  # only its ONNX model is used (via onnxruntime)
  # Compile the melody model's kernels now (numba caches them on disk), not at the first suggestion.
  .venv/bin/python -m app.core.model.generation.warmup || echo "Warning: could not pre-compile the model's kernels." >&2
  # The same for the analysis's librosa kernels, in this one process: two processes compiling them at once in a
  # fresh environment can crash one of them (numba's gufunc cache race; see app/core/analysis/warmup.py).
  .venv/bin/python -m app.core.analysis.warmup || echo "Warning: could not pre-compile the analysis's kernels." >&2
  touch "$stamp"
fi
