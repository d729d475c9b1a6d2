#!/usr/bin/env bash
# Runs the Python binding's pytest suite (installed in build/venv by setup.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT/bindings/python"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests
