from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lily.bus.base import InboundMessage
from lily.bus.local import LocalBus
from lily.bus.local.group_commit import GroupCommit
from lily.store import Store
from lily.store.accounts import create_tenant


def _run_concurrently(n: int, fn) -> list:
    results: list = [None] * n
    barrier = threading.Barrier(n)

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:  # the test inspects what each producer got
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_each_producer_gets_its_own_result_and_commits_are_shared() -> None:
    groups: list[int] = []

    def write(batch: list[Sequence[int]]) -> list[int]:
        groups.append(len(batch))
        time.sleep(0.01)  # a commit takes a while: producers arriving meanwhile form the next group
        return [sum(items) for items in batch]

    gc: GroupCommit[int, int] = GroupCommit(write, max_group=8)
    results = _run_concurrently(32, lambda i: gc.submit([i, i]))
    assert results == [2 * i for i in range(32)]
    assert sum(groups) == 32 and max(groups) <= 8
    assert len(groups) < 32  # some producers shared a transaction


def _fails_on_bad(batch: list[Sequence[str]]) -> list[str]:
    """A commit that fails for every group holding a "bad" item."""
    if any("bad" in items for items in batch):
        raise RuntimeError("disk full")
    return ["ok"] * len(batch)


def test_a_failed_commit_reaches_every_producer_of_its_group_and_no_other() -> None:
    gc: GroupCommit[str, str] = GroupCommit(_fails_on_bad)
    assert gc.submit(["good"]) == "ok"
    with pytest.raises(RuntimeError, match="disk full"):
        gc.submit(["bad"])
    assert gc.submit(["good"]) == "ok"  # the committer is not left stuck after a failure


def _acme_bus(tmp_path: Path) -> tuple[Store, LocalBus]:
    store = Store.from_url(f"sqlite:///{tmp_path}/lily.db", migrate=True)
    with store.write() as conn:
        create_tenant(conn, "acme", "Acme", datetime.now(UTC))
    return store, LocalBus(store)


def _message(key: str, partition: int = 0) -> InboundMessage:
    return InboundMessage(id=uuid.uuid4(), tenant_id="acme", source="generic", key=key, partition=partition,
                          payload=b"{}", received_at=datetime.now(UTC))


def test_concurrent_publishers_of_the_same_event_see_it_new_exactly_once(tmp_path: Path) -> None:
    store, bus = _acme_bus(tmp_path)
    same = _message("k-same")

    def publish(i: int) -> list[bool]:
        return bus.publish([same, _message(f"k-{i}", i % 4)])

    results = _run_concurrently(16, publish)
    assert all(isinstance(r, list) for r in results), results
    assert sum(r[0] for r in results) == 1  # the shared event is new for one producer only
    assert all(r[1] for r in results)  # every producer's own event is new
    assert bus.queue_depth() == 17
    store.dispose()


# ------------------------------------------------------------------ producers on an event loop
def test_coroutines_get_their_own_results_and_share_commits() -> None:
    groups: list[int] = []

    def write(batch: list[Sequence[int]]) -> list[int]:
        groups.append(len(batch))
        time.sleep(0.01)
        return [sum(items) for items in batch]

    gc: GroupCommit[int, int] = GroupCommit(write, max_group=8)

    async def main() -> list[int]:
        return await asyncio.gather(*(gc.submit_async([i, i]) for i in range(32)))

    try:
        assert asyncio.run(main()) == [2 * i for i in range(32)]
    finally:
        gc.close()
    assert sum(groups) == 32 and max(groups) <= 8 and len(groups) < 32


def test_the_event_loop_runs_while_a_commit_is_written() -> None:
    """The write blocks until another coroutine of the same loop lets it go: a submit that blocked
    the loop would never see that happen (the write gives up after 5 s and the test fails)."""
    proceed = threading.Event()

    def write(batch: list[Sequence[str]]) -> list[str]:
        assert proceed.wait(5), "the event loop was blocked while the commit was written"
        return ["ok"] * len(batch)

    gc: GroupCommit[str, str] = GroupCommit(write)

    async def release_soon() -> None:
        await asyncio.sleep(0.05)
        proceed.set()

    async def main() -> list[str]:
        return await asyncio.gather(gc.submit_async(["a"]), release_soon())

    try:
        assert asyncio.run(main())[0] == "ok"
    finally:
        gc.close()


def test_a_failed_commit_reaches_its_coroutines_and_the_committer_goes_on() -> None:
    gc: GroupCommit[str, str] = GroupCommit(_fails_on_bad)

    async def main() -> None:
        assert await gc.submit_async(["good"]) == "ok"
        with pytest.raises(RuntimeError, match="disk full"):
            await gc.submit_async(["bad"])
        assert await gc.submit_async(["good"]) == "ok"
        assert await asyncio.to_thread(gc.submit, ["good"]) == "ok"  # threads and coroutines mix

    try:
        asyncio.run(main())
    finally:
        gc.close()
    assert gc._committer is not None and not gc._committer.is_alive()  # close() stopped it

    async def late() -> str:
        return await gc.submit_async(["good"])

    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(late())


def test_publish_async_on_the_local_bus_stores_the_events(tmp_path: Path) -> None:
    store, bus = _acme_bus(tmp_path)
    same = _message("same")

    async def main() -> list[list[bool]]:
        return await asyncio.gather(*(bus.publish_async([same, _message(f"k-{i}")]) for i in range(10)))

    try:
        results = asyncio.run(main())
        assert sum(r[0] for r in results) == 1 and all(r[1] for r in results)
        assert bus.queue_depth() == 11
    finally:
        bus.close()
        store.dispose()


# ------------------------------------------------------------- writes on the loop (try_write)
def _on_loop_gc(free: list[bool], log: list[tuple[str, int]], **kwargs: object) -> GroupCommit[int, int]:
    """A group commit whose turn is free while ``free[0]``; ``log`` records (thread, group size)."""

    def write(batch: list[Sequence[int]]) -> list[int]:
        log.append((threading.current_thread().name, len(batch)))
        return [sum(items) for items in batch]

    def try_write(batch: list[Sequence[int]]) -> list[int] | None:
        return write(batch) if free[0] else None

    return GroupCommit(write, try_write=try_write, **kwargs)  # type: ignore[arg-type]


def test_a_free_turn_lets_the_loop_write_one_group_per_turn_itself() -> None:
    log: list[tuple[str, int]] = []
    gc = _on_loop_gc([True], log, max_group=64)

    async def main() -> list[int]:
        return await asyncio.gather(*(gc.submit_async([i, 1]) for i in range(20)))

    try:
        assert asyncio.run(main()) == [i + 1 for i in range(20)]
    finally:
        gc.close()
    assert log == [("MainThread", 20)]  # the 20 coroutines of one turn: one write, on the loop
    assert gc._committer is None  # no thread was needed


def test_a_taken_turn_or_a_large_group_goes_to_the_committer_thread() -> None:
    log: list[tuple[str, int]] = []
    free = [False]
    gc = _on_loop_gc(free, log, loop_items=10)

    async def main() -> None:
        assert await gc.submit_async([1, 2]) == 3  # turn taken: the committer writes it
        free[0] = True
        assert await gc.submit_async([3, 4]) == 7  # free: the loop writes it
        assert await gc.submit_async(list(range(11))) == 55  # more items than loop_items: the thread

    try:
        asyncio.run(main())
    finally:
        gc.close()
    assert log == [("lily-group-commit", 1), ("MainThread", 1), ("lily-group-commit", 1)]


def test_the_loop_does_not_overtake_groups_queued_for_the_committer() -> None:
    order: list[str] = []
    release = threading.Event()

    def write(batch: list[Sequence[str]]) -> list[str]:
        if batch[0][0] == "slow":
            assert release.wait(5)
        order.extend(items[0] for items in batch)
        return ["ok"] * len(batch)

    gc: GroupCommit[str, str] = GroupCommit(write, try_write=write)
    slow = threading.Thread(target=gc.submit, args=(["slow"],))
    slow.start()  # a thread leads a group and keeps writing

    async def main() -> str:
        while not gc._leading:
            await asyncio.sleep(0.001)
        pending = asyncio.ensure_future(gc.submit_async(["after"]))
        await asyncio.sleep(0.05)
        assert not pending.done()  # it waits behind the group being written instead of writing now
        release.set()
        return await pending

    try:
        assert asyncio.run(main()) == "ok"
    finally:
        release.set()
        slow.join(5)
        gc.close()
    assert order == ["slow", "after"]


def test_a_failed_write_on_the_loop_reaches_its_coroutines_only() -> None:
    gc: GroupCommit[str, str] = GroupCommit(_fails_on_bad, try_write=_fails_on_bad)

    async def main() -> None:
        with pytest.raises(RuntimeError, match="disk full"):
            await gc.submit_async(["bad"])
        assert await gc.submit_async(["good"]) == "ok"

    try:
        asyncio.run(main())
    finally:
        gc.close()


def test_publish_async_waits_for_a_worker_of_another_process_holding_the_inbox(tmp_path: Path) -> None:
    from lily.bus.local.gate import WriteGate
    from lily.store.inbox_db import inbox_path

    store, bus = _acme_bus(tmp_path)
    path = inbox_path(store.engine)
    assert store.inbox_apart and path is not None
    other = WriteGate(str(path))  # its own open files: as another process's worker
    released = threading.Event()

    async def main() -> list[bool]:
        with other.consumer():
            pending = asyncio.ensure_future(bus.publish_async([_message("held")]))
            await asyncio.sleep(0.05)  # the loop runs on meanwhile; the event is not stored yet
            assert not pending.done()
            released.set()
        return await pending

    try:
        assert asyncio.run(main()) == [True] and released.is_set()
        assert bus.queue_depth() == 1
    finally:
        other.close()
        bus.close()
        store.dispose()
