#!/usr/bin/env bash
# Set up a virtualenv and run the main job on the embedded SQLite database (no token needed).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
log="$(mktemp)"
# pip is chatty on stderr even with -q; show its output only when it fails.
.venv/bin/python -m pip install -q --disable-pip-version-check -e . >"$log" 2>&1 || { cat "$log"; exit 1; }
.venv/bin/briefbot demo "$@"
