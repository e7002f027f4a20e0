# Sourced by run.sh and test.sh: makes .venv with the project and its dev tools, once per change
# of pyproject.toml.
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON="$candidate"; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo "Installing the project into .venv (once per change of pyproject.toml)…" >&2
  log=.venv/install.log
  if ! { .venv/bin/python -m pip install --upgrade pip &&
         .venv/bin/python -m pip install -e ".[dev]"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "Installing the packages failed; the full log is in $log." >&2
    exit 1
  fi
  touch .venv/.installed
fi
