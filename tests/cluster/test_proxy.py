"""The round-robin proxy in front of the API processes: a dead backend is skipped, and a backend that
dies mid-request drops the client's connection at once instead of leaving it waiting."""

from __future__ import annotations

import asyncio
import socket
import struct
import time

from lily.cluster.proxy import RoundRobin


async def _answering(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
    await writer.drain()
    writer.close()


async def _resetting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")  # the request arrived; the process dies before it answers
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    writer.transport.abort()


async def _request(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /readyz HTTP/1.1\r\nhost: x\r\n\r\n")
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _through_proxy(handler: object, *, dead_first: bool) -> tuple[bytes, float]:
    backend = await asyncio.start_server(handler, "127.0.0.1", 0)  # type: ignore[arg-type]
    live = ("127.0.0.1", backend.sockets[0].getsockname()[1])
    backends = [("127.0.0.1", _free_port()), live] if dead_first else [live]
    proxy = await asyncio.start_server(RoundRobin(backends).handle, "127.0.0.1", 0)
    try:
        started = time.monotonic()
        answer = await _request(proxy.sockets[0].getsockname()[1])
        return answer, time.monotonic() - started
    finally:
        proxy.close()
        backend.close()


def test_a_refusing_backend_is_skipped() -> None:
    answer, _ = asyncio.run(_through_proxy(_answering, dead_first=True))
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"ok")


def test_a_backend_reset_mid_request_closes_the_client_at_once() -> None:
    answer, seconds = asyncio.run(_through_proxy(_resetting, dead_first=False))
    assert answer == b""   # the connection dropped: the client can retry, instead of waiting for nothing
    assert seconds < 2.0   # (before the fix it waited until its own timeout, here 5 s)
