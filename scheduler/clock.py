"""APScheduler is only the metronome: every tick asks the domain what is due and queues it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from domain.ports import Clock, UnitOfWork
from domain.usecases.class_teacher import AbsencePrompt, AbsenceReminder, PreliminaryReport
from domain.usecases.control import DeputySummary, OverdueTeacherReminder
from domain.usecases.family_jobs import ChartMaker, Digest, TermMarksNotice, announce_marks
from domain.usecases.journal_remarks import OverdueRemarks
from domain.usecases.scheduling import EveningReminder, Job, JobRun, run_due_jobs
from scheduler.outage import Outage
from scheduler.workers import DigestWorkers

log = logging.getLogger(__name__)

TICK_SECONDS = 30


def default_jobs(charts: ChartMaker | None = None, *, digest: bool = True) -> tuple[Job, ...]:
    """Every job the clock runs; without the `digest` when worker processes build it."""
    if charts is None:
        from reports.charts import PillowCharts

        charts = PillowCharts()
    return (
        EveningReminder(),
        *((Digest(charts),) if digest else ()),
        TermMarksNotice(),
        AbsencePrompt(),
        AbsenceReminder(),
        PreliminaryReport(),
        OverdueTeacherReminder(),
        DeputySummary(),
        OverdueRemarks(),
    )


class JournalClock:
    def __init__(
        self,
        make_uow: Callable[[], UnitOfWork],
        clock: Clock,
        jobs: tuple[Job, ...] | None = None,
        digest_workers: DigestWorkers | None = None,
    ) -> None:
        self.make_uow = make_uow
        self.clock = clock
        self.digest_workers = digest_workers
        self.jobs = jobs if jobs is not None else default_jobs(digest=digest_workers is None)
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        # Ticks failing in a row (the database away) are one event in the log, not one each.
        self.trouble = Outage(log, "a clock tick failed", "the clock ticks again")

    async def tick(self) -> list[JobRun]:
        """Due jobs of every school, then the marks that settled since the last tick."""
        try:
            runs = await run_due_jobs(self.make_uow, self.clock, self.jobs)
            if self.digest_workers is not None:
                runs += await self.digest_workers.run(self.clock.now())
            announced = await announce_marks(self.make_uow, self.clock)
        except Exception as err:
            self.trouble.failed(err, "; the next tick tries again")
            return []
        self.trouble.ended()
        if announced:
            log.info("announced %s new marks to families", announced)
        for run in runs:
            log.info(
                "ran %s for school %s (%s): %s messages",
                run.job,
                run.school_id,
                run.period_key,
                run.messages,
            )
        return runs

    async def _scheduled_tick(self) -> None:
        """The scheduler's job. Stopped mid-tick (the process ends, or the lead is lost), it
        ends quietly: what ran is committed, a digest share in a worker finishes there, the
        rest is the next tick's (APScheduler would log the cancellation as a failure)."""
        try:
            await self.tick()
        except asyncio.CancelledError:
            log.info("the clock stopped during a tick; the next tick does what is left")

    def start(self) -> None:
        """Tick now (a run missed while down happens at once), then every TICK_SECONDS."""
        self.scheduler.add_job(
            self._scheduled_tick,
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
        if self.digest_workers is not None:
            self.digest_workers.shutdown()
