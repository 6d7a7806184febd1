"""The bus port: how accepted inbound events travel to workers and how a worker's transaction settles
them.

One small interface, two backends: ``local`` (the store's inbox table is the queue; default) and
``nats`` (JetStream). Whatever the backend, the inbox table in the store is the record of each
event's status. A bus only moves events and redelivers what was not acknowledged, so delivery is
at-least-once; application is exactly-once because the worker applies a batch in a transaction
the bus opens for it (``Consumer.transaction``) and settles the events' inbox rows through it:

- here (``Settling``), where the inbox shares the catalog's database (PostgreSQL, SQLite in
  memory), each row is settled by a conditional update in that very transaction, so state,
  changes and status commit together, and a row another worker leased or settled meanwhile rolls
  the transaction back (``LeaseLost``);
- a SQLite catalog file keeps its inbox in a file of its own, which takes a second commit and the
  applied-event markers that make it safe (``lily.bus.local.sqlite_file``).

``settling_for`` picks one by the store's layout, for either backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from lily.store import Store, inbox


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
    handle: Any = None  # backend-specific (a JetStream message)
    inbox_seq: int | None = None  # the inbox row's seq, when the bus read the row


class LeaseLost(Exception):
    """Settling found events that are not the worker's to settle any more: another worker leased or
    settled them meanwhile. The transaction is rolled back; ``ids`` (known once it is) are those."""

    def __init__(self) -> None:
        super().__init__("events taken over by another worker meanwhile")
        self.ids: set[uuid.UUID] = set()


class Unsettled(Exception):
    """The transaction committed but the bus could not settle its events: hand them back, and their
    next delivery settles them (without applying them again)."""


class Transaction:
    """One catalog transaction of a worker over some deliveries, and the settling of their inbox rows.

    The worker applies in ``conn`` every delivery except those in ``skip`` (not its own to apply
    any more) and in ``done`` (applied by an attempt that died before settling it: only settled,
    with the outcome recorded then), and calls ``settle`` once with every outcome.
    """

    def __init__(self, conn: Connection, owner: str | None) -> None:
        self.conn = conn
        self.owner = owner  # the lease owner the rows must still have; None: a bus carrying events itself
        self.skip: set[uuid.UUID] = set()
        self.done: dict[uuid.UUID, inbox.Outcome] = {}

    def settle(self, outcomes: Sequence[tuple[Delivery, inbox.Outcome]]) -> None:
        """Settle the inbox rows in this transaction, all of them, or raise ``LeaseLost``."""
        if not inbox.settle(self.conn, self.owner, [self.row(d, o) for d, o in outcomes]):
            raise LeaseLost

    def row(self, delivery: Delivery, outcome: inbox.Outcome) -> inbox.Settle:
        message = delivery.message
        return inbox.Settle(message.id, message.tenant_id, outcome, seq=delivery.inbox_seq,
                            received=None if self.owner is not None else message.inbox_row())


class Settling:
    """How a bus writes the store's inbox where it shares the catalog's database: every row settled
    in the worker's catalog transaction (``Transaction``), nothing to take turns on, nothing that
    tells which workers are alive. ``lily.bus.local.sqlite_file`` is the other way."""

    owners: Any = None  # which lease owners still exist, where it can be told (``OwnerLocks``)
    gate: Any = None  # producers and workers take turns writing the inbox here (``WriteGate``)

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextlib.contextmanager
    def transaction(self, deliveries: Sequence[Delivery], owner: str | None) -> Iterator[Transaction]:
        """A catalog transaction for ``deliveries``, committed when the block ends."""
        try:
            with self.store.write() as conn:
                yield Transaction(conn, owner)
        except LeaseLost as lost:
            lost.ids = self.not_ours(deliveries, owner)
            raise

    def not_ours(self, deliveries: Sequence[Delivery], owner: str | None) -> set[uuid.UUID]:
        """Those of ``deliveries`` whose rows are settled, or (``owner``) not leased to it."""
        with self.store.inbox_read() as conn:
            rows = inbox.leases(conn, [d.message.id for d in deliveries])
        return {eid for eid, (status, holder) in rows.items()
                if status in inbox.SETTLED or (owner is not None and (status != inbox.RECEIVED or holder != owner))}

    def turn(self) -> contextlib.AbstractContextManager[None]:
        """Held around a worker's write of the inbox alone (claiming, handing back, settling)."""
        return contextlib.nullcontext()

    def forget(self, ids: Sequence[uuid.UUID]) -> None:
        """Before ``ids`` are delivered again by a replay: drop what records their last application."""

    def close(self) -> None:
        """Release what the settling holds."""


def settling_for(store: Store) -> Settling:
    """How inbox rows are settled, by the store's layout: the one place that looks at it."""
    if store.inbox_apart:
        from lily.bus.local.sqlite_file import FileSettling  # it builds on this module

        return FileSettling(store)
    return Settling(store)


class Consumer(ABC):
    """One worker's view of the bus."""

    worker_id: str
    bus: Bus
    owner: str | None = None  # the lease owner of its inbox rows (local bus); None: the bus carries events

    @abstractmethod
    def fetch(self, max_messages: int, timeout: float) -> list[Delivery]:
        """Up to ``max_messages`` deliveries, waiting at most ``timeout`` seconds for the first."""

    def transaction(self, deliveries: Sequence[Delivery]) -> contextlib.AbstractContextManager[Transaction]:
        """The catalog transaction that applies and settles ``deliveries`` (``Transaction``)."""
        return self.bus.settling.transaction(deliveries, self.owner)

    @abstractmethod
    def ack(self, deliveries: Sequence[Delivery]) -> None:
        """The events are settled in the store (their transaction committed): never deliver them again."""

    @abstractmethod
    def nak(self, delivery: Delivery, delay: float, error: str) -> None:
        """A transient failure: deliver the event again after ``delay`` seconds."""

    @abstractmethod
    def in_progress(self, deliveries: Sequence[Delivery]) -> None:
        """Still working on these: extend their lease so they are not redelivered meanwhile."""

    def partitions_owned(self) -> int | None:
        """How many partitions this consumer holds for itself; None when the bus assigns none to workers
        (the local bus leases a partition per fetch)."""
        return None

    @abstractmethod
    def close(self) -> None:
        """Stop consuming; unsettled deliveries go back to the bus."""


class ReplayRefused(Exception):
    """A replay that cannot be done: ``status`` is the HTTP answer (404 unknown, 409 not settled)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class Bus(ABC):
    name: str
    partitions: int
    lease_seconds: float  # an unacknowledged delivery is handed out again after this long

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settling = settling_for(store)

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
        """Deliver a stored event again; its inbox row was already put back to ``received``."""

    def replay(self, tenant_id: str, event_id: uuid.UUID) -> dict[str, Any]:
        """Put a settled event back to ``received`` and deliver it again; its inbox row. An event no
        worker has settled yet is refused: it will be applied anyway."""
        with self.store.inbox_read() as conn:
            current = inbox.get_event(conn, tenant_id, event_id)
        if current is None:
            raise ReplayRefused(404, f"event {event_id} not found")
        if current["status"] not in inbox.SETTLED:
            raise ReplayRefused(409, f"event {event_id} is still {current['status']}: a worker has yet to settle it")
        self.settling.forget([event_id])
        with self.settling.turn(), self.store.inbox_write() as conn:
            row = inbox.reset_for_replay(conn, tenant_id, event_id, datetime.now(UTC))
        if row is None:
            raise ReplayRefused(409, f"event {event_id} is being replayed already")
        self.redeliver(InboundMessage.from_row(row))
        return row

    @abstractmethod
    def queue_depth(self) -> int:
        """Events waiting for a worker (or being worked on)."""

    def release_dead_owners(self, prefix: str | None = None) -> int:
        """Hand back at once what workers that no longer exist held, instead of after the lease
        time: those this bus can tell are gone, and (``prefix``) the workers whose ids start with
        it (a process its supervisor saw exit). How many were released; 0 where the bus cannot tell."""
        del prefix
        return 0

    def wake(self) -> None:  # noqa: B027 - optional hook
        """Tell local consumers that new events are there (in-process wake-up)."""

    def listen(self, fd: int, on_eof: Callable[[], None]) -> None:
        """Worker-process side: ``fd`` is the read end of the wake pipe of the ``lily serve`` that
        started us; ``on_eof`` runs when the server is gone. A bus that pushes events (NATS) needs
        no wake-ups: the pipe only tells that."""

        def watch() -> None:
            with contextlib.suppress(OSError):
                os.set_blocking(fd, True)
                while os.read(fd, 4096):  # (retried on EINTR) until every write end is closed
                    pass
            on_eof()

        threading.Thread(target=watch, name="lily-parent-watch", daemon=True).start()

    def close(self) -> None:
        """Release connections."""
        self.settling.close()


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything Lily writes is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
