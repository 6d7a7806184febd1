from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lily.store import Store
from lily.store.accounts import create_tenant


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.from_url(database_url)
    with s.write() as conn:
        create_tenant(conn, "acme", "Acme", datetime.now(UTC))
        create_tenant(conn, "globex", "Globex", datetime.now(UTC))
    yield s
    s.dispose()


@pytest.fixture
def file_store(tmp_path: Path) -> Iterator[Store]:
    """A SQLite catalog file, migrated (its inbox in a file of its own)."""
    s = Store.from_url(f"sqlite:///{tmp_path / 'lily.db'}", migrate=True)
    yield s
    s.dispose()
