"""A live ``lily serve`` per module for the abuse probes (one test per reproduction of the
hardening issue; each failed on the code before it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import env  # noqa: F401 - the API in-process on both databases (test_conformance)
from tests.support.live import LiveLily


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveLily]:
    """``lily serve`` on SQLite with its default limits (rate limits included)."""
    data: Path = tmp_path_factory.mktemp("lily-probe")
    with LiveLily(data) as server:
        yield server
