"""The impact table: everything downstream of an asset, nearest first, and its CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

COLUMNS = ("depth", "name", "namespace", "type", "owners", "pii", "open_incidents", "id")


@dataclass(frozen=True)
class ImpactRow:
    id: str
    depth: int
    name: str
    namespace: str
    type: str
    owners: tuple[str, ...] = ()
    pii: bool = False
    open_incidents: int = 0


def ordered(rows: Iterable[ImpactRow]) -> list[ImpactRow]:
    return sorted(rows, key=lambda r: (r.depth, r.namespace, r.name, r.id))


def _cell(value: str) -> str:
    # A spreadsheet runs a cell that starts like a formula: asset names come from producers.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(rows: Iterable[ImpactRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in ordered(rows):
        w.writerow([r.depth, _cell(r.name), _cell(r.namespace), r.type, _cell("; ".join(r.owners)),
                    "yes" if r.pii else "no", r.open_incidents, r.id])
    return buf.getvalue()
