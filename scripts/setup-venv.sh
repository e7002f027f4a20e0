# Sourced by run.sh and test.sh: makes .venv with the project and its dev tools, once per change
# of pyproject.toml.
#
# The journal needs Python 3.12 or newer. The interpreter is the first of these that runs and is
# new enough:
#   1. $PYTHON, when set (then nothing else is tried: an older one is refused);
#   2. python3.14, python3.13, python3.12, python3 on PATH, each run to check it (a pyenv shim for
#      a version pyenv has not selected is on PATH but fails when run, and is passed over);
#   3. pyenv's installed versions, newest first: $(pyenv root)/versions/3.1[2-9]*/bin/python3,
#      and ${PYENV_ROOT:-~/.pyenv}/versions/... when pyenv itself is not on PATH.
# None found: a message saying what is needed and how to point PYTHON at it, and exit 1.
# A .venv made with an older Python (or whose Python no longer runs) is removed and made again.

_journal_python_ok() {
  "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

_journal_find_python() {
  local candidate root
  for candidate in python3.14 python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && _journal_python_ok "$candidate"; then
      command -v "$candidate"
      return 0
    fi
  done
  for root in "$(pyenv root 2>/dev/null || true)" "${PYENV_ROOT:-${HOME:-}/.pyenv}"; do
    [ -n "$root" ] && [ -d "$root/versions" ] || continue
    while IFS= read -r candidate; do
      if [ -x "$candidate" ] && _journal_python_ok "$candidate"; then
        echo "$candidate"
        return 0
      fi
    done < <(printf '%s\n' "$root"/versions/3.1[2-9]*/bin/python3 | sort -r -V)
  done
  return 1
}

_journal_version() { "$1" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || true; }

if [ -n "${PYTHON:-}" ]; then
  if ! _journal_python_ok "$PYTHON"; then
    found=$(_journal_version "$PYTHON")
    echo "PYTHON=$PYTHON is ${found:+Python }${found:-not a Python that runs}; the journal needs" \
      "Python 3.12 or newer." >&2
    echo "Point PYTHON at one (PYTHON=/path/to/python3.12 $0), or unset it to look for one." >&2
    exit 1
  fi
elif ! PYTHON=$(_journal_find_python); then
  echo "The journal needs Python 3.12 or newer, and none was found: not python3.14, python3.13," >&2
  echo "python3.12 or python3 on PATH, nor pyenv's versions (pyenv install 3.12 makes one)." >&2
  echo "Point PYTHON at one: PYTHON=/path/to/python3.12 $0" >&2
  exit 1
fi

if [ -e .venv ] && ! _journal_python_ok .venv/bin/python; then
  found=$(_journal_version .venv/bin/python)
  echo "Rebuilding .venv: its Python is ${found:-gone}, and the journal needs 3.12 or newer." >&2
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  echo "Making .venv with $PYTHON ($("$PYTHON" -V 2>&1))…" >&2
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
unset -f _journal_python_ok _journal_find_python _journal_version
