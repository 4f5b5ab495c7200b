#!/usr/bin/env bash
# Set up a virtualenv with the test extras, lint, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
log="$(mktemp)"
# pip is chatty on stderr even with -q; show its output only when it fails.
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' >"$log" 2>&1 || { cat "$log"; exit 1; }
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
