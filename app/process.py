"""Settings of the journal's long-running process itself."""

from __future__ import annotations

import gc

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
