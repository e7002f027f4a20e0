"""The digest workers' processes: Ctrl-C in a terminal does not stop them (the clock's process
does), and they end with the clock's process even when it is killed outright."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from storage.database import create_engine
from storage.migrate import upgrade

ROOT = Path(__file__).parents[1]

CLOCK = """
import asyncio, datetime as dt, sys
from scheduler.workers import DigestWorkers

async def main():
    workers = DigestWorkers(sys.argv[1], 2, charts=False)
    assert await workers.run(dt.datetime.now(dt.UTC)) == []  # no school yet
    print(*workers._pool._processes, flush=True)
    await asyncio.sleep(60)

if __name__ == "__main__":  # the workers are spawned: they import this file again
    asyncio.run(main())
"""


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for a parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_workers_ignore_ctrl_c_and_end_with_the_clock_killed_outright(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite3'}"

    async def migrate() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    script = tmp_path / "clock.py"
    script.write_text(CLOCK)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    clock = subprocess.Popen(
        [sys.executable, str(script), url], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert clock.stdout is not None
        workers = [int(pid) for pid in clock.stdout.readline().split()]
        assert len(workers) == 2 and all(running(pid) for pid in workers)
        os.kill(workers[0], signal.SIGINT)  # as Ctrl-C reaches the whole process group
        time.sleep(0.5)
        assert running(workers[0])
        clock.kill()  # no chance to shut its pool down
        clock.wait()
        deadline = time.monotonic() + 15
        while any(running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if running(pid)]
    finally:
        if clock.poll() is None:
            clock.kill()
            clock.wait()
