"""The connectors' Writer: batches applied by one thread beside the connector, in order, bounded,
and a failed batch raised in the connector's thread."""

from __future__ import annotations

import gc
import threading

import pytest
from sqlalchemy import select

from lily.bootstrap import ensure_tenant
from lily.connectors.base import Writer
from lily.model import AssetRef, AssetType, DeleteAsset, UpsertAsset
from lily.store import Store
from lily.store.tables import assets, changes

TENANT = "default"


@pytest.fixture
def store(sqlite_url: str) -> Store:
    s = Store(Store.from_url(sqlite_url).engine)
    ensure_tenant(s, TENANT)
    return s


def table(i: int, description: str | None = None) -> UpsertAsset:
    return UpsertAsset(ref=AssetRef(namespace="pg://x", name=f"t{i}"), type=AssetType.TABLE, description=description)


def test_batches_are_applied_in_the_order_they_were_added(store: Store) -> None:
    writer = Writer(store, TENANT, "test", batch_size=3)
    for i in range(20):
        writer.add([table(i % 5, description=f"v{i}")])
        if i == 12:
            writer.add([DeleteAsset(ref=AssetRef(namespace="pg://x", name="t0"))])
    writer.flush()
    writer.close()
    assert writer.transactions == 7  # 21 operations, 3 per transaction
    with store.read() as conn:
        rows = {r.name: (r.description, r.status) for r in conn.execute(select(assets.c.name, assets.c.description,
                                                                               assets.c.status))}
        feed = [r.after["description"] for r in conn.execute(select(changes.c.kind, changes.c.after)
                                                             .order_by(changes.c.seq))
                if r.kind != "asset.deleted" and r.after and "description" in r.after]
    # The last write of each table wins, the delete of t0 came before t0's last upsert (revived).
    assert rows == {f"t{k}": (f"v{15 + k}", "active") for k in range(5)}
    assert feed == [f"v{i}" for i in range(20)]


def test_flush_returns_once_everything_is_committed(store: Store) -> None:
    writer = Writer(store, TENANT, "test", batch_size=10_000)
    writer.add([table(i) for i in range(50)])
    with store.read() as conn:
        assert conn.execute(select(assets.c.id)).all() == []  # under the batch size: nothing handed off yet
    writer.flush()
    with store.read() as conn:
        assert len(conn.execute(select(assets.c.id)).all()) == 50
    writer.close()


def test_a_failed_batch_is_raised_in_the_connectors_thread_and_stops_the_writing(store: Store) -> None:
    writer = Writer(store, "no-such-tenant", "test", batch_size=1)
    caller = threading.current_thread()
    with pytest.raises(Exception, match=r"(?i)foreign key"):  # the tenant's
        for i in range(10):
            writer.add([table(i)])
        writer.flush()
    assert threading.current_thread() is caller
    writer.close()
    assert writer.transactions == 0


def test_the_queue_holds_at_most_two_batches(store: Store) -> None:
    writer = Writer(store, TENANT, "test", batch_size=1)
    gate = threading.Event()
    original = writer._write

    def slow() -> None:
        gate.wait(10)
        original()

    writer._write = slow  # type: ignore[method-assign]
    done = threading.Event()

    def produce() -> None:
        writer.add([table(i) for i in range(5)])
        done.set()

    producer = threading.Thread(target=produce)
    producer.start()
    assert not done.wait(0.5)  # the writer is held: two batches queued, the third waits
    assert writer._queue.qsize() == 2
    gate.set()
    producer.join(10)
    writer.flush()
    writer.close()
    assert writer.transactions == 5


class _Watching(Store):
    """A store that notes whether the cyclic collector ran during each apply."""

    def __init__(self, inner: Store) -> None:
        super().__init__(inner.engine)
        self.collector_on: list[bool] = []

    def apply(self, cs):  # type: ignore[no-untyped-def]
        self.collector_on.append(gc.isenabled())
        return super().apply(cs)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_per_batch_and_left_as_it_was(store: Store, enabled: bool) -> None:
    watching = _Watching(store)
    (gc.enable if enabled else gc.disable)()
    try:
        writer = Writer(watching, TENANT, "test", batch_size=2)
        writer.add([table(i) for i in range(6)])
        writer.flush()
        assert gc.isenabled() is enabled  # between batches and after them, as the process had it
        writer.close()
        assert watching.collector_on == [False, False, False]
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
