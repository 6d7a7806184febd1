"""The cross-process SQLite write gate (``WriteGate``) with real processes: one holder at a time
across processes and threads, and producers go before a busy worker."""

from __future__ import annotations

import multiprocessing
import os
import statistics
import threading
import time
from pathlib import Path

from lily.bus.local.gate import WriteGate

CTX = multiprocessing.get_context("spawn")


def _hammer(db: str, role: str, rounds: int, threads: int, marker: str, errors: multiprocessing.Queue) -> None:
    """Enter the gate ``rounds`` times per thread; inside, the marker file must not exist yet."""
    gate = WriteGate(db)

    def loop() -> None:
        for _ in range(rounds):
            with gate.producer() if role == "producer" else gate.consumer():
                try:
                    fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    errors.put(f"{role} {os.getpid()}: two holders at once")
                    continue
                os.close(fd)
                time.sleep(0.0002)
                os.unlink(marker)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    gate.close()


def test_one_holder_at_a_time_across_processes_and_threads(tmp_path: Path) -> None:
    db, marker = str(tmp_path / "lily.db"), str(tmp_path / "held")
    errors: multiprocessing.Queue = CTX.Queue()
    procs = [CTX.Process(target=_hammer, args=(db, role, 60, 3, marker, errors))
             for role in ("producer", "producer", "consumer", "consumer")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert (tmp_path / "lily.db.gate").exists() and (tmp_path / "lily.db.intent").exists()


def _busy_worker(db: str, hold: float, stop: multiprocessing.Event, ready: multiprocessing.Event) -> None:
    """A worker that takes turn after turn, holding each for ``hold`` seconds (its transactions)."""
    gate = WriteGate(db, max_yield=0.05)
    ready.set()
    while not stop.is_set():
        with gate.consumer():
            time.sleep(hold)
    gate.close()


def _hold_intent(db: str, ready: multiprocessing.Event, release: multiprocessing.Event) -> None:
    gate = WriteGate(db)
    with gate.consumer():  # hold the gate so our producer thread waits, announcing its intent
        waiter = threading.Thread(target=lambda: gate.producer().__enter__(), daemon=True)
        waiter.start()
        while not gate.other_producers_waiting():  # its own probe sees the intent lock too
            time.sleep(0.001)
        ready.set()
        release.wait(30)


def test_a_producer_of_another_process_is_seen_waiting(tmp_path: Path) -> None:
    db = str(tmp_path / "lily.db")
    gate = WriteGate(db)
    assert not gate.other_producers_waiting()
    ready, release = CTX.Event(), CTX.Event()
    proc = CTX.Process(target=_hold_intent, args=(db, ready, release), daemon=True)
    proc.start()
    try:
        assert ready.wait(30)
        assert gate.other_producers_waiting()
    finally:
        release.set()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    assert not gate.other_producers_waiting()  # the process is gone, and its locks with it
    gate.close()


def _take(db: str, log: str, trying: multiprocessing.Event) -> None:
    gate = WriteGate(db, max_yield=5.0)
    trying.set()
    with gate.consumer(), open(log, "a") as f:
        f.write("worker\n")
    gate.close()


def test_a_waiting_producer_of_another_process_goes_before_the_worker(tmp_path: Path) -> None:
    """One producer holds the gate, a second of the same process waits (on the thread lock, its
    intent announced); the worker of another process wants the gate too. When the first lets go,
    the second producer gets it, not the worker (which would be first in line at the ``flock``)."""
    db, log = str(tmp_path / "lily.db"), str(tmp_path / "order")
    gate = WriteGate(db)
    trying = CTX.Event()
    worker = CTX.Process(target=_take, args=(db, log, trying), daemon=True)

    def second_producer() -> None:
        with gate.producer(), open(log, "a") as f:
            f.write("producer\n")

    second = threading.Thread(target=second_producer)
    with gate.producer():
        second.start()
        while not gate.waiting():
            time.sleep(0.001)
        worker.start()
        assert trying.wait(30)
        time.sleep(0.2)  # the worker is waiting for its turn (yielding to the producer, up to 5 s)
    second.join(10)
    worker.join(15)
    assert worker.exitcode == 0
    assert Path(log).read_text().split() == ["producer", "worker"]
    gate.close()


def test_a_busy_worker_of_another_process_does_not_keep_producers_waiting(tmp_path: Path) -> None:
    db, hold = str(tmp_path / "lily.db"), 0.01
    stop, ready = CTX.Event(), CTX.Event()
    worker = CTX.Process(target=_busy_worker, args=(db, hold, stop, ready), daemon=True)
    worker.start()
    gate = WriteGate(db)
    waits = []
    try:
        assert ready.wait(30)
        time.sleep(0.1)
        for _ in range(40):
            t0 = time.monotonic()
            with gate.producer():
                waits.append(time.monotonic() - t0)
            time.sleep(0.003)
    finally:
        stop.set()
        worker.join(10)
        gate.close()
    # A producer waits for the worker's current turn at most (10 ms), not behind turn after turn:
    # without the intent lock, flock is not fair and the worker re-takes the gate the moment it lets go.
    assert statistics.median(waits) < 5 * hold, waits
    assert max(waits) < 1.0, waits


def test_a_producer_that_only_tries_is_seen_waiting_until_it_withdraws(tmp_path: Path) -> None:
    db = str(tmp_path / "lily.inbox.db")
    loop_side, worker = WriteGate(db), WriteGate(db)
    try:
        with worker.consumer():  # the worker has the turn: the try fails and the producer announces itself
            with loop_side.try_producer() as free:
                assert not free
            assert not worker.other_producers_waiting()
            loop_side.announce()
            loop_side.announce()  # once is enough: one withdraw ends it
            assert worker.other_producers_waiting() and loop_side.waiting()
        with loop_side.try_producer() as free, worker.try_producer() as also:
            assert free and not also  # one holder at a time
        loop_side.withdraw()
        assert not worker.other_producers_waiting() and not loop_side.waiting()
    finally:
        loop_side.close()
        worker.close()
