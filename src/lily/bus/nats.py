"""NATS JetStream bus: a durable stream of inbound events, partitioned so each asset stays in order.

Layout:

- stream ``LILY_INBOUND`` (file storage, work-queue retention: an acknowledged event leaves the
  stream) over ``<prefix>.<partition>.<source>``; the publish carries ``Nats-Msg-Id`` =
  tenant:source:idempotency key, so JetStream drops redeliveries within its duplicate window (the
  inbox's unique key catches later ones);
- one durable pull consumer per partition (``lily-inbound-p<n>``) with explicit acks and ``ack_wait``
  before redelivery; deliveries are not capped (``max_deliver`` -1): the worker alone decides that an
  event is dead, in its inbox row, and an event JetStream stopped delivering would stay unsettled for
  ever (a database outage longer than the worker's backoffs used to do that);
- partition leases in the KV bucket ``lily_inbound_leases`` (TTL ``lease_ttl``), renewed while a
  worker lives: every live worker takes its fair share of partitions and pulls only from those, so
  the events of one partition are handled by one worker at a time, in stream order. The lease TTL is
  longer than ``ack_wait``: by the time a dead worker's lease expires, its unacknowledged events are
  due for redelivery and reach the next owner before newer ones. A lease that lapses while its
  worker lives (renewals that waited out a nats-server restart) is let go at once, and may be taken
  again in the same round with a puller of its own (``_let_go``); one whose renewal went through
  unanswered is kept (``_still_ours``).

A worker that is known to be dead need not be waited for (``release_dead_owners``): where the
store's settling can tell which workers still exist (``Settling.owners``), and when a supervisor saw
its worker process exit. The partitions such a worker held get a fresh durable consumer (its
unacknowledged deliveries went to a dead client; the new consumer hands every message still in the
work queue out again at once, in stream order, where a next owner pulling before ``ack_wait`` would
get newer messages first) and their leases are deleted, so the next owner pulls them in order right
away. Otherwise ``ack_wait`` (``LILY_NATS_ACK_WAIT_SECONDS``, short) plus the lease TTL is the bound.
Exactly-once never depends on it: the worker's transaction settles each event's inbox row
(``Consumer.transaction``), and an event settled already is not applied again.

The client runs on its own event loop in a daemon thread; the :class:`Bus` methods are synchronous
so the API's worker threads and the inbound workers use the same interface as the local bus.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import re
import threading
import uuid
from collections.abc import Coroutine, Sequence
from datetime import datetime
from typing import Any, TypeVar

import nats
import orjson
from nats.js import api
from nats.js.errors import (
    BadRequestError,
    KeyWrongLastSequenceError,
    NoKeysError,
    NotFoundError,
)
from nats.js.kv import KeyValue

from lily.bus.base import Bus, Consumer, Delivery, InboundMessage
from lily.observability import log
from lily.store import Store

SWEEP_SECONDS = 2.0  # how often a consumer looks for workers that died (the lease TTL bounds it otherwise)
CONNECT_TIMEOUT = 5.0
DUPLICATE_WINDOW = 120.0  # seconds JetStream drops a republished event by its Nats-Msg-Id
PREFETCH = 256  # messages a consumer buffers, shared by the partitions it owns
PULL_TIMEOUT = 1.0

T = TypeVar("T")
_KEY_SAFE = re.compile(r"[^-_a-zA-Z0-9]")
_H = "Lily-"  # header prefix


class NatsBus(Bus):
    name = "nats"

    def __init__(self, store: Store, url: str, *, partitions: int = 64, stream: str = "LILY_INBOUND",
                 subject_prefix: str = "lily.inbound", ack_wait: float = 30.0, max_deliver: int = -1,
                 lease_ttl: float | None = None, leases_bucket: str = "lily_inbound_leases") -> None:
        super().__init__(store)
        self.url = url
        self.partitions = partitions
        self.stream = stream
        self.prefix = subject_prefix
        self.ack_wait = ack_wait
        self.lease_seconds = ack_wait
        self.max_deliver = max_deliver
        self.lease_ttl = lease_ttl if lease_ttl is not None else ack_wait + 2.0
        self.leases_bucket = leases_bucket
        self.owners = self.settling.owners  # which workers still exist, where the store can tell
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lily-nats", daemon=True)
        self._thread.start()
        self._nc: Any = None
        self._js: Any = None
        self._kv: KeyValue | None = None
        self.call(self._connect(), timeout=CONNECT_TIMEOUT + 10)

    # ------------------------------------------------------------------------------- plumbing
    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30.0) -> T:
        """Run ``coro`` on the bus's loop and wait for its result (from any other thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def durable(self, partition: int) -> str:
        return f"lily-inbound-p{partition}"

    async def _connect(self) -> None:
        self._nc = await nats.connect(self.url, name="lily", connect_timeout=CONNECT_TIMEOUT,
                                      max_reconnect_attempts=-1, allow_reconnect=True)
        self._js = self._nc.jetstream()
        config = api.StreamConfig(
            name=self.stream, subjects=[f"{self.prefix}.>"], retention=api.RetentionPolicy.WORK_QUEUE,
            storage=api.StorageType.FILE, duplicate_window=DUPLICATE_WINDOW)
        try:
            await self._js.add_stream(config)
        except Exception:  # exists: bring its config up to date (idempotent)
            await self._js.update_stream(config)
        for p in range(self.partitions):
            await self._js.add_consumer(self.stream, self._consumer_config(p))  # or update (ack_wait)
        try:
            self._kv = await self._js.create_key_value(bucket=self.leases_bucket, ttl=self.lease_ttl, history=1)
        except BadRequestError:
            # The bucket exists with another TTL (an ack wait set differently before): take this one.
            info = await self._js.stream_info(f"KV_{self.leases_bucket}")
            info.config.max_age = self.lease_ttl
            # (as create_key_value sets it: the duplicate window may not exceed the TTL)
            info.config.duplicate_window = min(info.config.duplicate_window or self.lease_ttl, self.lease_ttl)
            await self._js.update_stream(info.config)
            self._kv = await self._js.key_value(self.leases_bucket)

    def _consumer_config(self, p: int) -> api.ConsumerConfig:
        return api.ConsumerConfig(
            durable_name=self.durable(p), filter_subject=f"{self.prefix}.{p}.>",
            ack_policy=api.AckPolicy.EXPLICIT, ack_wait=self.ack_wait, max_deliver=self.max_deliver,
            max_ack_pending=10_000)

    # ------------------------------------------------------------------------ dead workers
    def release_dead_owners(self, prefix: str | None = None) -> int:
        """(``Bus``) Here the partitions they held, handed to the next owner (module docstring)."""
        return self.call(self._release_dead(prefix))

    async def _release_dead(self, prefix: str | None, *, everything: bool = True) -> int:
        """``everything``: look at every partition lease; otherwise only when a live-looking worker
        (a heartbeat key) is found dead (the periodic sweep; a dead worker's leases and heartbeat
        expire together)."""
        kv = self._kv
        assert kv is not None
        if self.owners is None and not prefix:
            return 0  # nothing tells the dead here (a PostgreSQL store): ack wait and lease TTL bound it
        try:
            keys = await kv.keys()
        except (NoKeysError, NotFoundError):
            return 0
        workers = {k[2:] for k in keys if k.startswith("w.")}
        wanted = _KEY_SAFE.sub("_", prefix) if prefix else None
        dead = self._dead(workers, wanted)
        if not dead and not everything:
            return 0

        async def holder(key: str) -> tuple[int, str, int] | None:
            try:
                entry = await kv.get(key)
            except NotFoundError:  # released (deleted) or expired meanwhile
                return None
            return (int(key[2:]), entry.value.decode(), int(entry.revision)) if entry.value else None

        held = [h for h in await asyncio.gather(*(holder(k) for k in keys if k.startswith("p."))) if h]
        dead |= self._dead({owner for _, owner, _ in held} - dead, wanted)
        if not dead:
            return 0
        released = 0
        for p, owner, revision in sorted(held):
            if owner not in dead or await holder(f"p.{p}") != (p, owner, revision):
                continue  # (taken over by a live worker meanwhile: leave its consumer alone)
            # A fresh consumer (module docstring); nobody pulls from it meanwhile: the lease is still
            # the dead worker's until we delete it, after.
            with contextlib.suppress(NotFoundError):
                await self._js.delete_consumer(self.stream, self.durable(p))
            await self._js.add_consumer(self.stream, self._consumer_config(p))
            with contextlib.suppress(KeyWrongLastSequenceError, NotFoundError):
                await kv.delete(f"p.{p}", last=revision)
                released += 1
        for owner in dead & workers:
            with contextlib.suppress(Exception):
                await kv.delete(f"w.{owner}")
        if self.owners is not None:
            self.owners.forget(sorted(dead))
        log.warning("nats_dead_workers_released", owners=sorted(dead), partitions=released)
        return released

    def _dead(self, owners: set[str], prefix: str | None) -> set[str]:
        dead = {o for o in owners if prefix and o.startswith(prefix)}
        if self.owners is not None:
            # No file is not proof here: a worker elsewhere (another machine) may share the stream.
            dead |= set(self.owners.dead(sorted(owners - dead), missing_is_dead=False))
        return dead

    # --------------------------------------------------------------------------------- publish
    def publish(self, messages: Sequence[InboundMessage]) -> list[bool]:
        if not messages:
            return []
        return self.call(self._publish_all(messages))

    async def _publish_all(self, messages: Sequence[InboundMessage]) -> list[bool]:
        acks = await asyncio.gather(*(self._publish(m, f"{m.tenant_id}:{m.source}:{m.key}") for m in messages))
        seen: set[uuid.UUID] = set()
        out = []
        for message, ack in zip(messages, acks, strict=True):
            out.append(not ack.duplicate and message.id not in seen)
            seen.add(message.id)
        return out

    async def _publish(self, m: InboundMessage, msg_id: str) -> Any:
        headers = {
            "Nats-Msg-Id": msg_id, f"{_H}Id": str(m.id), f"{_H}Tenant": m.tenant_id, f"{_H}Source": m.source,
            f"{_H}Key": m.key, f"{_H}Partition": str(m.partition), f"{_H}Received-At": m.received_at.isoformat(),
            f"{_H}Headers": orjson.dumps(dict(m.headers)).decode(),
        }
        for name, value in ((f"{_H}Event-Type", m.event_type), (f"{_H}Actor", m.actor),
                            (f"{_H}Correlation-Id", m.correlation_id)):
            if value:
                headers[name] = value
        return await self._js.publish(f"{self.prefix}.{m.partition}.{m.source}", m.payload, headers=headers,
                                      stream=self.stream)

    def redeliver(self, message: InboundMessage) -> None:
        # A fresh message id: the duplicate window must not swallow a deliberate replay.
        self.call(self._publish(message, f"replay:{uuid.uuid4()}"))

    def queue_depth(self) -> int:
        return int(self.call(self._js.stream_info(self.stream), timeout=5.0).state.messages)

    def consumer(self, worker_id: str) -> NatsConsumer:
        return NatsConsumer(self, worker_id)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        super().close()
        with contextlib.suppress(Exception):
            self.call(self._shutdown(), timeout=10.0)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5.0)
        if not self._thread.is_alive():
            self._loop.close()

    async def _shutdown(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()
            self._nc = None
        # Whatever is still pending (pulls of consumers not closed) ends with the loop.
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _back_to_stream(buffer: collections.deque[Any]) -> None:
    """Nak pulled messages nobody will process here: JetStream delivers them again."""
    for msg in buffer:
        with contextlib.suppress(Exception):
            await msg.nak()


def message_of(msg: Any) -> InboundMessage:
    h = msg.headers or {}
    return InboundMessage(
        id=uuid.UUID(h[f"{_H}Id"]), tenant_id=h[f"{_H}Tenant"], source=h[f"{_H}Source"], key=h[f"{_H}Key"],
        partition=int(h[f"{_H}Partition"]), payload=msg.data, received_at=datetime.fromisoformat(h[f"{_H}Received-At"]),
        event_type=h.get(f"{_H}Event-Type"), headers=orjson.loads(h.get(f"{_H}Headers") or "{}"),
        actor=h.get(f"{_H}Actor"), correlation_id=h.get(f"{_H}Correlation-Id"))


class NatsConsumer(Consumer):
    """A worker's share of the partitions: leases them, pulls from them, hands messages out in order."""

    def __init__(self, bus: NatsBus, worker_id: str) -> None:
        self.bus = bus
        self.worker_id = worker_id
        self.key = _KEY_SAFE.sub("_", worker_id)
        # Often enough to renew leases and keep buffered messages within their ack wait.
        self.rebalance_interval = max(0.2, min(2.0, bus.lease_ttl / 4, bus.ack_wait / 3))
        self.owned: dict[int, int] = {}  # partition -> lease revision
        self._pullers: dict[int, asyncio.Task[None]] = {}
        self._buffers: dict[int, collections.deque[Any]] = {}
        self._outstanding: collections.Counter[int] = collections.Counter()
        self._draining: dict[int, int] = {}  # partitions being handed back -> lease revision
        self._releases: set[asyncio.Task[None]] = set()
        self._ready = asyncio.Event()
        self._space = asyncio.Condition()
        self._closed = False
        self._next_sweep = 0.0
        # Alive (to other workers' sweeps) from before its first lease until it has handed them back.
        self._lock_fd = bus.owners.hold(self.key) if bus.owners is not None else None
        self._rebalancer = bus.call(self._start())

    async def _start(self) -> asyncio.Task[None]:
        await self._sweep(everything=True)  # a start after a crash: what the dead held is ours to take now
        await self._rebalance()  # own something before the first fetch
        return asyncio.get_running_loop().create_task(self._rebalance_forever())

    async def _sweep(self, *, everything: bool = False) -> None:
        loop = asyncio.get_running_loop()
        if not everything and loop.time() < self._next_sweep:
            return
        self._next_sweep = loop.time() + SWEEP_SECONDS
        try:
            await self.bus._release_dead(None, everything=everything)
        except nats.errors.ConnectionClosedError:
            raise
        except Exception:  # the lease TTL remains the bound
            log.exception("nats_dead_worker_sweep_failed", worker=self.worker_id)

    # --------------------------------------------------------------------------- partition leases
    async def _rebalance_forever(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.rebalance_interval)
            try:
                await self._revive_pullers()
                await self._touch_buffered()
                await self._sweep()
                await self._rebalance()
            except nats.errors.ConnectionClosedError:
                return
            except Exception:  # NATS hiccup: keep the leases we can, try again next tick
                log.exception("nats_rebalance_failed", worker=self.worker_id)

    async def _rebalance(self) -> None:
        kv = self.bus._kv
        assert kv is not None
        await kv.put(f"w.{self.key}", b"1")  # heartbeat: counts this worker as live
        try:
            live = sum(1 for k in await kv.keys() if k.startswith("w."))
        except (NoKeysError, NotFoundError):
            live = 1
        target = math.ceil(self.bus.partitions / max(1, live))
        await self._renew(kv)
        extra = len(self.owned) - target
        for p in sorted(self.owned, reverse=True):  # hand back the surplus once nothing of it is in flight
            if extra <= 0:
                break
            if self._outstanding[p] == 0:
                self._release_soon(p)
                extra -= 1
        if len(self.owned) >= target:
            return
        start = uuid.uuid5(uuid.NAMESPACE_OID, self.key).int % self.bus.partitions  # spread the first picks
        for i in range(self.bus.partitions):
            p = (start + i) % self.bus.partitions
            if p in self.owned or p in self._draining:
                continue
            try:
                self.owned[p] = await kv.create(f"p.{p}", self.key.encode())
            except KeyWrongLastSequenceError:
                continue
            self._buffers[p] = collections.deque()
            await self._start_puller(p)
            if len(self.owned) >= target:
                break

    async def _start_puller(self, p: int) -> None:
        sub = await self.bus._js.pull_subscribe_bind(durable=self.bus.durable(p), stream=self.bus.stream)
        self._pullers[p] = asyncio.get_running_loop().create_task(self._pull(p, sub))

    async def _revive_pullers(self) -> None:
        """A partition held must be read: start a puller where none runs (its start failed, say
        during a nats-server restart, or it ended on an error)."""
        for p in sorted(self.owned):
            task = self._pullers.get(p)
            if task is None or task.done():
                error = task.exception() if task is not None and not task.cancelled() else None
                log.warning("nats_puller_restarted", worker=self.worker_id, partition=p,
                            error=repr(error) if error else None)
                self._buffers.setdefault(p, collections.deque())
                await self._start_puller(p)

    async def _renew(self, kv: KeyValue) -> None:
        """Renew every lease held, including those being handed back; a lost lease stops its pulls."""
        held = [(p, r, False) for p, r in self.owned.items()] + [(p, r, True) for p, r in self._draining.items()]

        async def renew(p: int, revision: int, draining: bool) -> None:
            try:
                fresh = await kv.update(f"p.{p}", self.key.encode(), last=revision)
            except KeyWrongLastSequenceError:
                latest = await self._still_ours(kv, p)
                if latest is None:
                    log.warning("nats_lease_lost", worker=self.worker_id, partition=p)
                    if not draining:
                        self._let_go(p)
                    return
                fresh = latest
            (self._draining if draining else self.owned)[p] = fresh

        await asyncio.gather(*(renew(*h) for h in held))

    async def _still_ours(self, kv: KeyValue, p: int) -> int | None:
        """The lease's revision if its latest value is this worker's: a renewal went through but its
        answer was lost (the server restarted before sending it). None: lapsed, or another's."""
        try:
            entry = await kv.get(f"p.{p}")
        except NotFoundError:  # expired, purged or deleted
            return None
        return int(entry.revision) if entry.value == self.key.encode() else None

    def partitions_owned(self) -> int | None:
        return len(self.owned)  # read from the metrics thread: a len() of a dict the loop mutates is safe

    def _release_soon(self, p: int) -> None:
        """Stop pulling ``p`` and hand its lease back in the background (renewed meanwhile)."""
        self._draining[p] = self.owned.pop(p)
        self._keep(asyncio.get_running_loop().create_task(self._hand_over(p)))

    def _let_go(self, p: int) -> None:
        """A lease lost: stop reading ``p`` and hand back what was pulled of it. Done at once, in
        the tick that found the loss, so that taking the partition again (the same tick may) sets
        up a puller and a buffer of its own that this winding down cannot touch."""
        self.owned.pop(p, None)
        task, buffer = self._pullers.pop(p, None), self._buffers.pop(p, collections.deque())

        async def hand_back() -> None:
            await self._stopped(task)
            await _back_to_stream(buffer)

        self._keep(asyncio.get_running_loop().create_task(hand_back()))

    def _keep(self, task: asyncio.Task[None]) -> None:
        """Hold a background hand-back until it is done (the loop keeps only weak references;
        ``close`` waits for those still running)."""
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def _stopped(self, task: asyncio.Task[None] | None) -> None:
        """Wait for a puller no longer its partition's (``_pullers``) to see so and stop. Its current
        pull runs out instead of being cancelled: a cancelled pull stays open on the server and would
        swallow the next messages of the partition (they would come back only after ack_wait, behind
        newer ones)."""
        if task is None:
            return
        async with self._space:
            self._space.notify_all()
        try:
            await asyncio.wait_for(task, timeout=PULL_TIMEOUT + 2)
        except (TimeoutError, asyncio.CancelledError, Exception):
            task.cancel()

    async def _hand_over(self, p: int) -> None:
        """Stop pulling ``p``, process what was pulled of it, then delete its lease."""
        await self._stopped(self._pullers.pop(p, None))
        # In order: the events of p already pulled are processed here before the next owner may
        # pull (nak'd messages are not guaranteed to come back in order).
        deadline = asyncio.get_running_loop().time() + max(5.0, self.bus.ack_wait)
        while (self._buffers.get(p) or self._outstanding[p] > 0) and not self._closed \
                and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        await _back_to_stream(self._buffers.pop(p, collections.deque()))  # closing, or out of time
        revision = self._draining.pop(p, None)
        if revision is not None and self.bus._kv is not None:
            with contextlib.suppress(Exception):
                await self.bus._kv.delete(f"p.{p}", last=revision)

    async def _pull(self, p: int, sub: Any) -> None:
        me = asyncio.current_task()

        def mine() -> bool:  # p's puller still: not handed over, nor replaced after a lost lease
            return self._pullers.get(p) is me and p in self._buffers

        try:
            while True:
                async with self._space:
                    await self._space.wait_for(lambda: not mine() or len(self._buffers[p]) < self._limit())
                if not mine():
                    return
                try:
                    msgs = await sub.fetch(self._limit() - len(self._buffers[p]), timeout=PULL_TIMEOUT)
                except (TimeoutError, nats.errors.TimeoutError):
                    continue
                except Exception as exc:
                    if self._closed or isinstance(exc, nats.errors.ConnectionClosedError):
                        return
                    log.warning("nats_pull_failed", worker=self.worker_id, partition=p, error=str(exc))
                    await asyncio.sleep(0.5)
                    continue
                if not mine():
                    if p in self._draining and p in self._buffers:  # handed over in order: ours to finish
                        self._buffer(p, msgs)
                    else:
                        for msg in msgs:
                            await msg.nak()
                    return
                self._buffer(p, msgs)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    def _buffer(self, p: int, msgs: list[Any]) -> None:
        """Queue pulled messages in stream order (redeliveries may arrive out of it); a redelivery of
        one still waiting here replaces it."""
        by_seq = {m.metadata.sequence.stream: m for m in self._buffers[p]}
        by_seq.update((m.metadata.sequence.stream, m) for m in msgs)
        self._buffers[p] = collections.deque(by_seq[k] for k in sorted(by_seq))
        self._ready.set()

    async def _touch_buffered(self) -> None:
        # Messages waiting in the prefetch buffer are still ours: keep them from being redelivered.
        waiting = [m for buffer in self._buffers.values() for m in buffer]
        if waiting:
            await asyncio.gather(*(m.in_progress() for m in waiting), return_exceptions=True)

    def _serving(self) -> set[int]:
        """Partitions whose buffered events may be handed out: held, or being handed over in order."""
        return set(self.owned) | set(self._draining)

    def _limit(self) -> int:
        # Prefetch is shared by the owned partitions: messages waiting here count against ack_wait.
        return max(4, PREFETCH // max(1, len(self.owned)))

    # ------------------------------------------------------------------------------- consuming
    def fetch(self, max_messages: int, timeout: float) -> list[Delivery]:
        msgs = self.bus.call(self._take(max_messages, timeout), timeout=timeout + 10)
        out = []
        for p, msg in msgs:
            try:
                message = message_of(msg)
            except (KeyError, ValueError) as exc:  # not ours (published by hand?): drop it loudly
                log.error("nats_foreign_message", subject=msg.subject, error=str(exc))
                self.bus.call(msg.term())
                self._outstanding[p] -= 1
                continue
            out.append(Delivery(message, attempt=int(msg.metadata.num_delivered), handle=(p, msg)))
        return out

    async def _take(self, max_messages: int, timeout: float) -> list[tuple[int, Any]]:
        if not any(self._buffers.get(p) for p in self._serving()):
            self._ready.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout=max(0.0, timeout))
        taken: list[tuple[int, Any]] = []
        # Round-robin over partitions; within one partition, stream order.
        while len(taken) < max_messages and any(self._buffers.get(p) for p in self._serving()):
            for p, buffer in list(self._buffers.items()):
                if buffer and p in self._serving() and len(taken) < max_messages:
                    taken.append((p, buffer.popleft()))
                    self._outstanding[p] += 1
        async with self._space:
            self._space.notify_all()
        return taken

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        if deliveries:
            self.bus.call(self._settle(deliveries, "ack"))

    def nak(self, delivery: Delivery, delay: float, error: str) -> None:
        del error  # the error is on the inbox row once the event dies; the stream keeps no notes
        self.bus.call(self._settle([delivery], "nak", delay))

    def in_progress(self, deliveries: Sequence[Delivery]) -> None:
        async def touch() -> None:
            await asyncio.gather(*(d.handle[1].in_progress() for d in deliveries), return_exceptions=True)

        if deliveries:
            self.bus.call(touch())

    async def _settle(self, deliveries: Sequence[Delivery], how: str, delay: float = 0.0) -> None:
        async def one(d: Delivery) -> None:
            p, msg = d.handle
            try:
                await (msg.ack() if how == "ack" else msg.nak(delay=delay))
            finally:
                self._outstanding[p] -= 1

        results = await asyncio.gather(*(one(d) for d in deliveries), return_exceptions=True)
        for r in results:  # an ack that did not reach the server means a harmless redelivery
            if isinstance(r, Exception):
                log.warning("nats_settle_failed", worker=self.worker_id, how=how, error=str(r))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        async def stop() -> None:
            self._rebalancer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._rebalancer
            for p in list(self.owned):
                self._release_soon(p)
            await asyncio.gather(*self._releases, return_exceptions=True)
            if self.bus._kv is not None:
                with contextlib.suppress(Exception):
                    await self.bus._kv.delete(f"w.{self.key}")

        with contextlib.suppress(Exception):
            self.bus.call(stop(), timeout=15.0)
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None and self.bus.owners is not None:
            self.bus.owners.drop(self.key, fd)  # its leases are handed back
