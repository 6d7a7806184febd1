"""Group commit: concurrent producers share one transaction instead of queueing for one each.

Every accept request must commit its events before it answers. On SQLite commits are serial (one
writer), and under concurrent producers each request waited for all the commits ahead of it. Here
the first producer to arrive becomes the leader: it takes everything queued so far, writes it in one
transaction, and hands each waiting producer its own result; producers that arrive meanwhile form
the next group. A single producer pays nothing extra (it leads a group of one).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Entry(Generic[Item, Result]):
    items: Sequence[Item]
    result: Result | None = None
    error: BaseException | None = None
    done: bool = False
    future: asyncio.Future[Any] | None = None  # a producer on an event loop (``submit_async``)


@dataclass
class GroupCommit(Generic[Item, Result]):
    """``write(groups)`` commits the items of several producers at once and returns one result per
    group, in order; if it raises, every producer of that group gets the exception.

    Producers are threads (``submit``: the first one to find no leader writes the group) or
    coroutines (``submit_async``: a committer thread writes for them, so an event loop never blocks
    on the database and a request costs no thread-pool round trip of its own).
    """

    write: Callable[[list[Sequence[Item]]], list[Result]]
    max_group: int = 64  # producers per transaction (bounds one commit's size and latency)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _queue: list[_Entry[Item, Result]] = field(default_factory=list)
    _leading: bool = False
    _committer: threading.Thread | None = None
    _closed: bool = False

    def submit(self, items: Sequence[Item]) -> Result:
        entry: _Entry[Item, Result] = _Entry(items)
        with self._cond:
            self._queue.append(entry)
            while not entry.done:
                if self._leading:
                    self._cond.wait()
                    continue
                self._lead()
        if entry.error is not None:
            raise entry.error
        return entry.result  # type: ignore[return-value]

    async def submit_async(self, items: Sequence[Item]) -> Result:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        with self._cond:
            if self._closed:
                raise RuntimeError("group commit closed")
            self._queue.append(_Entry(items, future=future))
            if self._committer is None:
                self._committer = threading.Thread(target=self._commit_loop, name="lily-group-commit",
                                                   daemon=True)
                self._committer.start()
            self._cond.notify_all()
        return await future  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the committer thread once the queue is written (producers arriving later get an error)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            committer = self._committer
        if committer is not None and committer is not threading.current_thread():
            committer.join(10)

    def _commit_loop(self) -> None:
        with self._cond:
            while True:
                if self._queue and not self._leading:
                    self._lead()
                elif self._closed and not self._queue:
                    return
                else:
                    self._cond.wait()

    def _lead(self) -> None:
        """Write the next group (called with the condition held; releases it while writing)."""
        self._leading = True
        group, self._queue = self._queue[:self.max_group], self._queue[self.max_group:]
        self._cond.release()
        try:
            results = self.write([e.items for e in group])
            for e, r in zip(group, results, strict=True):
                e.result = r
        except BaseException as exc:  # handed to every producer of the group
            for e in group:
                e.error = exc
        finally:
            self._cond.acquire()
            self._leading = False
            for e in group:
                e.done = True
                if e.future is not None:
                    with contextlib.suppress(RuntimeError):  # its loop is closed: nobody waits for it
                        e.future.get_loop().call_soon_threadsafe(_settle, e.future, e.result, e.error)
            self._cond.notify_all()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():  # the request went away; its events are durable all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
