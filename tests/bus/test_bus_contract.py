"""One contract, two backends: publish / fetch / settle+ack / nak / lease expiry / partition order."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from lily.bus.base import Bus, Consumer, Delivery, InboundMessage
from lily.model.identity import event_id
from lily.store import Store, inbox
from tests.bus.conftest import T0, BusFactory


def message(n: int, partition: int = 0, tenant: str = "acme") -> InboundMessage:
    key = f"{n:064x}"
    return InboundMessage(id=event_id(tenant, "generic", key), tenant_id=tenant, source="generic", key=key,
                          partition=partition, payload=b'{"n": %d}' % n, received_at=T0, event_type="asset.created",
                          headers={"user-agent": "t"}, actor="api_key:test", correlation_id=f"c{n}")


def settle(bus: Bus, consumer: Consumer, deliveries: Sequence[Delivery]) -> None:
    """What the worker does: settle the inbox rows in the consumer's transaction (each event once,
    none another worker has now), then acknowledge."""
    with consumer.transaction(deliveries) as txn:
        latest = {d.message.id: d for d in deliveries if d.message.id not in txn.skip}
        txn.settle([(d, inbox.Outcome(inbox.APPLIED, datetime.now(UTC), d.attempt)) for d in latest.values()])
    consumer.ack(deliveries)


def collect(consumers: Sequence[Consumer], want: int, timeout: float = 10.0) -> list[tuple[Consumer, Delivery]]:
    got: list[tuple[Consumer, Delivery]] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        for c in consumers:
            got += [(c, d) for d in c.fetch(100, 0.2)]
    return got


def test_publish_is_durable_and_recognises_redeliveries(store: Store, make_bus: BusFactory) -> None:
    bus = make_bus(store)
    assert bus.publish([message(1), message(2), message(1)]) == [True, True, False]
    assert bus.publish([message(2)]) == [False]
    assert bus.publish([]) == []
    consumer = bus.consumer("w1")
    got = collect([consumer], 2)
    assert sorted(d.message.key for _, d in got) == [message(1).key, message(2).key]
    consumer.close()


def test_fetch_round_trips_every_field(store: Store, make_bus: BusFactory) -> None:
    bus = make_bus(store)
    sent = message(7, partition=3)
    bus.publish([sent])
    consumer = bus.consumer("w1")
    [(_, delivery)] = collect([consumer], 1)
    assert delivery.message == sent
    assert delivery.attempt == 1
    consumer.close()


def test_settled_events_are_not_delivered_again(store: Store, make_bus: BusFactory) -> None:
    bus = make_bus(store)
    bus.publish([message(i, partition=i % 3) for i in range(6)])
    consumer = bus.consumer("w1")
    got = collect([consumer], 6)
    assert len(got) == 6
    settle(bus, consumer, [d for _, d in got])
    time.sleep(2.0)  # past the lease / ack wait: nothing comes back
    assert consumer.fetch(100, 0.5) == []
    deadline = time.monotonic() + 5
    while bus.queue_depth() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bus.queue_depth() == 0
    consumer.close()


def test_nak_redelivers_after_the_delay(store: Store, make_bus: BusFactory) -> None:
    bus = make_bus(store)
    bus.publish([message(1)])
    consumer = bus.consumer("w1")
    [(_, first)] = collect([consumer], 1)
    started = time.monotonic()
    consumer.nak(first, 0.5, "database is locked")
    [(_, again)] = collect([consumer], 1)
    assert time.monotonic() - started >= 0.4
    assert again.message.id == first.message.id and again.attempt == 2
    settle(bus, consumer, [again])
    consumer.close()


def test_an_unacknowledged_event_is_delivered_again_after_the_lease(store: Store, make_bus: BusFactory) -> None:
    bus = make_bus(store)
    bus.publish([message(1)])
    a, b = bus.consumer("wa"), bus.consumer("wb")
    [(_, first)] = collect([a, b], 1)
    # Nobody settles it (a worker died mid-way): after the lease it comes back, one attempt later.
    [(_, again)] = collect([a, b], 1, timeout=15)
    assert again.message.id == first.message.id and again.attempt == 2
    a.close()
    b.close()


def test_one_partition_in_order_and_never_at_two_consumers(store: Store, make_bus: BusFactory) -> None:
    bus = make_bus(store)
    bus.publish([message(i, partition=i % 8) for i in range(40)])
    a = bus.consumer("wa")
    [held] = a.fetch(1, 5.0)  # a is stuck on the first event of one partition; the rest waits behind it
    stuck = held.message.partition
    b = bus.consumer("wb")
    deliveries: list[tuple[str, Delivery]] = [("wa", held)]
    waiting: list[Delivery] | None = []
    started, second_wave = time.monotonic(), False
    while len({d.message.id for _, d in deliveries}) < 80 and time.monotonic() < started + 20:
        if not second_wave and time.monotonic() > started + 2:  # by now b holds its share of partitions
            bus.publish([message(i, partition=i % 8) for i in range(40, 80)])
            second_wave = True
        for c in (a, b):
            got = c.fetch(3, 0.1)
            deliveries += [(c.worker_id, d) for d in got]
            if waiting is not None:
                assert c is a or stuck not in {d.message.partition for d in got}, "partition at two consumers"
                waiting += [d for d in got if c is a and d.message.partition == stuck]
            settle(bus, c, [d for d in got if waiting is None or c is b or d.message.partition != stuck])
        if waiting is not None and time.monotonic() > started + 5:
            settle(bus, a, [held, *waiting])  # a gets unstuck; the partition may move on from now
            waiting = None
    assert {w for w, _ in deliveries} == {"wa", "wb"}, "the second consumer got no share of the partitions"
    first: dict[object, Delivery] = {}
    for _, d in deliveries:
        if d.message.id in first:
            assert d.attempt > 1  # only a redelivery (lease ran out) may repeat an event
        first.setdefault(d.message.id, d)
    for p in range(8):
        order = [int(d.message.key, 16) for d in first.values() if d.message.partition == p]
        assert order == sorted(order), f"partition {p} out of order: {order}"
    assert len(first) == 80
    a.close()
    b.close()


def test_replay_redelivers_a_settled_event(store: Store, make_bus: BusFactory) -> None:
    bus = make_bus(store)
    sent = message(1)
    bus.publish([sent])
    consumer = bus.consumer("w1")
    settle(bus, consumer, [d for _, d in collect([consumer], 1)])
    assert bus.replay("acme", sent.id)["status"] == "received"
    [(_, again)] = collect([consumer], 1)
    assert again.message.id == sent.id and again.message.payload == sent.payload
    consumer.close()
