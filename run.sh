#!/usr/bin/env bash
# Runs the journal on SQLite (journal.sqlite3 here) unless JOURNAL_DATABASE_URL says otherwise.
# With JOURNAL_BOT_TOKEN set it runs the real bot (with its clock and sender); without one it
# starts the sandbox (`journal demo`): the bot, a local fake Telegram and a page on 127.0.0.1.
# Sets itself up on a fresh machine: virtual environment, packages, database migrations.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-venv.sh
if [ -z "${JOURNAL_BOT_TOKEN:-}" ] && ! grep -qs '^JOURNAL_BOT_TOKEN=.' .env; then
  echo "No JOURNAL_BOT_TOKEN: starting the sandbox instead (journal demo). Ctrl-C stops it." >&2
  exec .venv/bin/journal demo "$@"
fi
.venv/bin/journal db upgrade
exec .venv/bin/journal bot run "$@"
