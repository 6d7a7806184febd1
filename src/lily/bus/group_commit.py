"""Group commit: concurrent producers share one transaction instead of queueing for one each.

Every accept request must commit its events before it answers. On SQLite commits are serial (one
writer), and under concurrent producers each request waited for all the commits ahead of it. Here
the first producer to arrive becomes the leader: it takes everything queued so far, writes it in one
transaction, and hands each waiting producer its own result; producers that arrive meanwhile form
the next group. A single producer pays nothing extra (it leads a group of one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Entry(Generic[Item, Result]):
    items: Sequence[Item]
    result: Result | None = None
    error: BaseException | None = None
    done: bool = False


@dataclass
class GroupCommit(Generic[Item, Result]):
    """``write(groups)`` commits the items of several producers at once and returns one result per
    group, in order; if it raises, every producer of that group gets the exception."""

    write: Callable[[list[Sequence[Item]]], list[Result]]
    max_group: int = 64  # producers per transaction (bounds one commit's size and latency)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _queue: list[_Entry[Item, Result]] = field(default_factory=list)
    _leading: bool = False

    def submit(self, items: Sequence[Item]) -> Result:
        entry: _Entry[Item, Result] = _Entry(items)
        with self._cond:
            self._queue.append(entry)
            while not entry.done:
                if self._leading:
                    self._cond.wait()
                    continue
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
                    self._cond.notify_all()
        if entry.error is not None:
            raise entry.error
        return entry.result  # type: ignore[return-value]
