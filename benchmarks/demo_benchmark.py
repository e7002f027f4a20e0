"""How long `journal demo` takes from the command to its «ready» line, as a person starts it.

Why: the sandbox is the first thing a new user runs, and its goal is to be ready in under 5
seconds. Each run starts the real command in a fresh folder, waits for «… is ready in … s»,
checks the page answers, stops it with Ctrl-C (SIGINT) and checks it exits cleanly.

Run:  .venv/bin/python benchmarks/demo_benchmark.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

GOAL = 5.0  # seconds to the ready line


def journal_command() -> list[str]:
    script = Path(sys.executable).with_name("journal")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


async def one_start(folder: Path) -> tuple[float, float]:
    """Seconds to the ready line, and what the demo itself says it took."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNAL_")}
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *journal_command(), "--lang", "en", "demo", "--port", "0",
        cwd=folder, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    text = ""
    ready = 0.0
    while "Ctrl-C" not in text:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
        if not line:
            raise RuntimeError("the demo exited before it was ready:\n" + text)
        text += line.decode()
        if "is ready in" in line.decode() and not ready:
            ready = time.perf_counter() - started
    said = re.search(r"ready in ([\d.]+) s", text)
    process.send_signal(signal.SIGINT)
    rest = (await asyncio.wait_for(process.stdout.read(), timeout=30)).decode()
    if await process.wait() != 0 or "The demo has stopped." not in rest:
        raise RuntimeError("the demo did not stop cleanly:\n" + rest)
    return ready, float(said.group(1)) if said else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    measured = []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            ready, said = asyncio.run(one_start(Path(folder)))
        measured.append(ready)
        print(f"run {n + 1}: ready line after {ready:.2f} s (the demo says {said:.2f} s)")
    best, median = min(measured), statistics.median(measured)
    print(
        f"best {best:.2f} s, median {median:.2f} s, worst {max(measured):.2f} s; "
        f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    ok = median < GOAL
    print(f"median under {GOAL:.0f} s: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
