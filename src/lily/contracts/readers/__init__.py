"""Where a contract's quality checks read the data: one module per server type, one function each.

``read(server, dataset, limit_bytes)`` returns the newest partition of the dataset as an Arrow
table, its partition path and the processing date the partition stands for (``export_date=
2025-01-02`` → 2025-01-02), or raises ``ReadError``. A server type without a reader leaves quality
unchecked (the contract's schema and freshness are still evaluated from the catalog).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from lily.model import AssetRef


class ReadError(RuntimeError):
    pass


@dataclass(frozen=True)
class Partition:
    table: pa.Table
    path: str
    process_date: date | None


_DATE = re.compile(r"(?:^|[=/_-])(\d{4})-?(\d{2})-?(\d{2})(?:$|[/_])")
_YMD = re.compile(r"(?:year|y)=(\d{4})/(?:month|m)=(\d{1,2})/(?:day|d)=(\d{1,2})")


def partition_date(path: str) -> date | None:
    """The processing date a partition path names (``dt=2025-01-02``, ``2025/01/02``, ``y=2025/m=1/d=2``)."""
    for pattern in (_YMD, _DATE, re.compile(r"(\d{4})/(\d{2})/(\d{2})")):
        found = pattern.findall(path)
        if found:
            y, m, d = (int(x) for x in found[-1])
            try:
                return date(y, m, d)
            except ValueError:
                continue
    return None


Reader = Callable[[dict[str, Any], AssetRef, int], Partition]


def readers() -> dict[str, Reader]:
    from lily.contracts.readers import local, s3  # imported when a contract is evaluated, not at startup

    return {"s3": s3.read, "local": local.read}
