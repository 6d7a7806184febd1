"""A small round-robin TCP proxy: one port in front of the cluster's API processes.

Each client connection goes to the next backend in turn; a backend that refuses the connection (a
dead API process) is skipped, and one that fails mid-connection (it died) closes the client's
connection too, so the client sees the drop at once. It balances connections, not requests: a
keep-alive client stays on one backend, as behind most layer-4 balancers. In production put a real
load balancer there (docs/deployment.md); this one exists so ``lily cluster up`` has a single URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import signal

import typer

CONNECT_TIMEOUT = 2.0


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """Copy until end of file, then pass the end of file on (the other direction may still talk).
    False when a side failed (a backend that died mid-request resets its connection)."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        return False
    return True


class RoundRobin:
    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self.backends = backends
        self._turn = itertools.count()

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The next backend that accepts a connection, or None when none does."""
        start = next(self._turn)
        for i in range(len(self.backends)):
            host, port = self.backends[(start + i) % len(self.backends)]
            with contextlib.suppress(OSError, asyncio.TimeoutError):
                return await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
        return None

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        backend = await self.connect()
        if backend is None:
            client_w.close()
            return
        backend_r, backend_w = backend
        pipes = [asyncio.ensure_future(_pipe(client_r, backend_w)), asyncio.ensure_future(_pipe(backend_r, client_w))]
        try:
            # A failed direction closes both: the client sees the connection drop at once, instead of
            # waiting on a request the other direction will never answer.
            for finished in asyncio.as_completed(pipes):
                if not await finished:
                    break
        finally:
            for pipe in pipes:
                pipe.cancel()
            for w in (backend_w, client_w):
                w.close()


async def serve(host: str, port: int, backends: list[tuple[str, int]]) -> None:
    server = await asyncio.start_server(RoundRobin(backends).handle, host, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def proxy(port: int = typer.Option(..., "--port", help="port to listen on"),
          host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
          backend: list[str] = typer.Option(..., "--backend", help="HOST:PORT of an API process (repeat)")) -> None:
    """Round-robin TCP proxy in front of the API processes (`lily cluster up` runs it)."""
    backends = [(b.rpartition(":")[0], int(b.rpartition(":")[2])) for b in backend]
    asyncio.run(serve(host, port, backends))
