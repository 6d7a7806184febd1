"""The bus port: how accepted inbound events travel to workers, and how consumers track the change feed.

One small interface, two backends: ``local`` (the store's inbox table is the queue; default) and
``nats`` (JetStream). Whatever the backend, the inbox table in the store is the record of each
event's status, and the worker settles an event (applied / failed / dead) in the same transaction
that applies it, or right after it where the inbox is a database of its own (``lily.inbound.settle``). The bus only moves events and redelivers what was not acknowledged, so delivery is
at-least-once and application is exactly-once (a redelivered event whose row is settled is skipped).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lily.model import Change
from lily.store import Store, feed


@dataclass(frozen=True)
class InboundMessage:
    """One accepted event: what the API hands to the bus and the worker gets back."""

    id: uuid.UUID
    tenant_id: str
    source: str
    key: str  # idempotency key (hex sha256 from the source)
    partition: int  # events of one partition are applied in order, one at a time
    payload: bytes  # the event's JSON, as split out of the request body
    received_at: datetime
    event_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    actor: str | None = None
    correlation_id: str | None = None

    @classmethod
    def fast(cls, id: uuid.UUID, tenant_id: str, source: str, key: str, partition: int, payload: bytes,
             received_at: datetime, event_type: str | None, headers: Mapping[str, str], actor: str | None,
             correlation_id: str | None) -> InboundMessage:
        """The same message as the constructor builds, every field given, at a quarter of the cost
        (the accept path builds one per event; a frozen ``__init__`` sets each field separately)."""
        self = object.__new__(cls)
        self.__dict__.update(id=id, tenant_id=tenant_id, source=source, key=key, partition=partition,
                             payload=payload, received_at=received_at, event_type=event_type, headers=headers,
                             actor=actor, correlation_id=correlation_id)
        return self

    def inbox_row(self) -> dict[str, Any]:
        """The inbox row recording this event as received (its ``headers`` may be the message's own dict:
        the messages of one request share theirs, and the inbox converts a shared object once)."""
        headers = self.headers
        return {
            "id": self.id, "tenant_id": self.tenant_id, "source": self.source, "event_type": self.event_type,
            "idempotency_key": self.key, "partition": self.partition, "payload": self.payload,
            "headers": headers if type(headers) is dict else dict(headers), "actor": self.actor,
            "correlation_id": self.correlation_id,
            "status": "received", "attempts": 0, "available_at": self.received_at,
            "received_at": self.received_at,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> InboundMessage:
        return cls(id=row["id"], tenant_id=row["tenant_id"], source=row["source"], key=row["idempotency_key"],
                   partition=row["partition"], payload=bytes(row["payload"]), received_at=_aware(row["received_at"]),
                   event_type=row["event_type"], headers=row["headers"] or {}, actor=row["actor"],
                   correlation_id=row["correlation_id"])


@dataclass
class Delivery:
    """A message handed to one worker. ``attempt`` counts deliveries, starting at 1."""

    message: InboundMessage
    attempt: int
    # True when the inbox row is leased to the worker (local bus): the worker must still hold the
    # lease when it settles the event. False when the bus itself tracks the lease (JetStream).
    leased: bool
    handle: Any = None  # backend-specific (a JetStream message)
    inbox_seq: int | None = None  # the inbox row's seq, when the bus read it (local bus)


class Consumer(ABC):
    """One worker's view of the bus."""

    worker_id: str

    @abstractmethod
    def fetch(self, max_messages: int, timeout: float) -> list[Delivery]:
        """Up to ``max_messages`` deliveries, waiting at most ``timeout`` seconds for the first."""

    @abstractmethod
    def ack(self, deliveries: Sequence[Delivery]) -> None:
        """The events are settled in the store (their transaction committed): never deliver them again."""

    @abstractmethod
    def nak(self, delivery: Delivery, delay: float, error: str) -> None:
        """A transient failure: deliver the event again after ``delay`` seconds."""

    @abstractmethod
    def in_progress(self, deliveries: Sequence[Delivery]) -> None:
        """Still working on these: extend their lease so they are not redelivered meanwhile."""

    @abstractmethod
    def close(self) -> None:
        """Stop consuming; unsettled deliveries go back to the bus."""


class Bus(ABC):
    name: str
    partitions: int
    lease_seconds: float  # an unacknowledged delivery is handed out again after this long

    def __init__(self, store: Store) -> None:
        self.store = store
        self.feed = ChangeFeed(store)

    @abstractmethod
    def publish(self, messages: Sequence[InboundMessage]) -> list[bool]:
        """Make the messages durable; returns, per message, True if new and False for a redelivery.

        Returns only once every message is durable (committed, or acknowledged by the server).
        """

    async def publish_async(self, messages: Sequence[InboundMessage]) -> list[bool]:
        """``publish`` for a caller on an event loop (the accept routes): the loop is not blocked."""
        return await asyncio.to_thread(self.publish, messages)

    @abstractmethod
    def consumer(self, worker_id: str) -> Consumer:
        """A consumer for one worker; several consumers share the load."""

    @abstractmethod
    def redeliver(self, message: InboundMessage) -> None:
        """Deliver a stored event again (replay); its inbox row was already put back to ``received``."""

    @abstractmethod
    def queue_depth(self) -> int:
        """Events waiting for a worker (or being worked on)."""

    def write_turn(self) -> contextlib.AbstractContextManager[None]:
        """Held by a worker around each of its catalog transactions (see ``lily.bus.gate``)."""
        return contextlib.nullcontext()

    def inbox_turn(self) -> contextlib.AbstractContextManager[None]:
        """Held by a worker around a transaction that writes only the inbox (claiming, settling)."""
        return contextlib.nullcontext()

    def producers_waiting(self) -> bool:
        """True while an accept request waits for a worker's write turn to end."""
        return False

    def release_dead_owners(self, prefix: str | None = None) -> int:
        """Hand back at once what workers that no longer exist held, instead of after the lease
        time: those this bus can tell are gone, and (``prefix``) the workers whose ids start with
        it (a process its supervisor saw exit). How many events; 0 where the bus cannot tell."""
        del prefix
        return 0

    def wake(self) -> None:  # noqa: B027 - optional hook
        """Tell local consumers that new events are there (in-process wake-up)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


class ChangeFeed:
    """The ordered per-tenant change feed with one durable offset per consumer (both backends).

    Changes are written by the store's apply path in the same transaction as the state they
    describe, so the store is the feed; a consumer commits its offset in the transaction of its own
    writes to process every change exactly once.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def pending(self, consumer: str, tenant_id: str, limit: int = 1000) -> list[Change]:
        with self.store.read() as conn:
            after = feed.get_offset(conn, consumer, tenant_id)
            return feed.changes_after(conn, tenant_id, after, limit)

    def offset(self, consumer: str, tenant_id: str) -> int:
        with self.store.read() as conn:
            return feed.get_offset(conn, consumer, tenant_id)

    def commit(self, consumer: str, tenant_id: str, seq: int, conn: Any = None) -> None:
        """Record progress; pass ``conn`` to commit inside the consumer's own transaction."""
        if conn is not None:
            feed.commit_offset(conn, consumer, tenant_id, seq, datetime.now(UTC))
            return
        with self.store.write() as own:
            feed.commit_offset(own, consumer, tenant_id, seq, datetime.now(UTC))

    def lag(self, consumer: str, tenant_id: str) -> int:
        """Changes written but not yet processed by ``consumer``."""
        from sqlalchemy import select

        from lily.store.tables import tenants

        with self.store.read() as conn:
            last = conn.execute(select(tenants.c.change_seq).where(tenants.c.id == tenant_id)).scalar() or 0
            return max(0, int(last) - feed.get_offset(conn, consumer, tenant_id))


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything Lily writes is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
