"""The worker applies a run of independent events (S3 records) as one change set
(``lily.inbound.together``). What it stores must be what applying them one change set each stores:
catalog rows and their history, the change feed (numbers, causes and content), audit rows, search
documents, and each event's inbox row (status, note, error, change range, touched assets).

Oracle: the same requests through a worker whose runs are never longer than one event, on a store
of its own (event and asset ids are derived, so both stores hold the same ids). The records are
drawn over two buckets and three keys with sequencers that go back and forth (stale records are
dropped), created and removed, a bucket's region changing now and then (its upsert is then another
operation: the run stops there), and records whose application fails (failed with their reason,
the others of their run applied). A run whose changes cannot be
attributed rolls back to its savepoint and goes one by one: drawn too, by refusing some runs after
they were applied.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import lily.inbound.worker as worker_module
from lily.bus.local import LocalBus
from lily.inbound.accept import RequestInfo, prepare
from lily.inbound.enrich import enrich
from lily.inbound.sources import get_source
from lily.inbound.worker import InboundWorker
from lily.store import ApplyError, Store
from lily.store.accounts import create_tenant
from lily.store.tables import asset_history, assets, audit_log, changes, search_docs
from lily.store.tables_inbound import inbound_event_assets, inbound_events

TENANT = "acme"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POISONED = 7  # an object of this size fails to apply, in both stores: a failure stays its event's


def _enrich_refusing_poisoned(conn: Any, tenant: str, source: str, ops: list[Any], cache: Any = None) -> Any:
    if any(getattr(op, "attributes", {}).get("size") == POISONED for op in ops):
        raise ApplyError("poisoned object")
    return enrich(conn, tenant, source, ops, cache)


def _record(bucket: str, key: str, seq: int, removed: bool, region: str, poisoned: bool) -> dict[str, Any]:
    size = POISONED if poisoned else seq * 10
    return {
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region,
        "eventTime": (T0 + timedelta(seconds=seq)).isoformat(),
        "eventName": "ObjectRemoved:Delete" if removed else "ObjectCreated:Put",
        "responseElements": {"x-amz-request-id": f"R{seq}"},
        "s3": {"bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": key, "sequencer": f"{seq:016X}", **({} if removed else {"size": size})}},
    }


records = st.builds(_record, st.sampled_from(["exports", "logs"]),
                    st.sampled_from(["a/part-1.parquet", "a/part-2.csv.gz", "b/x.json"]), st.integers(1, 40),
                    st.sampled_from([False, False, False, True]), st.sampled_from(["eu-west-1"] * 5 + ["us-east-1"]),
                    st.sampled_from([False] * 12 + [True]))
requests = st.lists(st.lists(records, min_size=1, max_size=12), min_size=1, max_size=5)


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    """A migrated catalog file with the tenant, copied for each store (migrating is the slow part)."""
    folder = Path(tempfile.mkdtemp())
    store = Store.from_url(f"sqlite:///{folder / 'lily.db'}", migrate=True)
    with store.write() as conn:
        create_tenant(conn, TENANT, "Acme", T0)
    store.dispose()
    yield folder / "lily.db"
    shutil.rmtree(folder)


def _drain(template: Path, bodies: list[dict[str, Any]], *, together: bool, refuse_every: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp())
    shutil.copy(template, folder / "lily.db")
    store = Store.from_url(f"sqlite:///{folder / 'lily.db'}")
    bus = LocalBus(store, partitions=4, lease_seconds=30.0, poll_interval=0.05)
    real, calls = worker_module.apply_together, [0]

    def refusing(conn: Any, sets: Any, cache: Any, apply: Any) -> Any:
        results = real(conn, sets, cache, apply)
        calls[0] += 1
        return None if calls[0] % refuse_every == 0 else results

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(worker_module, "enrich", _enrich_refusing_poisoned)
            if not together:
                patch.setattr(worker_module, "independent", lambda events: 0)
            elif refuse_every:
                patch.setattr(worker_module, "apply_together", refusing)
            for i, body in enumerate(bodies):
                info = RequestInfo(TENANT, None, f"req-{i}", T0 + timedelta(seconds=i), {})
                bus.publish(prepare(get_source("s3"), orjson.dumps(body), body, info, partitions=4).messages)
            worker = InboundWorker(store, bus)
            worker.drain(timeout=30)
            worker.close()
        return _stored(store)
    finally:
        bus.close()
        store.dispose()
        shutil.rmtree(folder)


def _stored(store: Store) -> dict[str, Any]:
    def rows(conn: Any, table: Any, *order: Any, drop: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        found = conn.execute(select(table).order_by(*order)).mappings().all()
        return [{k: v for k, v in r.items() if k not in drop} for r in found]

    with store.read() as conn:
        history = rows(conn, asset_history, asset_history.c.asset_id, asset_history.c.version, drop=("at",))
        for row in history:  # the time an asset was written is the worker's clock
            row["snapshot"] = {k: v for k, v in row["snapshot"].items() if k not in ("created_at", "updated_at", "deleted_at")}
        audit = rows(conn, audit_log, drop=("id", "at"))
        return {
            "assets": rows(conn, assets, assets.c.id, drop=("created_at", "updated_at", "deleted_at")),
            "history": history,
            "changes": rows(conn, changes, changes.c.seq, drop=("id", "at")),
            "audit": sorted(audit, key=lambda r: r["details"]["cause_event_id"]),
            "search": rows(conn, search_docs, search_docs.c.asset_id, drop=("rowid",)),
        }, _inbox(store)


def _inbox(store: Store) -> dict[str, Any]:
    with store.inbox_read() as conn:
        events = conn.execute(select(
            inbound_events.c.seq, inbound_events.c.id, inbound_events.c.status, inbound_events.c.error,
            inbound_events.c.note, inbound_events.c.attempts, inbound_events.c.changes,
            inbound_events.c.first_change_seq, inbound_events.c.last_change_seq, inbound_events.c.touched_assets,
        ).order_by(inbound_events.c.seq)).mappings().all()
        index = conn.execute(select(inbound_event_assets.c.event_seq, inbound_event_assets.c.asset_id)).all()
    return {"events": [dict(e) for e in events], "index": sorted(index)}


@settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=requests, refuse_every=st.sampled_from([0, 0, 1, 2]))
def test_s3_records_applied_together_store_what_one_by_one_stores(template: Path, batches: list, refuse_every: int) -> None:
    bodies = [{"Records": records} for records in batches]
    catalog, inbox = _drain(template, bodies, together=True, refuse_every=refuse_every)
    want_catalog, want_inbox = _drain(template, bodies, together=False, refuse_every=0)
    for key in want_catalog:
        assert catalog[key] == want_catalog[key], key
    assert inbox == want_inbox
    assert all(e["status"] in ("applied", "failed") for e in inbox["events"])
    assert all(e["error"] == "apply: poisoned object" for e in inbox["events"] if e["status"] == "failed")


def test_a_request_of_new_objects_goes_as_one_run(template: Path) -> None:
    """The shape the runs are for: fifty new objects in one bucket, applied in one change set, each
    with its own change (the first also the bucket's), audit row and change range."""
    body = {"Records": [_record("exports", f"k/{i}.parquet", i + 1, False, "eu-west-1", False) for i in range(50)]}
    sizes: list[int] = []
    real = worker_module.apply_together

    def counting(conn: Any, sets: Any, cache: Any, apply: Any) -> Any:
        sizes.append(len(sets))
        return real(conn, sets, cache, apply)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker_module, "apply_together", counting)
        catalog, inbox = _drain(template, [body], together=True, refuse_every=0)
    assert sum(sizes) == 50 and len(sizes) < 5  # runs as long as the read-ahead
    assert [e["changes"] for e in inbox["events"]] == [2] + [1] * 49
    ranges = [(e["first_change_seq"], e["last_change_seq"]) for e in inbox["events"]]
    assert ranges == [(1, 2)] + [(i + 2, i + 2) for i in range(1, 50)]
    assert len(catalog["audit"]) == 50 and len(catalog["changes"]) == 51
    causes = [str(e["id"]) for e in inbox["events"]]
    assert [c["cause_event_id"] for c in catalog["changes"]] == [causes[0], *causes]
