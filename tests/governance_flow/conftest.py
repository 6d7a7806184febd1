"""The governance flow tests' shared fixture: the API on SQLite with the demo chain loaded (modules
that need another set-up define their own ``env``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Env, make_env
from tests.governance_flow.helpers import load_demo_chain


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> Iterator[Env]:
    e = make_env(sqlite_url, tmp_path)
    load_demo_chain(e.store)
    yield e
    e.client.close()
    e.store.dispose()
