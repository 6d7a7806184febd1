"""Ports for the local cluster's servers, chosen below the kernel's ephemeral range.

The cluster restarts PostgreSQL and nats-server on the ports they had (clients reconnect to the
same address). A port from the ephemeral range (what binding port 0 returns) is also what the kernel
hands out as the source port of outgoing connections, so while a server was down one of the many
client connections could take its port: a fault test saw nats-server fail to start again with
"bind: address already in use" on its monitor port, and every accept failed until the test timed
out. Ports below the range are never assigned to outgoing connections.
"""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

_FIRST = 20_000
_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_given: set[int] = set()  # handed out by this process: a port is free until its server binds it
_lock = threading.Lock()


def _ephemeral_start() -> int:
    try:
        return int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def free_port() -> int:
    """A TCP port free on 127.0.0.1, outside the ephemeral range when the kernel leaves room below
    it (else any free port)."""
    end = _ephemeral_start()
    with _lock:
        for _ in range(200 if end - _FIRST > 1_000 else 0):
            port = random.randrange(_FIRST, end)
            if port in _given:
                continue
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _given.add(port)
            return port
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
