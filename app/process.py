"""Settings of the journal's long-running process itself."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler.workers import WorkerParts

# Young objects are collected after 50,000 allocations instead of 700, the older generations
# correspondingly less often.
GC_THRESHOLDS = (50_000, 50, 100)


def tune_garbage_collector() -> int:
    """Call once everything is loaded and wired.

    What exists by then (modules, the dispatcher, the engine) lives as long as the process, so
    it is frozen out of the collector's sight; and the collector runs less often. Building a
    district's digests allocates millions of short-lived rows, forecasts and lines, and with
    the default thresholds the collector spent about a quarter of that time walking the heap
    (`benchmarks/README.md`, «Digests»). The journal's own objects form no cycles, so memory
    does not grow for it; asyncio's occasional cycles are collected a little later.
    Returns how many objects were frozen.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return gc.get_freeze_count()


def digest_worker_parts(database_url: str, charts: bool) -> WorkerParts:
    """A digest worker's parts, built in its own process (`scheduler.workers.DigestWorkers`
    is given this with its arguments bound): its engine and the charts;
    then the collector tuned as in the main process."""
    from scheduler.workers import WorkerParts
    from storage.database import create_engine, session_factory
    from storage.uow import SqlUnitOfWork

    sessions = session_factory(create_engine(database_url))
    chart_maker = None
    if charts:
        from reports.charts import PillowCharts

        chart_maker = PillowCharts()
    parts = WorkerParts(
        make_uow=lambda: SqlUnitOfWork(sessions),
        charts=chart_maker,
    )
    tune_garbage_collector()
    return parts
