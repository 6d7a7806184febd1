"""JetStream partition leases that lapse while their worker lives (its renewals timed out: a
nats-server restart, a stalled machine): the worker takes the partition again and pulls from it.
Before, a lease lost and taken again in one rebalance left the partition held, renewed and read by
nobody (the winding down of the old puller stopped the new one): its events waited for ever, as
in a cluster fault run where 261 accepted events were never applied."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from lily.bus.base import Bus, Delivery
from lily.bus.nats import NatsConsumer
from lily.store import Store
from tests.bus.conftest import nats_bus
from tests.bus.natsserver import NatsServer
from tests.bus.test_bus_contract import message, settle

PARTITIONS = 4


@pytest.fixture
def bus(store: Store, nats_server: NatsServer) -> Iterator[Bus]:
    b = nats_bus(store, nats_server.url, partitions=PARTITIONS)
    yield b
    b.close()


def lapse(bus: Bus, partition: int) -> None:
    """The lease expires behind its holder's back (as it does when renewals time out for a TTL)."""
    kv = bus._kv  # type: ignore[attr-defined]
    bus.call(kv.purge(f"p.{partition}"))  # type: ignore[attr-defined]


def wait_owned(consumer: NatsConsumer, partitions: set[int], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while set(consumer.owned) != partitions and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(consumer.owned) == partitions


def read(bus: Bus, consumer: NatsConsumer, want: int, timeout: float = 15.0) -> list[Delivery]:
    """What the worker does, until ``want`` deliveries came (or ``timeout``)."""
    got: list[Delivery] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        batch = consumer.fetch(100, 0.2)
        if batch:
            settle(bus, consumer, batch)
            got += batch
    return got


@pytest.mark.parametrize("lapsed", [{0}, {0, 2}, set(range(PARTITIONS))])
def test_a_lapsed_lease_is_taken_again_and_its_partition_read(store: Store, bus: Bus, lapsed: set[int]) -> None:
    consumer = bus.consumer("w1")
    assert isinstance(consumer, NatsConsumer)
    try:
        wait_owned(consumer, set(range(PARTITIONS)))
        for p in lapsed:
            lapse(bus, p)
        # Two rebalances: the lease is found lost, taken again, and the old puller wound down.
        time.sleep(3 * consumer.rebalance_interval + 1.5)
        wait_owned(consumer, set(range(PARTITIONS)))
        bus.publish([message(n, partition=n % PARTITIONS) for n in range(40)])
        got = read(bus, consumer, 40)
        by_partition = {p: sum(1 for d in got if d.message.partition == p) for p in range(PARTITIONS)}
        assert by_partition == {p: 10 for p in range(PARTITIONS)}, \
            f"lapsed {sorted(lapsed)}; pullers alive: {sorted(p for p, t in consumer._pullers.items() if not t.done())}"
    finally:
        consumer.close()


def test_a_partition_whose_puller_ended_is_read_again(store: Store, bus: Bus) -> None:
    consumer = bus.consumer("w1")
    assert isinstance(consumer, NatsConsumer)
    try:
        wait_owned(consumer, set(range(PARTITIONS)))
        ended = consumer._pullers[1]
        bus._loop.call_soon_threadsafe(ended.cancel)  # type: ignore[attr-defined]  # (as an error would end it)
        bus.publish([message(n, partition=n % PARTITIONS) for n in range(40)])
        got = read(bus, consumer, 40)
        assert sorted(d.message.partition for d in got) == sorted(n % PARTITIONS for n in range(40))
        assert ended.done() and consumer._pullers[1] is not ended
    finally:
        consumer.close()


def test_a_renewal_whose_answer_was_lost_keeps_the_lease(store: Store, bus: Bus) -> None:
    """The lease's revision moved on with this worker's own value (its renewal went through, the
    answer did not come back): still its lease, nothing handed back, the same puller reads on."""
    consumer = bus.consumer("w1")
    assert isinstance(consumer, NatsConsumer)
    try:
        wait_owned(consumer, set(range(PARTITIONS)))
        puller = consumer._pullers[0]
        kv = bus._kv  # type: ignore[attr-defined]
        bus.call(kv.put("p.0", consumer.key.encode()))  # type: ignore[attr-defined]
        time.sleep(3 * consumer.rebalance_interval + 0.5)
        assert set(consumer.owned) == set(range(PARTITIONS)) and consumer._pullers[0] is puller
        bus.publish([message(n, partition=n % PARTITIONS) for n in range(40)])
        assert len(read(bus, consumer, 40)) == 40
    finally:
        consumer.close()
