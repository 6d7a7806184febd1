"""Process-wide tuning for Lily's long-running processes (``lily serve``, ``lily worker``)."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Move everything allocated while starting (modules, the app, SQLAlchemy metadata: ~140k
    objects) out of the cyclic garbage collector's reach.

    Decoding a request body allocates thousands of objects, which triggers collections, and every
    full collection walked all of those long-lived objects again: decoding a 100-event OpenLineage
    batch took 3 ms instead of 0.8 ms. Call once, after startup and before serving.
    """
    gc.collect()
    gc.freeze()


# Allocations between young collections, young collections between middle ones, middle ones between
# full ones (CPython's defaults: 700, 10, 10).
WORKER_GC_THRESHOLDS = (10_000, 20, 100)


def collect_less_often() -> None:
    """The inbound worker's collector thresholds (``WORKER_GC_THRESHOLDS``).

    Applying an event allocates hundreds of short-lived objects (rows, models, ids) and almost no
    cycles, so with the defaults the collector ran a young collection every few events and a full
    one every ~1,500 (30 ms each, walking the worker's caches): 10 % of the worker's CPU on a burst
    of S3 records (benchmarks/inbound_real.py --sources s3 --events 15000: 0.51 s of 4.8 s; 0.15 s
    with these, and 0.32 -> 0.30 ms of CPU per record). Garbage cycles still go, a little later.
    """
    gc.set_threshold(*WORKER_GC_THRESHOLDS)
