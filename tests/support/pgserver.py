"""A throwaway PostgreSQL server for tests and benchmarks (``lily.cluster.postgres``).

Uses ``LILY_TEST_DATABASE_URL`` when set (an existing server, admin URL); otherwise runs
``initdb`` + ``pg_ctl`` into a temporary directory on a free port and removes it afterwards.
"""

from __future__ import annotations

import os

from lily.cluster.postgres import PostgresServer


class ThrowawayPostgres(PostgresServer):
    def __init__(self) -> None:
        super().__init__(external=os.environ.get("LILY_TEST_DATABASE_URL"))


__all__ = ["ThrowawayPostgres"]
