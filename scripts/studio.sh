#!/usr/bin/env bash
# Install what is missing, then open the studio on the bundled demo project.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh run
exec .venv/bin/accord gui --demo "$@"
