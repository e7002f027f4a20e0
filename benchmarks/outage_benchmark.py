"""What a PostgreSQL outage in the middle of a batch costs: messages doubled, log written.

Why: issue 15 (item 11) found that stopping PostgreSQL for 30 s while the sender worked
through 400 messages sent 156–161 of them twice, and (item 12) that the outage wrote a
traceback every 50 ms. This script runs that scenario at full size and prints what happened:

- a private PostgreSQL cluster (`tests.faults.PrivateCluster`: initdb in a temporary folder, a
  free port; never the shared server on 5432), migrated, with one school, 400 accounts (one
  chat each) and one due message for each;
- `python -m app.cli bot run --only sender`, the production process (its leadership, the
  `Sender` with `TelegramGateway` through aiogram's HTTP session), with the production defaults
  (25 messages a second, a 60 s lease, batches of 200) unless `--rate` / `--lease` say otherwise,
  sending to `fakegram.FakeTelegram` in this process (Telegram's flood limits on);
- at the `--stop-at`-th send (240: 40 sends into the second claimed batch of 200, where the
  code before the fix doubled 161 messages, the issue's figure) the cluster is stopped with
  `pg_ctl -m immediate` (every connection cut, as in a crash) for `--outage` seconds (30),
  then started again; the script waits until every row is `sent` (on a sender
  that lost what it had not recorded, that happens only after the lease has run out and those
  messages went again), two seconds more, and stops the process with SIGINT.

Printed: sends Telegram answered «ok», messages the fake Telegram's chats received, how many of
them were duplicates, sends made while the database was down, outcomes the sender says it
recorded late, and the log lines (and bytes) written while the database was down.

Run:  .venv/bin/python benchmarks/outage_benchmark.py [--messages 400] [--outage 30]
      [--stop-at 240] [--rate 25] [--lease 60] [--log sender.log]

Needs PostgreSQL's initdb and pg_ctl (as root it runs the cluster as `postgres`). The exit
status is 1 when a message was received twice.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakegram import FakeTelegram
from storage.database import create_engine
from storage.migrate import upgrade
from tests.faults import PrivateCluster
from tests.outbox_data import fill_outbox, outbox_counts

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "777005:outage-benchmark-token"
FIRST_CHAT = 81_000_001
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


def lines_between(log: str, since: float, until: float) -> list[str]:
    """Log lines stamped within [since, until] (wall clock), with their continuation lines."""
    found, inside = [], False
    for line in log.splitlines():
        stamp = LOG_TIME.match(line)
        if stamp:
            moment = dt.datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            inside = since <= moment <= until
        if inside:
            found.append(line)
    return found


class Sends:
    """A fake-server listener: counts sends; `reached` is set at the N-th."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.count = 0
        self.reached = asyncio.Event()

    def __call__(self, token: str, chat_id: int) -> None:
        self.count += 1
        if self.count >= self.at:
            self.reached.set()


async def run(args: argparse.Namespace, workdir: Path, log_path: Path) -> int:
    # A folder of its own, as the test fixture makes it: the cluster may run as `postgres`,
    # which could not enter a folder private to root.
    cluster = PrivateCluster(Path(tempfile.mkdtemp(prefix="journal-outage-pg-")))
    cluster.create()
    try:
        url = cluster.url()
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
        await fill_outbox(
            url, first_chat=FIRST_CHAT, messages=args.messages, kind="outage_benchmark"
        )
        chats = range(FIRST_CHAT, FIRST_CHAT + args.messages)
        async with FakeTelegram() as server:
            server.add_bot(TOKEN)
            for chat in chats:
                server.add_user(chat, started=True)
            sends = Sends(args.stop_at)
            server.add_listener(sends)
            env = {
                **os.environ,
                "JOURNAL_DATABASE_URL": url,
                "JOURNAL_BOT_TOKEN": TOKEN,
                "JOURNAL_TELEGRAM_API_URL": server.api_url,
                "JOURNAL_LANGUAGE": "en",
            }
            for name in ("JOURNAL_DEBUG", "JOURNAL_SEND_RATE", "JOURNAL_SEND_LEASE_SECONDS"):
                env.pop(name, None)
            if args.rate is not None:
                env["JOURNAL_SEND_RATE"] = str(args.rate)
            if args.lease is not None:
                env["JOURNAL_SEND_LEASE_SECONDS"] = str(args.lease)
            lease = args.lease if args.lease is not None else 60.0
            started = time.monotonic()
            with log_path.open("wb") as out:
                process = await asyncio.create_subprocess_exec(
                    *(sys.executable, "-m", "app.cli", "bot", "run", "--only", "sender"),
                    cwd=ROOT,
                    env=env,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=out,
                    stderr=asyncio.subprocess.STDOUT,
                )
            try:
                await asyncio.wait_for(sends.reached.wait(), 120)
                down, before = time.time(), sends.count
                await asyncio.to_thread(cluster.stop)
                print(f"database stopped at send {before}; down for {args.outage:g} s …")
                await asyncio.sleep(args.outage)
                while_down = sends.count - before
                await asyncio.to_thread(cluster.start)
                up = time.time()
                deadline = time.monotonic() + lease + args.outage + 120
                counts: dict[str, int] = {}
                while time.monotonic() < deadline:
                    counts = await outbox_counts(url)
                    if counts == {"sent": args.messages}:
                        break
                    await asyncio.sleep(0.5)
                await asyncio.sleep(2.0)
                process.send_signal(signal.SIGINT)
                code = await asyncio.wait_for(process.wait(), 60)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            elapsed = time.monotonic() - started
            ok = [r for r in server.calls("sendMessage") if r.ok]
            refused = [r for r in server.calls("sendMessage") if not r.ok]
            received = Counter(chat for chat in chats for m in server.messages(chat) if m.from_bot)
    finally:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)
    log = await asyncio.to_thread(log_path.read_text, errors="replace")
    during = lines_between(log, down, up)
    late = [int(n) for n in re.findall(r"(\d+) outcomes recorded late", log)]
    duplicates = sum(received.values()) - len(received)
    print()
    answered = f"{len(ok)}" + (f" ({len(refused)} refused)" if refused else "")
    got = f"{sum(received.values())} in {len(received)} of {args.messages} chats"
    written = f"{len(during)} ({sum(len(x) + 1 for x in during):,} bytes)"
    rows = [
        ("sends answered «ok» by Telegram", answered),
        ("messages received by the chats", got),
        ("duplicates", f"{duplicates}"),
        ("sends while the database was down", f"{while_down}"),
        ("outcomes recorded late", f"{sum(late)}" if late else "none said"),
        ("log lines while the database was down", written),
        ("tracebacks in the whole log", f"{log.count('Traceback')}"),
        ("outbox at the end", ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))),
        ("whole run", f"{elapsed:.1f} s; the process exited with {code}"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if during:
        print("\nthe log while the database was down:")
        for line in during[:40]:
            print(f"  {line[:300]}")
        if len(during) > 40:
            print(f"  … {len(during) - 40} more lines")
    return 1 if duplicates else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--outage", type=float, default=30.0, help="seconds the database is down")
    parser.add_argument("--stop-at", type=int, default=240, help="the send that stops it")
    parser.add_argument("--rate", type=float, default=None, help="JOURNAL_SEND_RATE (25)")
    parser.add_argument("--lease", type=float, default=None, help="JOURNAL_SEND_LEASE_SECONDS")
    parser.add_argument("--log", type=Path, default=None, help="keep the sender's log here")
    args = parser.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load}; "
        f"{args.messages} messages to {args.messages} chats, rate "
        f"{args.rate if args.rate is not None else 'default'}, lease "
        f"{args.lease if args.lease is not None else 'default'}"
    )
    workdir = Path(tempfile.mkdtemp(prefix="journal-outage-"))
    try:
        log_path = args.log or workdir / "sender.log"
        return asyncio.run(run(args, workdir, log_path))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
