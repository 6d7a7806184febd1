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
