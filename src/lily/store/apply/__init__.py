"""The one apply path: a ChangeSet becomes state + ordered changes + an audit record, atomically.

Every writer goes through here: API calls, inbound events, pipelines and propagation. How one
change set is applied (``apply_in``), following an OpenLineage run event the worker parsed into
``UpsertAsset`` (its datasets, with columns), ``AddLineage`` and ``RecordRun`` operations:

1. a ``ChangeSetContext`` holds what the operations share: the connection, tenant, actor, time,
   the transaction's row cache (``ApplyCache``), and the changes recorded so far;
2. each operation goes, by its ``op`` name, to the writer of its kind of state (``_DISPATCH``; a
   run of upserts to ``assets.upsert_many``, which reads and writes their rows set-wise):
   ``assets`` (and columns, deletes, placeholders), ``rename``, ``lineage``, ``classifications``,
   ``runs`` (and quality and incidents). A writer reads the rows it needs through the cache,
   writes only what differs and records one change per state change (``ctx.record``), so the
   event's datasets, edges and run change the catalog once, and a restated event not at all;
3. ``search_docs`` rebuilds the search documents of the assets whose searchable fields changed
   (the inbound worker defers this to the end of its transaction, with step 4);
4. ``changes`` writes the change rows, numbered by the tenant's ``change_seq``, and one audit row,
   in the same transaction as the state (transactional outbox): a consumer of the change feed
   never sees a change without its state or state without its change. The inbound worker defers
   this step to write a whole batch's rows at once (``write_deferred``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import groupby
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, Engine

from lily.model import ChangeSet
from lily.store.apply import assets, classifications, lineage, rename, runs, search_docs
from lily.store.apply.changes import write_changes, write_deferred
from lily.store.apply.context import ApplyError, ApplyResult, ChangeSetContext, UnknownAsset
from lily.store.apply_cache import ApplyCache

__all__ = ["ApplyError", "ApplyResult", "UnknownAsset", "apply", "apply_in", "write_deferred"]

# Operation name -> the writer of a run of such operations (set-wise), or of each one.
_MANY: dict[str, Callable[[ChangeSetContext, Any], object]] = {"upsert_asset": assets.upsert_many}
_DISPATCH: dict[str, Callable[[ChangeSetContext, Any], object]] = {
    "upsert_asset": assets.upsert,
    "delete_asset": assets.delete,
    "rename_asset": rename.rename,
    "add_lineage": lineage.add_lineage,
    "remove_lineage": lineage.remove_lineage,
    "add_classification": classifications.add_classification,
    "remove_classification": classifications.remove_classification,
    "prune_imported_classifications": classifications.prune_imported,
    "sync_detected_classifications": classifications.sync_detected,
    "review_classification": classifications.review,
    "set_propagated": classifications.set_propagated,
    "retract_propagated": classifications.retract_propagated,
    "record_run": runs.record_run,
    "record_quality": runs.record_quality,
    "upsert_incident": runs.upsert_incident,
}


def apply_in(conn: Connection, cs: ChangeSet, cache: ApplyCache | None = None) -> ApplyResult:
    """Apply ``cs`` inside the caller's transaction (``cache``: see ``ApplyCache``)."""
    ctx = ChangeSetContext(conn, cs, cs.at or datetime.now(UTC), cache)
    for name, run in groupby(cs.operations, key=attrgetter("op")):
        if name in _MANY:
            _MANY[name](ctx, list(run))
            continue
        handler = _DISPATCH.get(name)
        if handler is None:
            raise ApplyError(f"operation {name!r} has no writer registered")
        for op in run:
            handler(ctx, op)
    if ctx.cache.deferred is not None:  # the documents too are rebuilt once, with the change rows
        ctx.cache.deferred.append((ctx, cs))
    else:
        search_docs.refresh_changed(ctx)
        write_changes(conn, ctx, cs)  # looked up here: tests replace it to fail between state and changes
    return ctx.result


def apply(engine: Engine, cs: ChangeSet) -> ApplyResult:
    """Apply ``cs`` in its own transaction: all of it, or (on any error) none of it."""
    with engine.begin() as conn:
        return apply_in(conn, cs)
