#!/usr/bin/env bash
# Runs the linter, the type checker and every test, on SQLite and PostgreSQL (127.0.0.1:5432, user postgres).
# Sets itself up on a fresh machine: virtual environment and packages. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-venv.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/pytest -q "$@"
