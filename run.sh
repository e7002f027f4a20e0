#!/usr/bin/env bash
# Runs the bot on SQLite (journal.sqlite3 here) unless JOURNAL_DATABASE_URL says otherwise.
# Sets itself up on a fresh machine: virtual environment, packages, database migrations.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-venv.sh
.venv/bin/journal db upgrade
exec .venv/bin/journal bot run "$@"
