"""The sender, a real `journal bot run --only sender` process, while its PostgreSQL goes away.

The database is a private cluster of the test's own (`tests.faults.private_cluster`), stopped
with `pg_ctl -m immediate` (every connection cut at once, as in a crash) in the middle of a
batch and started again a few seconds later. The process is the production path: the sender's
leadership (an advisory lock on that cluster), `scheduler.sender.Sender` and `TelegramGateway`
through aiogram's HTTP session to the fake Telegram in this test process, which records what
each chat received.

What must hold (issue 15, items 11 and 12):

- Nothing Telegram confirmed goes twice. The sender stops sending as soon as it cannot record
  outcomes (what is in flight finishes), keeps what it could not record across the loss of the
  leader lock, and records it as soon as the database is back, before it claims anything.
- The outage is logged as one WARNING line with its reason (no traceback) and one line when it
  ends, not a traceback every 50 ms.
- Stopped (SIGTERM) during the outage, the process tries to record for a bounded time before it
  exits, and says how many outcomes it could not record.

Sizes are small for CI: 60 messages at 20 a second (3 s of sending), the database stopped after
the 20th send for 4 s, a 10 s lease. `benchmarks/outage_benchmark.py` runs the issue's scenario
at full size (400 messages, 30 s, the default 60 s lease).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from domain.clock import SystemClock
from domain.delivery import SendOutcome, SendResult, after_failure
from fakegram import FakeTelegram
from scheduler.clock import JournalClock
from scheduler.leader import LOCK_KEYS, Leadership
from scheduler.outage import Outage
from storage.database import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.faults import PrivateCluster
from tests.outbox_data import fill_outbox, outbox_counts
from tests.test_cli import journal
from tests.test_sender import UowFactory, queue

TOKEN = "777004:sender-outage-token"
ROOT = Path(__file__).parents[1]
MESSAGES = 60
RATE = 20  # JOURNAL_SEND_RATE: the batch takes 3 s, so the outage falls in its middle
LEASE_SECONDS = 10  # longer than the outage, as the default 60 s is longer than the 30 s
STOP_AT_SEND = 20
OUTAGE_SECONDS = 4.0
FIRST_CHAT = 72_000_001
KIND = "outage_test"
CONCURRENCY = 16  # scheduler.sender.Sender's default sends at a time
# The shutdown's bounded try to record (app.runtime.SHUTDOWN_RECORD_SECONDS) and some margin.
EXIT_WITHIN = 20.0
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


class SendWatch:
    """A fake-server listener: counts sends and sets `reached` at the N-th."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.sends = 0
        self.reached = asyncio.Event()

    def __call__(self, token: str, chat_id: int) -> None:
        self.sends += 1
        if self.sends >= self.at:
            self.reached.set()


class SenderProcess:
    """`journal bot run --only sender` against the private cluster and the fake Telegram."""

    def __init__(
        self, cluster: PrivateCluster, server: FakeTelegram, log: Path, lease: float = LEASE_SECONDS
    ) -> None:
        self.cluster, self.server, self.log, self.lease = cluster, server, log, lease
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {
            **os.environ,
            "JOURNAL_DATABASE_URL": self.cluster.url(),
            "JOURNAL_BOT_TOKEN": TOKEN,
            "JOURNAL_TELEGRAM_API_URL": self.server.api_url,
            "JOURNAL_LANGUAGE": "en",
            "JOURNAL_SEND_RATE": str(RATE),
            "JOURNAL_SEND_LEASE_SECONDS": str(self.lease),
        }
        env.pop("JOURNAL_DEBUG", None)
        with self.log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "app.cli", "bot", "run", "--only", "sender"),
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    async def stop(self, sig: int = signal.SIGINT, within: float = EXIT_WITHIN) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return await asyncio.wait_for(self.process.wait(), within)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


def lines_between(log: str, since: float, until: float) -> list[str]:
    """The log's lines stamped within [since, until] (wall clock), continuation lines included
    (a traceback's lines carry no stamp of their own: they count with the line before)."""
    found, inside = [], False
    for line in log.splitlines():
        stamp = LOG_TIME.match(line)
        if stamp:
            moment = dt.datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            inside = since <= moment <= until
        if inside:
            found.append(line)
    return found


async def wait_for(check, what: str, timeout: float) -> None:  # type: ignore[no-untyped-def]  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def received(server: FakeTelegram) -> Counter[int]:
    """How many times each chat got a message from the bot."""
    return Counter(
        chat
        for chat in range(FIRST_CHAT, FIRST_CHAT + MESSAGES)
        for message in server.messages(chat)
        if message.from_bot
    )


async def outage_mid_batch(
    cluster: PrivateCluster, tmp_path: Path, lease: float = LEASE_SECONDS
) -> tuple[FakeTelegram, SenderProcess, float, float, int]:
    """Start the sender, stop the database at the STOP_AT_SEND-th send for OUTAGE_SECONDS,
    wait until every message is `sent`, stop the process with SIGINT. Returns the server (for
    what it received), the process (for its log), the wall-clock moments the database went down
    and came back, and the sends the fake Telegram took while it was down."""
    assert journal(cluster.url(), "db", "upgrade").returncode == 0
    await fill_outbox(cluster.url(), first_chat=FIRST_CHAT, messages=MESSAGES, kind=KIND)
    server = FakeTelegram(flood_control=False)
    await server.start()
    server.add_bot(TOKEN)
    for chat in range(FIRST_CHAT, FIRST_CHAT + MESSAGES):
        server.add_user(chat, started=True)
    watch = SendWatch(STOP_AT_SEND)
    server.add_listener(watch)
    sender = SenderProcess(cluster, server, tmp_path / "sender.log", lease)
    try:
        await sender.start()
        await asyncio.wait_for(watch.reached.wait(), 60)
        down, sends_before = time.time(), watch.sends
        await asyncio.to_thread(cluster.stop)
        await asyncio.sleep(OUTAGE_SECONDS)
        sends_while_down = watch.sends - sends_before
        await asyncio.to_thread(cluster.start)
        up = time.time()
        await wait_for(
            lambda: _all_sent(cluster.url()),
            f"every message is sent\n{sender.text()[-3000:]}",
            LEASE_SECONDS * 3 + 20,
        )
        assert await sender.stop() == 0, sender.text()[-3000:]
    finally:
        await sender.kill()
        await server.stop()
    return server, sender, down, up, sends_while_down


async def _all_sent(url: str) -> bool:
    return await outbox_counts(url) == {"sent": MESSAGES}


@pytest.mark.parametrize("lease", [LEASE_SECONDS, 2], ids=["lease 10 s", "lease 2 s"])
async def test_an_outage_mid_batch_doubles_nothing(
    private_cluster: PrivateCluster, tmp_path: Path, lease: float
) -> None:
    """With the lease longer than the outage, and shorter: the messages of the batch are
    claimable again when the database comes back, and this process, the only sender, records
    what it sent before it claims anything (another process could take them: README)."""
    server, sender, _, _, sends_while_down = await outage_mid_batch(
        private_cluster, tmp_path, lease
    )
    counts = received(server)
    print(f"sends while the database was down: {sends_while_down}; chats: {len(counts)}")
    assert set(counts) == set(range(FIRST_CHAT, FIRST_CHAT + MESSAGES)), "a chat got nothing"
    doubled = {chat: n for chat, n in counts.items() if n > 1}
    assert not doubled, f"{len(doubled)} chats got their message twice:\n{sender.text()[-3000:]}"
    # Sending stops once outcomes cannot be recorded: what was in flight finishes, no more.
    assert sends_while_down <= CONCURRENCY, sends_while_down


async def test_an_outage_is_logged_once_and_its_end_once(
    private_cluster: PrivateCluster, tmp_path: Path
) -> None:
    _, sender, down, up, _ = await outage_mid_batch(private_cluster, tmp_path)
    log = sender.text()
    assert "Traceback" not in log, log[-3000:]
    warned = [line for line in log.splitlines() if "the sender cannot reach the database" in line]
    assert len(warned) == 1, log[-3000:]
    assert " WARNING " in warned[0]
    assert "Connect" in warned[0] or "connection" in warned[0].lower(), warned  # the reason
    back = [line for line in log.splitlines() if "the sender reaches the database again" in line]
    assert len(back) == 1, log[-3000:]
    late = re.search(
        r"after (\d+\.\d) s and \d+ failed tr(?:y|ies); (\d+) outcomes recorded late", back[0]
    )
    assert late is not None, back
    assert float(late.group(1)) >= OUTAGE_SECONDS - 1
    assert int(late.group(2)) >= 1  # at least the send that was in flight when it went down
    during = lines_between(log, down, up)
    print("log lines during the outage:", *during, sep="\n  ")
    assert len(during) <= 3, during  # the sender's warning, the lost lock, at most one more


async def test_stopped_during_an_outage_it_records_before_exiting(
    private_cluster: PrivateCluster, tmp_path: Path
) -> None:
    """SIGTERM while the database is down: the process keeps trying to record for a bounded
    time; the database comes back within it, so what Telegram took is recorded `sent` and the
    rest of the batch goes back to `pending`, none of it left `sending` for the lease."""
    url = private_cluster.url()
    assert journal(url, "db", "upgrade").returncode == 0
    await fill_outbox(url, first_chat=FIRST_CHAT, messages=MESSAGES, kind=KIND)
    async with FakeTelegram(flood_control=False) as server:
        server.add_bot(TOKEN)
        for chat in range(FIRST_CHAT, FIRST_CHAT + MESSAGES):
            server.add_user(chat, started=True)
        watch = SendWatch(STOP_AT_SEND)
        server.add_listener(watch)
        sender = SenderProcess(private_cluster, server, tmp_path / "sender.log")
        try:
            await sender.start()
            await asyncio.wait_for(watch.reached.wait(), 60)
            await asyncio.to_thread(private_cluster.stop)
            await asyncio.sleep(1.0)
            assert sender.process is not None
            sender.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(1.0)
            assert sender.process.returncode is None, "it exited without trying to record"
            await asyncio.to_thread(private_cluster.start)
            code = await asyncio.wait_for(sender.process.wait(), EXIT_WITHIN)
        finally:
            await sender.kill()
        delivered = sum(received(server).values())
    log = sender.text()
    assert code == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert re.search(r"\d+ outcomes recorded late", log), log[-3000:]
    counts = await outbox_counts(url)
    assert counts.get("sent") == delivered, (counts, delivered)
    assert counts == {"sent": delivered, "pending": MESSAGES - delivered}, counts


async def test_stopped_during_a_long_outage_it_says_what_it_could_not_record(
    private_cluster: PrivateCluster, tmp_path: Path
) -> None:
    """SIGTERM while the database stays down: the process exits within its bound, and its
    last words say how many outcomes (how many of them sends Telegram took) went unrecorded."""
    url = private_cluster.url()
    assert journal(url, "db", "upgrade").returncode == 0
    await fill_outbox(url, first_chat=FIRST_CHAT, messages=MESSAGES, kind=KIND)
    async with FakeTelegram(flood_control=False) as server:
        server.add_bot(TOKEN)
        for chat in range(FIRST_CHAT, FIRST_CHAT + MESSAGES):
            server.add_user(chat, started=True)
        watch = SendWatch(STOP_AT_SEND)
        server.add_listener(watch)
        sender = SenderProcess(private_cluster, server, tmp_path / "sender.log")
        try:
            await sender.start()
            await asyncio.wait_for(watch.reached.wait(), 60)
            await asyncio.to_thread(private_cluster.stop)
            await asyncio.sleep(0.5)
            started = time.monotonic()
            code = await sender.stop(signal.SIGTERM)
            took = time.monotonic() - started
        finally:
            await sender.kill()
    log = sender.text()
    assert code == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert took < EXIT_WITHIN
    last = re.search(r"could not record (\d+) outcomes \((\d+) of them sent\)", log)
    assert last is not None, log[-3000:]
    assert int(last.group(1)) >= int(last.group(2)) >= 1


async def test_an_outcome_recorded_late_never_undoes_a_sent(make_uow: UowFactory) -> None:
    """An outage longer than the lease: another sender took the message and sent it; this
    sender's failure for it, recorded when the database is back, must not make it pending."""
    await queue(make_uow, [5001], per_chat=1)
    now = dt.datetime.now(dt.UTC)
    async with make_uow() as uow:
        [held] = await uow.outbox.claim(now, 10, now + dt.timedelta(seconds=1))
        await uow.commit()
    later = now + dt.timedelta(seconds=2)  # the lease ran out: another sender claims, sends
    async with make_uow() as uow:
        [again] = await uow.outbox.claim(later, 10, later + dt.timedelta(seconds=60))
        # a claimed message is stored, so it has an id
        await uow.outbox.mark_sent([again.id], later)  # type: ignore[list-item]
        await uow.commit()
    failed = after_failure(held, SendResult(SendOutcome.TEMPORARY, error="502"), later)
    async with make_uow() as uow:
        await uow.outbox.save([failed])
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.outbox.counts() == {"sent": 1}


# ------------------------------------------------------------------ the same pattern elsewhere


def test_an_outage_pauses_longer_and_longer_and_is_logged_twice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = Outage(logging.getLogger("tests.outage"), "cannot reach it", "reaches it again")
    caplog.set_level(logging.DEBUG, logger="tests.outage")
    down = ConnectionRefusedError(111, "Connect call failed")
    pauses = [outage.failed(down) for _ in range(10)]
    assert pauses == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
    assert outage.ongoing
    outage.ended("; 3 things done late")
    outage.ended()  # nothing more to end
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "cannot reach it (the database is out of reach): ConnectionRefusedError: [Errno 111]"
        " Connect call failed",
        warnings[1].getMessage(),
    ]
    assert re.fullmatch(
        r"reaches it again after \d+\.\d s and 10 failed tries; 3 things done late",
        warnings[1].getMessage(),
    )
    assert all(r.exc_info is None for r in warnings)  # the database away is no bug
    assert outage.failed(down) == 0.05  # a new outage starts from the shortest pause again


def test_a_bug_is_logged_once_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Not the database away but something wrong: its traceback once, then quiet."""
    outage = Outage(logging.getLogger("tests.outage"), "a round failed", "rounds work again")
    caplog.set_level(logging.WARNING, logger="tests.outage")
    for _ in range(3):
        try:
            {}["missing"]
        except KeyError as err:
            outage.failed(err)
    assert len(caplog.records) == 1
    assert caplog.records[0].exc_info is not None


async def test_the_leader_lock_tries_log_an_outage_once(
    private_cluster: PrivateCluster, caplog: pytest.LogCaptureFixture
) -> None:
    """While the database is down a follower's tries for the lock fail: one warning, not one
    a try; one line when a try reaches the database again."""
    engine = create_engine(private_cluster.url())
    leadership = Leadership(engine, retry=0.05, key=LOCK_KEYS["sender"], part="sender")
    stop = asyncio.Event()
    try:
        private_cluster.stop()
        caplog.set_level(logging.INFO, logger="scheduler.leader")
        trying = asyncio.create_task(leadership.acquire(stop))
        await asyncio.sleep(1.0)  # some 20 tries
        assert not trying.done()
        await asyncio.to_thread(private_cluster.start)
        assert await asyncio.wait_for(trying, 20)
    finally:
        stop.set()
        await leadership.release()
        await engine.dispose()
    records = [r for r in caplog.records if r.name == "scheduler.leader"]
    warnings = [r for r in records if r.levelno >= logging.WARNING]
    assert [r.exc_info for r in warnings] == [None, None], [r.getMessage() for r in records]
    assert "cannot try the sender's leader lock" in warnings[0].getMessage()
    assert "again after" in warnings[1].getMessage()


async def test_the_clock_logs_an_outage_once(
    private_cluster: PrivateCluster, caplog: pytest.LogCaptureFixture
) -> None:
    """Ticks that fail because the database is down: one warning (no traceback) for all of
    them, one line when a tick works again."""
    url = private_cluster.url()
    assert journal(url, "db", "upgrade").returncode == 0
    engine = create_engine(url)
    clock = JournalClock(lambda: SqlUnitOfWork(session_factory(engine)), SystemClock(), jobs=())
    caplog.set_level(logging.INFO, logger="scheduler.clock")
    try:
        assert await clock.tick() == []  # the database is up: nothing due, nothing logged
        private_cluster.stop()
        for _ in range(5):
            assert await clock.tick() == []
        await asyncio.to_thread(private_cluster.start)
        assert await clock.tick() == []
    finally:
        await engine.dispose()
    records = [r for r in caplog.records if r.name == "scheduler.clock"]
    assert [r.exc_info for r in records] == [None, None], [r.getMessage() for r in records]
    assert "a clock tick failed" in records[0].getMessage()
    assert "again after" in records[1].getMessage()
