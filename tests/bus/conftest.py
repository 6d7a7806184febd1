"""Bus backends for the contract suite: the local (store-backed) bus and NATS JetStream on a real server."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from lily.bus.base import Bus
from lily.bus.local import LocalBus
from lily.store import Store
from lily.store.accounts import create_tenant
from tests.bus.natsserver import NatsServer

_names = itertools.count()
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
BusFactory = Callable[..., Bus]


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    """A SQLite store with the tenant ``acme`` (the bus tests' events are its)."""
    s = Store.from_url(sqlite_url)
    with s.write() as conn:
        create_tenant(conn, "acme", "Acme", T0)
    yield s
    s.dispose()


def nats_bus(store: Store, url: str, **kw: Any) -> Bus:
    """A NATS bus on its own stream, subjects and lease bucket, so tests sharing a server are isolated."""
    from lily.bus.nats import NatsBus

    n = f"{next(_names)}x{id(store) % 100000}"
    options: dict[str, Any] = {"partitions": 8, "ack_wait": 1.5, "lease_ttl": 6.0, **kw}
    return NatsBus(store, url, stream=f"T{n}", subject_prefix=f"t{n}.in", leases_bucket=f"leases{n}", **options)


@pytest.fixture(params=["local", "nats"])
def make_bus(request: pytest.FixtureRequest) -> Iterator[BusFactory]:
    """Builds buses of one backend over a given store; all are closed after the test."""
    created: list[Bus] = []

    def make(store: Store, **kw: Any) -> Bus:
        if request.param == "local":
            bus: Bus = LocalBus(store, partitions=kw.pop("partitions", 8), lease_seconds=kw.pop("lease_seconds", 3.0),
                                poll_interval=0.05)
        else:
            server: NatsServer = request.getfixturevalue("nats_server")
            kw.pop("lease_seconds", None)
            bus = nats_bus(store, server.url, **kw)
        created.append(bus)
        return bus

    yield make
    for bus in created:
        bus.close()
