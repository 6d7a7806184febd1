"""The cluster's servers restart in place (same address, same data): what the fault tests do to
PostgreSQL and nats-server under load."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from lily.cluster.nats import NatsServer
from lily.cluster.postgres import PostgresServer


@pytest.mark.postgres
@pytest.mark.skipif(bool(os.environ.get("LILY_TEST_DATABASE_URL")), reason="needs a server it starts itself")
def test_postgres_restarts_on_its_port_with_its_data() -> None:
    with PostgresServer(synchronous_commit=True) as pg:
        url = pg.admin_url.replace("+psycopg", "")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (x int)")
            conn.execute("INSERT INTO kept VALUES (42)")
        held = psycopg.connect(url, autocommit=True)
        port, pid = pg.port, pg.pid()
        pg.restart()
        assert pg.port == port and pg.pid() not in (None, pid)
        with pytest.raises(psycopg.OperationalError):
            held.execute("SELECT 1")  # an immediate stop cuts every session
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("SELECT x FROM kept").fetchall() == [(42,)]


def test_nats_restarts_on_the_same_ports_with_its_streams(tmp_path: Path) -> None:
    first = NatsServer(store_dir=tmp_path / "js").start()
    try:
        (tmp_path / "js" / "jetstream").stat()  # JetStream keeps its state in the store directory
    finally:
        first.stop()
    again = NatsServer(store_dir=tmp_path / "js", port=first.port, monitor_port=first.monitor_port).start()
    try:
        assert (again.url, again.monitor_port) == (first.url, first.monitor_port)
    finally:
        again.stop()
    assert (tmp_path / "js").exists()  # a given store directory is not removed on stop
