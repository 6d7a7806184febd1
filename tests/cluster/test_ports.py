"""The cluster's server ports stay out of the range the kernel gives outgoing connections."""

from __future__ import annotations

import socket
from pathlib import Path

from lily.cluster.ports import free_port


def test_ports_are_free_distinct_and_below_the_ephemeral_range() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)  # one process never hands a port out twice
    if low > 21_000:
        assert all(p < low for p in ports)
    for p in ports[:5]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", p))

