from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live import LiveLily


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveLily]:
    """`lily serve --demo` on the embedded defaults, over real HTTP, as `make run` starts it."""
    data: Path = tmp_path_factory.mktemp("lily-live")
    env = {"LILY_RATE_LIMIT_PER_MINUTE": "10000000", "LILY_RATE_LIMIT_BURST": "1000000"}
    with LiveLily(data, demo=True, env=env) as live:
        yield live
