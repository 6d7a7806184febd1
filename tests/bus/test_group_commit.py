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
from lily.bus.group_commit import GroupCommit
from lily.bus.local import LocalBus
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
