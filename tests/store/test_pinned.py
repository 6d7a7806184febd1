"""``Store.pinned``: a worker's thread keeps its connections between transactions; what it writes is
committed as with pooled connections, a nested transaction gets a connection of its own, and other
threads are not affected."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, insert, select

from lily.store import Store
from lily.store.tables import tenants


def _count(file_store: Store) -> int:
    with file_store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(tenants)).scalar_one())


def test_pinned_transactions_reuse_one_connection_and_commit(file_store: Store) -> None:
    seen = set()
    with file_store.pinned():
        for i in range(3):
            with file_store.write() as conn:
                seen.add(id(conn.connection.dbapi_connection))
                conn.execute(insert(tenants).values(id=f"t{i}", name="t", created_at=func.now()))
        with file_store.read() as conn:  # a reading connection of its own, also kept
            assert conn.execute(select(func.count()).select_from(tenants)).scalar_one() == 3
    assert len(seen) == 1
    assert _count(file_store) == 3  # committed, seen by a pooled connection after release


def test_a_failed_pinned_transaction_rolls_back_and_the_next_one_works(file_store: Store) -> None:
    with file_store.pinned():
        with pytest.raises(RuntimeError), file_store.write() as conn:
            conn.execute(insert(tenants).values(id="gone", name="t", created_at=func.now()))
            raise RuntimeError("boom")
        with file_store.write() as conn:
            conn.execute(insert(tenants).values(id="kept", name="t", created_at=func.now()))
    with file_store.read() as conn:
        assert set(conn.execute(select(tenants.c.id)).scalars()) == {"kept"}


def test_nested_transactions_get_their_own_connection(file_store: Store) -> None:
    with file_store.pinned():
        with file_store.read() as outer:
            outer.execute(select(func.count()).select_from(tenants))
            with file_store.read() as inner:  # the held one is in a transaction: a pooled connection
                assert inner is not outer
                assert inner.execute(select(func.count()).select_from(tenants)).scalar_one() == 0
        with file_store.read() as again:
            assert again is outer  # held again once its transaction ended


def test_other_threads_use_pooled_connections(file_store: Store) -> None:
    held: list[int] = []
    other: list[int] = []
    with file_store.pinned():
        with file_store.write() as conn:
            held.append(id(conn))

        def elsewhere() -> None:
            with file_store.write() as conn:
                other.append(id(conn))

        t = threading.Thread(target=elsewhere)
        t.start()
        t.join()
        with file_store.write() as conn:
            held.append(id(conn))
    assert held[0] == held[1] and other[0] != held[0]
