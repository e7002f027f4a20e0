"""APScheduler is only the metronome: every tick asks the domain what is due and queues it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from domain.ports import Clock, UnitOfWork
from domain.usecases.scheduling import JobRun, NoticeRenderer, run_due_jobs

log = logging.getLogger(__name__)

TICK_SECONDS = 30


class JournalClock:
    def __init__(
        self, make_uow: Callable[[], UnitOfWork], clock: Clock, renderer: NoticeRenderer
    ) -> None:
        self.make_uow = make_uow
        self.clock = clock
        self.renderer = renderer
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    async def tick(self) -> list[JobRun]:
        try:
            runs = await run_due_jobs(self.make_uow, self.clock, self.renderer)
        except Exception:
            log.exception("a clock tick failed; the next tick tries again")
            return []
        for run in runs:
            log.info(
                "ran %s for school %s (%s): %s messages",
                run.job,
                run.school_id,
                run.period_key,
                run.messages,
            )
        return runs

    def start(self) -> None:
        """Tick now (a run missed while down happens at once), then every TICK_SECONDS."""
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=TICK_SECONDS,
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=dt.datetime.now(dt.UTC),
        )
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
