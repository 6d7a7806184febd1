"""Independent events applied as one change set: each keeps its own change rows, audit row and result.

Why: an S3 request is dozens of records, each a bucket upsert (the same for all of them) and an
object upsert. Applied one change set per record, every record paid for its own context, read-ahead
and single-row inserts; as one change set the store writes the objects with one multi-row insert
(``store.apply.assets.upsert_many``).

Exact, not approximate: the events of a run are *independent* — upserts without columns and
deletes, and an asset named by two of them is named by the very same operation object (S3's
memoised bucket upsert), which applied again changes nothing. Then applying their operations in
order records the changes that applying them one change set each would record, in the same order,
and each change belongs to the first event naming its asset. ``apply_together`` checks that every
change is attributed so, in order; if one is not (a deleted object's columns, or
its edges to assets no event of the run names), it returns None and the caller rolls the run back and applies its events one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection

from lily.model import AssetRef, ChangeSet, DeleteAsset, MetadataEvent, UpsertAsset, asset_id
from lily.store.apply import ApplyResult, apply_in
from lily.store.apply.context import ChangeSetContext
from lily.store.apply_cache import ApplyCache

_KINDS = (UpsertAsset, DeleteAsset)


def independent(events: Iterable[Sequence[MetadataEvent]]) -> int:
    """How many of the first ``events`` (their operations) are independent together (module docstring)."""
    named: dict[AssetRef, tuple[int, MetadataEvent]] = {}
    count = 0
    for ops in events:
        for op in ops:
            if type(op) not in _KINDS or getattr(op, "columns", None) is not None:
                return count
            first = named.setdefault(op.ref, (count, op))
            if first[0] != count and first[1] is not op:
                return count
        count += 1
    return count


def apply_together(conn: Connection, sets: Sequence[ChangeSet], cache: ApplyCache,
                   apply: Callable[[Connection, ChangeSet, ApplyCache], ApplyResult] = apply_in,
                   ) -> list[ApplyResult] | None:
    """Apply ``sets`` (one tenant and actor, ``independent``) as one change set through ``apply``
    (the store's ``apply_in``), their change and audit rows deferred one per change set as it would
    (``cache.deferred``); their results, or None when a change cannot be attributed (the caller
    rolls back)."""
    assert cache.deferred is not None, "the changes are split per change set before they are written"
    if not sets:
        return []
    first = sets[0]
    at = first.at or datetime.now(UTC)
    merged = apply(conn, ChangeSet(tenant_id=first.tenant_id, actor=first.actor, at=at,
                                      operations=[op for cs in sets for op in cs.operations]), cache)
    ctx, _ = cache.deferred.pop()
    owner: dict[object, int] = {}
    for index, cs in enumerate(sets):
        for op in cs.operations:
            owner.setdefault(asset_id(cs.tenant_id, op.ref), index)
    contexts = [ChangeSetContext(conn, cs, at, cache) for cs in sets]
    last = 0
    for change in ctx.pending:
        index = owner.get(change.asset_id, -1)
        if index < last:
            return None
        contexts[index].pending.append(change)
        last = index
    contexts[0].dirty_docs = ctx.dirty_docs  # rebuilt per tenant, once: which context holds them is moot
    for own, cs in zip(contexts, sets, strict=True):
        own.result.asset_ids = {op.ref: merged.asset_ids[op.ref] for op in cs.operations}
        cache.deferred.append((own, cs))
    return [own.result for own in contexts]
